<?php
/**
 * The igsync connector on Settings > Connectors (WordPress 7.0), where an owner now looks for
 * the services a site is connected to. The card says whether the site is paired and the
 * connection works, and leads to Settings > igsync, where pairing happens: igsync has no API
 * key to type in, so it registers with the "none" authentication method and draws its own
 * card. On WordPress before 7.0 neither hook fires and nothing is added.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Connectors registration and its card.
 */
final class Igsync_Connector {

	/** The connector's id (also the card's slug on the page). */
	const ID = 'igsync';

	/** The script module that draws the card. */
	const MODULE = 'igsync-connector';

	/**
	 * Hooks (at load: WordPress builds its connector registry on init).
	 */
	public static function register(): void {
		add_action( 'wp_connectors_init', array( __CLASS__, 'add' ) );
		add_action( 'options-connectors-wp-admin_init', array( __CLASS__, 'enqueue' ) );
		add_filter( 'script_module_data_' . self::MODULE, array( __CLASS__, 'card' ) );
	}

	/**
	 * Registers igsync in WordPress's connector registry.
	 *
	 * @param WP_Connector_Registry $registry The registry WordPress passes.
	 */
	public static function add( $registry ): void {
		$registry->register(
			self::ID,
			array(
				'name'           => __( 'igsync', 'igsync-bridge' ),
				'description'    => __( 'Instagram leads from your shop\'s Connect with Instagram button.', 'igsync-bridge' ),
				'type'           => 'lead_sync',
				'logo_url'       => plugins_url( 'assets/igsync-logo.svg', IGSYNC_BRIDGE_FILE ),
				'authentication' => array( 'method' => 'none' ),
				'plugin'         => array(
					'file'      => plugin_basename( IGSYNC_BRIDGE_FILE ),
					'is_active' => '__return_true',
				),
			)
		);
	}

	/**
	 * The card's script, on the Connectors page only (WordPress fires this hook there).
	 */
	public static function enqueue(): void {
		wp_enqueue_script_module(
			self::MODULE,
			plugins_url( 'assets/igsync-connector.js', IGSYNC_BRIDGE_FILE ),
			array( '@wordpress/connectors' ),
			IGSYNC_BRIDGE_VERSION
		);
	}

	/**
	 * What the card shows, in the site's language (the script has no strings of its own).
	 *
	 * @param array<string, mixed> $data Data so far.
	 * @return array<string, mixed>
	 */
	public static function card( $data ): array {
		$state = Igsync_Connection_State::now();
		return array_merge(
			(array) $data,
			array(
				'state'       => $state['state'],
				'label'       => $state['label'],
				'detail'      => $state['detail'],
				'settingsUrl' => admin_url( 'options-general.php?page=igsync' ),
				'action'      => Igsync_Connection_State::NOT_PAIRED === $state['state'] ? __( 'Pair', 'igsync-bridge' ) : __( 'Manage', 'igsync-bridge' ),
			)
		);
	}
}
