<?php
/**
 * Removes everything the plugin stored, on every site of a network; reward coupons and used
 * creator codes stay in the shop's books, naming nobody. Needs nothing but Igsync_Sites,
 * Igsync_Reward::scrub(), Igsync_Creator_Program::uninstall() and Igsync_Inbox::remove_all()
 * (which looks for WooCommerce's inbox itself): WordPress runs uninstall.php
 * with the plugin not loaded (the autoloader finds them).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's footprint and its removal.
 */
final class Igsync_Uninstaller {

	const TABLES  = array( 'igsync_codes', 'igsync_leads', 'igsync_seen', 'igsync_meta', 'igsync_creators', 'igsync_creator_orders', 'igsync_creator_events', 'igsync_creator_followers' );
	const OPTIONS = array( 'igsync_settings', 'igsync_schema_version', 'igsync_queue_key', 'igsync_health', 'igsync_leads_refused', 'igsync_flush_rewrite_rules', 'igsync_pairing', 'igsync_pairing_log', 'woocommerce_igsync_reward_settings', 'igsync_secrets', 'igsync_instagram', 'igsync_go_live', 'igsync_reconcile_cursor', 'igsync_daemon_hung_until', 'igsync_creators', 'igsync_inbox_synced' );
	const HOOKS   = array( 'igsync_prune' );

	/**
	 * Every site's tables, options, transients and events; then the users' meta (one table
	 * for the whole network).
	 */
	public static function run(): void {
		global $wpdb;
		Igsync_Sites::each( true, array( __CLASS__, 'site' ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.SlowDBQuery -- one sweep at uninstall.
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $wpdb->esc_like( 'igsync_' ) . '%' ) );
		wp_cache_flush();
	}

	/**
	 * The current site's share.
	 */
	public static function site(): void {
		global $wpdb;
		Igsync_Reward::scrub(); // Reward coupons stay in the shop's books, naming nobody.
		Igsync_Creator_Program::uninstall(); // So do creators' used codes, expired.
		foreach ( self::TABLES as $table ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.DirectDatabaseQuery.SchemaChange -- our own tables go with the plugin.
			$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}{$table}" );
		}
		foreach ( self::OPTIONS as $option ) {
			delete_option( $option );
		}
		foreach ( array( '_transient_igsync_', '_transient_timeout_igsync_', 'igsync_reward_', 'igsync_throttle_' ) as $prefix ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- transients and reward claims have no delete-by-prefix API.
			$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( $prefix ) . '%' ) );
		}
		foreach ( self::HOOKS as $hook ) {
			wp_clear_scheduled_hook( $hook );
		}
		Igsync_Inbox::remove_all(); // WooCommerce's inbox keeps notes in its own tables.
	}
}
