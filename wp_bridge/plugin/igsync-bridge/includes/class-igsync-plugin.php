<?php
/**
 * Where the plugin hooks into WordPress: every action and filter it adds at load, in one
 * place (the main file only defines its constants, registers the autoloader and boots this).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's hooks.
 */
final class Igsync_Plugin {

	/**
	 * Adds the plugin's hooks: the REST routes, the shopper's side, privacy, housekeeping,
	 * WooCommerce's parts where WooCommerce is active, and wp-admin's screens in wp-admin.
	 */
	public static function boot(): void {
		add_action( 'plugins_loaded', array( 'Igsync_Lifecycle', 'maybe_upgrade' ) );
		add_action( 'init', array( 'Igsync_Lifecycle', 'load_textdomain' ) );
		add_action( 'rest_api_init', array( 'Igsync_Rest', 'register_routes' ) );
		add_filter( 'rest_post_dispatch', array( 'Igsync_Rest', 'announce_signing' ), 10, 3 );
		Igsync_Privacy::register();
		Igsync_Lead_Mail::register();
		Igsync_Connector::register();
		Igsync_Abilities::register();
		add_action( 'init', array( 'Igsync_Connect', 'register' ) );
		add_action( Igsync_Lifecycle::PRUNE_HOOK, array( 'Igsync_Queue', 'prune' ) );
		add_action( Igsync_Lifecycle::PRUNE_HOOK, array( 'Igsync_Throttle', 'prune' ) );
		add_action( Igsync_Lifecycle::PRUNE_HOOK, array( 'Igsync_Meta_Queue', 'prune' ) );
		add_action( 'before_woocommerce_init', array( 'Igsync_Lifecycle', 'declare_woocommerce_compatibility' ) );
		add_action(
			'plugins_loaded',
			static function (): void {
				if ( class_exists( 'WooCommerce' ) ) {
					Igsync_WooCommerce::register();
				}
			}
		);

		if ( defined( 'WP_CLI' ) && WP_CLI ) {
			Igsync_CLI::register();
		}
		if ( is_admin() ) {
			Igsync_Settings_Page::register();
			Igsync_Go_Live_Page::register();
			Igsync_Admin::register();
			Igsync_Leads_Screen::register();
			Igsync_Health_Notice::register();
			Igsync_Site_Health::register();
			Igsync_Reconcile::register();
		}
	}
}
