<?php
/**
 * Activation, deactivation and upgrades: the tables, the queue key, the hourly prune, the text
 * domain, and what the plugin declares to WooCommerce.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's life in a site.
 */
final class Igsync_Lifecycle {

	const PRUNE_HOOK = 'igsync_prune';

	/**
	 * Activation: on every site of the network when network-activated.
	 *
	 * @param bool $network_wide Whether the plugin was network-activated.
	 */
	public static function activate( $network_wide = false ): void {
		Igsync_Sites::each( (bool) $network_wide, array( __CLASS__, 'set_up_site' ) );
	}

	/**
	 * Deactivation: the scheduled prune stops (data stays until the plugin is deleted).
	 *
	 * @param bool $network_wide Whether the plugin was network-deactivated.
	 */
	public static function deactivate( $network_wide = false ): void {
		Igsync_Sites::each(
			(bool) $network_wide,
			static function (): void {
				wp_clear_scheduled_hook( self::PRUNE_HOOK );
			}
		);
	}

	/**
	 * Tables, key and schedule for the current site.
	 */
	public static function set_up_site(): void {
		update_option( 'igsync_flush_rewrite_rules', '1', true ); // My Account > Instagram's rule.
		Igsync_Schema::install();
		Igsync_Code_Box::ensure_key();
		$settings = get_option( Igsync_Settings::OPTION );
		if ( is_array( $settings ) && isset( $settings['shared_secret'] ) ) {
			Igsync_Settings::replace( Igsync_Settings::all() ); // 0.2 kept the secrets in the autoloaded settings.
		}
		if ( ! wp_next_scheduled( self::PRUNE_HOOK ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'hourly', self::PRUNE_HOOK );
		}
	}

	/**
	 * After an update without re-activation (or on a site added to the network later).
	 */
	public static function maybe_upgrade(): void {
		if ( get_option( Igsync_Schema::VERSION_OPTION ) !== Igsync_Schema::VERSION || ! wp_next_scheduled( self::PRUNE_HOOK ) ) {
			self::set_up_site();
		}
	}

	/**
	 * Translations (WordPress 6.1 does not load a plugin's on its own from its folder).
	 */
	public static function load_textdomain(): void {
		load_plugin_textdomain( 'igsync-bridge', false, dirname( plugin_basename( IGSYNC_BRIDGE_FILE ) ) . '/languages' );
	}

	/**
	 * The plugin reads and writes no orders, so it works with either order storage (HPOS or
	 * posts) and with the cart and checkout blocks.
	 */
	public static function declare_woocommerce_compatibility(): void {
		if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', IGSYNC_BRIDGE_FILE, true );
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'cart_checkout_blocks', IGSYNC_BRIDGE_FILE, true );
		}
	}
}
