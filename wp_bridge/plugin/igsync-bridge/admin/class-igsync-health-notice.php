<?php
/**
 * Tells the shop owner, on the Dashboard, the Plugins screen and igsync's own pages, what needs
 * them: queued codes this site cannot read (kept, not skipped), codes waiting for the daemon
 * for more than ten minutes (they die an hour after the shopper connected), and a failed
 * connection test.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * An admin notice on the Dashboard, the Plugins screen and igsync's own pages.
 */
final class Igsync_Health_Notice {

	const SCREENS = array( 'dashboard', 'plugins', 'settings_page_igsync' );

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_notices', array( __CLASS__, 'render' ) );
	}

	/**
	 * The notice, when there is something to say.
	 */
	public static function render(): void {
		$screen = get_current_screen();
		if ( ! current_user_can( 'manage_options' ) || null === $screen || ! in_array( $screen->id, array_merge( self::SCREENS, array( Igsync_Leads_Screen::screen_id() ) ), true ) ) {
			return;
		}
		$snapshot = Igsync_Health::snapshot();
		if ( null !== $snapshot['oldest_age'] && $snapshot['oldest_age'] > Igsync_Health::STALE_QUEUE_AGE ) {
			$waiting = sprintf(
				/* translators: 1: number of connections, 2: how long the oldest has waited */
				_n(
					'igsync: %1$d Instagram connection has waited %2$s for the daemon. Codes expire an hour after the shopper connected: use Test connection under Settings > igsync.',
					'igsync: %1$d Instagram connections are waiting for the daemon, the oldest for %2$s. Codes expire an hour after the shopper connected: use Test connection under Settings > igsync.',
					$snapshot['queued'],
					'igsync-bridge'
				),
				$snapshot['queued'],
				human_time_diff( time() - (int) $snapshot['oldest_age'] )
			);
			printf( '<div class="notice notice-warning is-dismissible" id="igsync-queue-stale"><p>%s</p></div>', esc_html( $waiting ) );
		}
		$last = Igsync_Health::last();
		if ( null !== $last && ! $last['ok'] && 'settings_page_igsync' !== $screen->id ) {
			$text = 'forward' === ( $last['source'] ?? '' )
				/* translators: %s: what went wrong, in plain words */
				? sprintf( __( 'igsync could not hand a shopper\'s Instagram connection to its daemon (it stays queued). %s', 'igsync-bridge' ), $last['message'] )
				/* translators: %s: what the connection test found */
				: sprintf( __( 'igsync: the last connection test failed. %s', 'igsync-bridge' ), $last['message'] );
			printf(
				'<div class="notice notice-warning is-dismissible" id="igsync-connection-broken"><p>%s <a href="%s">%s</a></p></div>',
				esc_html( $text ),
				esc_url( admin_url( 'options-general.php?page=igsync' ) ),
				esc_html__( 'Open the igsync settings', 'igsync-bridge' )
			);
		}
		$unreadable = $snapshot['unreadable'];
		if ( 0 === $unreadable ) {
			return;
		}
		$text = sprintf(
			/* translators: %d: number of queued Instagram connections */
			_n(
				'igsync: %d Instagram connection is waiting in the queue but cannot be decrypted with this site\'s queue key (the igsync_queue_key option was changed or restored from another copy of the site). Restore the key to deliver it; otherwise the shopper has to connect again.',
				'igsync: %d Instagram connections are waiting in the queue but cannot be decrypted with this site\'s queue key (the igsync_queue_key option was changed or restored from another copy of the site). Restore the key to deliver them; otherwise these shoppers have to connect again.',
				$unreadable,
				'igsync-bridge'
			),
			$unreadable
		);
		printf( '<div class="notice notice-error" id="igsync-queue-unreadable"><p>%s</p></div>', esc_html( $text ) );
	}
}
