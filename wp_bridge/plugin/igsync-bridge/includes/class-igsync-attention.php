<?php
/**
 * What the owner must act on, each in a title, a sentence and a link: the daemon out of
 * reach, leads whose connection died, a Graph API version near its end. WooCommerce's inbox
 * shows them as notes and its Marketing hub counts them as the channel's issues; one list,
 * so both say the same.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The owner's open issues.
 */
final class Igsync_Attention {

	/** The daemon could not be reached, or refused the shop's signature. */
	const CONNECTION = 'igsync-connection-lost';

	/** Leads whose token died: the shoppers must connect again. */
	const RECONNECT = 'igsync-leads-need-reconnecting';

	/** The daemon calls a Graph API version Meta ends soon, or has ended. */
	const GRAPH_API = 'igsync-graph-api-version';

	/**
	 * The issues open now, by name (a note's name in the inbox).
	 *
	 * @return array<string, array{title: string, content: string, action: string, url: string}>
	 */
	public static function now(): array {
		$issues = array();
		$state  = Igsync_Connection_State::now();
		if ( Igsync_Connection_State::FAILING === $state['state'] ) {
			$issues[ self::CONNECTION ] = array(
				'title'   => __( 'igsync cannot reach its daemon', 'igsync-bridge' ),
				'content' => $state['detail'] . ' ' . __( 'Shoppers can still connect: their codes wait, encrypted, and reach the daemon once it is back within the code\'s hour.', 'igsync-bridge' ),
				'action'  => __( 'Open the igsync settings', 'igsync-bridge' ),
				'url'     => admin_url( 'options-general.php?page=igsync' ),
			);
		}
		$lost = Igsync_Leads_Query::count_by_status()[ Igsync_Status::NEEDS_RECONNECT ] ?? 0;
		if ( $lost > 0 ) {
			$issues[ self::RECONNECT ] = array(
				/* translators: %d: number of leads */
				'title'   => sprintf( _n( '%d Instagram lead needs reconnecting', '%d Instagram leads need reconnecting', $lost, 'igsync-bridge' ), $lost ),
				'content' => _n( 'Instagram no longer accepts this shopper\'s connection (a changed password, or the app removed on Instagram). Their My Account page asks them to connect again; their lead stays until then.', 'Instagram no longer accepts these shoppers\' connections (a changed password, or the app removed on Instagram). Their My Account page asks them to connect again; their leads stay until then.', $lost, 'igsync-bridge' ),
				'action'  => __( 'See these leads', 'igsync-bridge' ),
				'url'     => admin_url( 'admin.php?page=' . Igsync_Leads_Screen::SLUG . '&igsync_status=' . Igsync_Status::NEEDS_RECONNECT ),
			);
		}
		$graph = Igsync_Health::instagram()['graph_api'] ?? null;
		if ( is_array( $graph ) && isset( $graph['version'] ) && in_array( $graph['verdict'] ?? '', array( 'warn', 'fail' ), true ) ) {
			$issues[ self::GRAPH_API ] = array(
				/* translators: %s: a Graph API version such as v22.0 */
				'title'   => sprintf( __( 'Graph API %s is near its end', 'igsync-bridge' ), (string) $graph['version'] ),
				'content' => Igsync_Go_Live::graph_words( $graph ),
				'action'  => __( 'Open Going live', 'igsync-bridge' ),
				'url'     => Igsync_Go_Live_Page::url(),
			);
		}
		return $issues;
	}
}
