<?php
/**
 * Where an order came from, as WooCommerce's own Order Attribution recorded it (source type,
 * source, medium, campaign): read for the lead the order brought, on the Leads screen and in
 * its export, and for a creator's order in its box. Nothing is recorded by igsync itself.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce's Order Attribution, read.
 */
final class Igsync_Order_Origin {

	const FIELDS = array( 'source_type', 'utm_source', 'utm_medium', 'utm_campaign' );

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
}
