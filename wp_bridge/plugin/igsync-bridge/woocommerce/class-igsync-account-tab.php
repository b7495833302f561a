<?php
/**
 * My Account > Instagram: a WooCommerce account endpoint with the connection's real status,
 * the handle (and picture once known), and the buttons to connect, reconnect and disconnect.
 * Disconnecting has the daemon revoke and erase the token; the lead stays the shop's.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Instagram tab of My Account.
 */
final class Igsync_Account_Tab {

	const ENDPOINT = 'instagram';

	const FLUSH_OPTION = 'igsync_flush_rewrite_rules';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_filter( 'woocommerce_get_query_vars', array( __CLASS__, 'query_vars' ) );
		add_filter( 'woocommerce_account_menu_items', array( __CLASS__, 'menu_item' ) );
		add_filter( 'woocommerce_endpoint_' . self::ENDPOINT . '_title', array( __CLASS__, 'title' ) );
		add_action( 'woocommerce_account_' . self::ENDPOINT . '_endpoint', array( __CLASS__, 'render' ) );
		add_action( 'template_redirect', array( __CLASS__, 'handle_disconnect' ) );
		add_action( 'init', array( __CLASS__, 'flush_once' ), 99 );
	}

	/**
	 * Activation cannot add the endpoint's rewrite rule (the plugin's hooks did not run in that
	 * request): it leaves a flag, and the first request after it flushes the rules.
	 */
	public static function flush_once(): void {
		if ( '1' === get_option( self::FLUSH_OPTION ) ) {
			// Kept, as "0": an option that does not exist costs every request a query of its own.
			update_option( self::FLUSH_OPTION, '0', true );
			flush_rewrite_rules( false );
		}
	}

	/**
	 * The endpoint, among WooCommerce's (which adds its rewrite rule and query var).
	 *
	 * @param array<string, string> $vars Query vars.
	 * @return array<string, string>
	 */
	public static function query_vars( $vars ): array {
		$vars                   = is_array( $vars ) ? $vars : array();
		$vars[ self::ENDPOINT ] = self::ENDPOINT;
		return $vars;
	}

	/**
	 * "Instagram" in the account menu, before "Log out".
	 *
	 * @param array<string, string> $items Menu items.
	 * @return array<string, string>
	 */
	public static function menu_item( $items ): array {
		$items  = is_array( $items ) ? $items : array();
		$logout = isset( $items['customer-logout'] ) ? array( 'customer-logout' => $items['customer-logout'] ) : array();
		unset( $items['customer-logout'] );
		return array_merge( $items, array( self::ENDPOINT => __( 'Instagram', 'igsync-bridge' ) ), $logout );
	}

	/**
	 * The tab's title.
	 *
	 * @return string
	 */
	public static function title(): string {
		return __( 'Instagram', 'igsync-bridge' );
	}

	/**
	 * The tab.
	 */
	public static function render(): void {
		$user_id = get_current_user_id();
		$status  = Igsync_Shopper_Status::get( $user_id );
		wc_get_template(
			'account-instagram.php',
			array(
				'status'     => $status,
				'username'   => (string) get_user_meta( $user_id, 'igsync_ig_username', true ),
				'picture'    => (string) get_user_meta( $user_id, 'igsync_ig_picture', true ),
				'since'      => (string) get_user_meta( $user_id, 'igsync_connected_at', true ),
				'connect'    => Igsync_Connect::render(
					Igsync_Status::NEEDS_RECONNECT === $status ? __( 'Reconnect Instagram', 'igsync-bridge' ) : __( 'Connect with Instagram', 'igsync-bridge' ),
					'my-account-tab',
					'woocommerce-button button wp-element-button'
				),
				'disconnect' => in_array( $status, array( Igsync_Status::CONNECTED, Igsync_Status::NEEDS_RECONNECT ), true ),
				// What connecting earns, said before the button (not once connected).
				'offer'      => Igsync_Status::CONNECTED === $status ? '' : Igsync_Reward::offer(),
				/**
				 * Filters what the tab shows under the connection (the reward for connecting, or
				 * anything a shop adds).
				 *
				 * @since 0.3.0
				 *
				 * @param string $html    Markup.
				 * @param int    $user_id The customer.
				 */
				'extra'      => (string) apply_filters( 'igsync_account_tab_extra', '', $user_id ),
			),
			'igsync-bridge/',
			IGSYNC_BRIDGE_DIR . '/templates/'
		);
	}

	/**
	 * The Disconnect button's form: the daemon revokes the token, then the lead is marked
	 * disconnected; if the daemon cannot be asked, nothing changes and the shopper is told.
	 */
	public static function handle_disconnect(): void {
		if ( ! isset( $_POST['igsync_disconnect'] ) || ! is_user_logged_in() ) {
			return;
		}
		$nonce = isset( $_POST['_wpnonce'] ) ? sanitize_key( wp_unslash( $_POST['_wpnonce'] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, 'igsync_disconnect' ) ) {
			wc_add_notice( __( 'That link has expired. Please try again.', 'igsync-bridge' ), 'error' );
		} else {
			self::disconnect( get_current_user_id(), ! empty( $_POST['igsync_erase'] ) );
		}
		wp_safe_redirect( wc_get_account_endpoint_url( self::ENDPOINT ) );
		exit;
	}

	/**
	 * Disconnects a customer's Instagram account (and, when they ask, erases what the shop
	 * keeps of it, here and in the daemon), with a notice saying how it went.
	 *
	 * @param int  $user_id The customer.
	 * @param bool $erase   Whether they asked for erasure too.
	 */
	private static function disconnect( int $user_id, bool $erase ): void {
		$ig_user_id = (string) get_user_meta( $user_id, 'igsync_ig_user_id', true );
		if ( '' === $ig_user_id ) {
			wc_add_notice( __( 'Your account is not connected to Instagram.', 'igsync-bridge' ), 'notice' );
			return;
		}
		$asked = $erase ? Igsync_Daemon::forget( $ig_user_id ) : Igsync_Daemon::disconnect( $ig_user_id );
		if ( true !== $asked ) {
			wc_add_notice( __( 'We could not disconnect your Instagram account just now. Please try again in a few minutes.', 'igsync-bridge' ), 'error' );
			return;
		}
		if ( $erase ) {
			Igsync_Leads::erase( $ig_user_id );
			wc_add_notice( __( 'Your Instagram account is disconnected, and its details are erased from this shop.', 'igsync-bridge' ), 'success' );
			return;
		}
		$done = Igsync_Leads::set_status( $ig_user_id, Igsync_Status::DISCONNECTED, __( 'disconnected by the customer', 'igsync-bridge' ) );
		if ( is_wp_error( $done ) ) {
			Igsync_Shopper_Status::set( $user_id, Igsync_Status::DISCONNECTED );
		}
		wc_add_notice( __( 'Your Instagram account is disconnected. We no longer have access to it.', 'igsync-bridge' ), 'success' );
	}
}
