<?php
/**
 * Where an order came from, as WooCommerce's own Order Attribution recorded it (source type,
 * source, medium, campaign): read for the lead the order brought and for all the orders of a
 * lead's customer, on the Leads screen and in its export, and for a creator's order in its box.
 * Nothing is recorded by igsync itself.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce's Order Attribution, read.
 */
final class Igsync_Order_Origin {

	const FIELDS = array( 'source_type', 'utm_source', 'utm_medium', 'utm_campaign' );

	/** The most orders read for one page or batch of leads' customers. */
	const CUSTOMER_ORDERS = 1000;

	/**
	 * An order's attribution: each field's value, '' where WooCommerce recorded none.
	 *
	 * @param WC_Order $order The order.
	 * @return array{source_type: string, utm_source: string, utm_medium: string, utm_campaign: string}
	 */
	public static function of_order( WC_Order $order ): array {
		$prefix = '_' . trim( (string) apply_filters( 'wc_order_attribution_tracking_field_prefix', 'wc_order_attribution_' ), '_' ) . '_'; // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- WooCommerce's own filter, read as it reads it.
		$origin = array();
		foreach ( self::FIELDS as $field ) {
			$value            = trim( (string) $order->get_meta( $prefix . $field ) );
			$origin[ $field ] = '(none)' === $value ? '' : $value;
		}
		return $origin;
	}

	/**
	 * The attribution of the order a lead came with (the thank-you page's prompt), or null.
	 *
	 * @param array<string, mixed> $lead The lead.
	 * @return array{source_type: string, utm_source: string, utm_medium: string, utm_campaign: string}|null
	 */
	public static function of_lead( array $lead ): ?array {
		$order = empty( $lead['wc_order_id'] ) || ! function_exists( 'wc_get_order' ) ? false : wc_get_order( (int) $lead['wc_order_id'] );
		return $order instanceof WC_Order ? self::of_order( $order ) : null;
	}

	/**
	 * In words: "Direct" for a typed-in visit, else "instagram / social / spring", else the
	 * source type ("referral"), else ''.
	 *
	 * @param array{source_type: string, utm_source: string, utm_medium: string, utm_campaign: string}|null $origin The attribution.
	 * @return string
	 */
	public static function words( ?array $origin ): string {
		if ( null === $origin ) {
			return '';
		}
		if ( 'typein' === $origin['source_type'] ) {
			return __( 'Direct', 'igsync-bridge' ); // As WooCommerce's order screen names a typed-in visit.
		}
		$parts = array_filter( array( $origin['utm_source'], $origin['utm_medium'], $origin['utm_campaign'] ), 'strlen' );
		return $parts ? implode( ' / ', $parts ) : $origin['source_type'];
	}

	/**
	 * Where the orders of some customers came from: by customer, each origin in words (as
	 * words() says it, "Not recorded" where WooCommerce recorded nothing) and how many of their
	 * orders came from it, the most first (ties by name). One query for them all (a page or an export's batch
	 * of leads), through WooCommerce's order API, whichever storage holds the orders.
	 *
	 * @param array<int, int> $user_ids WordPress user ids.
	 * @return array<int, array<string, int>>
	 */
	public static function of_customers( array $user_ids ): array {
		$user_ids = array_values( array_unique( array_filter( array_map( 'intval', $user_ids ) ) ) );
		if ( ! $user_ids || ! function_exists( 'wc_get_orders' ) ) {
			return array();
		}
		$orders  = wc_get_orders(
			array(
				'customer' => $user_ids,
				'type'     => 'shop_order',
				'status'   => array_keys( wc_get_order_statuses() ),
				'limit'    => self::CUSTOMER_ORDERS,
				'orderby'  => 'date',
				'order'    => 'DESC',
			)
		);
		$origins = array();
		foreach ( is_array( $orders ) ? $orders : array() as $order ) {
			if ( ! $order instanceof WC_Order ) {
				continue;
			}
			$words                      = self::words( self::of_order( $order ) );
			$words                      = '' === $words ? __( 'Not recorded', 'igsync-bridge' ) : $words;
			$user                       = $order->get_customer_id();
			$origins[ $user ][ $words ] = ( $origins[ $user ][ $words ] ?? 0 ) + 1;
		}
		foreach ( $origins as $user => $counts ) { // The most first; ties by name, to read the same each time.
			uksort( $counts, static fn( $a, $b ): int => array( $counts[ $b ], (string) $a ) <=> array( $counts[ $a ], (string) $b ) );
			$origins[ $user ] = $counts;
		}
		return $origins;
	}

	/**
	 * A customer's orders by origin, in words: "2 instagram / social, 1 Direct".
	 *
	 * @param array<string, int> $counts Origin => orders, as of_customers() gives them.
	 * @return string
	 */
	public static function counts_words( array $counts ): string {
		if ( ! $counts ) {
			return '';
		}
		$parts = array();
		foreach ( $counts as $words => $orders ) {
			$parts[] = number_format_i18n( $orders ) . ' ' . $words;
		}
		return implode( ', ', $parts );
	}
}
