<?php
/**
 * Leads and WooCommerce orders: the lead connected from an order's thank-you page (or its
 * customer's newest), and a guest's leads that become the customer's once the order vouches
 * for them. Loaded only with WooCommerce.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Leads matched to WooCommerce orders.
 */
final class Igsync_Order_Leads {

	/**
	 * The newest lead connected from this order's thank-you page, else this customer's.
	 *
	 * @param int $order_id The order.
	 * @param int $user_id  Its customer, 0 for a guest.
	 * @return array<string, mixed>|null
	 */
	public static function newest_matching( int $order_id, int $user_id ): ?array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// Two reads, each along its own index (one OR ordered by id walks the whole table when
		// nothing matches: a new customer's every order).
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE wc_order_id = %d ORDER BY id DESC LIMIT 1", $order_id ), ARRAY_A );
		if ( ! is_array( $row ) && $user_id ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
			$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE wp_user_id = %d ORDER BY id DESC LIMIT 1", $user_id ), ARRAY_A );
		}
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Guests' leads connected from this order (the thank-you page, where the order key vouched
	 * for the shopper) become its customer's. How many.
	 *
	 * @param int $order_id The order.
	 * @param int $user_id  Its customer.
	 * @return int
	 */
	public static function link_order_leads( int $order_id, int $user_id ): int {
		global $wpdb;
		if ( $order_id <= 0 || $user_id <= 0 ) {
			return 0;
		}
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
		$linked = (int) $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET wp_user_id = %d WHERE wp_user_id IS NULL AND wc_order_id = %d", $user_id, $order_id ) );
		if ( $linked ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
			$newest = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE wp_user_id = %d ORDER BY id DESC LIMIT 1", $user_id ), ARRAY_A );
			if ( is_array( $newest ) ) {
				Igsync_Leads::attach_to_user( $user_id, $newest );
			}
		}
		return $linked;
	}
}
