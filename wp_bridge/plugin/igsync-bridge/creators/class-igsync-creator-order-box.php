<?php
/**
 * On the order screen's Instagram box: the creator whose code the order used, what it counts
 * for them, and beside it where WooCommerce's own Order Attribution says the order came from
 * (source, medium, campaign), so the owner sees both stories of one order.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The creator part of the order box.
 */
final class Igsync_Creator_Order_Box {

	/** WooCommerce's Order Attribution meta: its default prefix, and the fields shown. */
	const ATTRIBUTION_FIELDS = array( 'utm_source', 'utm_medium', 'utm_campaign' );

	/**
	 * The part.
	 *
	 * @param WC_Order $order The order.
	 */
	public static function render( $order ): void {
		if ( ! $order instanceof WC_Order ) {
			return;
		}
		$row     = Igsync_Creator_Orders::of_order( $order->get_id() );
		$creator = null === $row ? null : Igsync_Creators::find( (int) $row['creator_id'] );
		if ( null !== $row && null !== $creator ) {
			printf(
				'<p class="igsync-order-creator"><strong>%1$s</strong><br>%2$s</p>',
				esc_html(
					/* translators: 1: coupon code, 2: Instagram username */
					sprintf( __( 'Creator code %1$s of @%2$s', 'igsync-bridge' ), (string) $row['code'], (string) $creator['username'] )
				),
				esc_html(
					sprintf(
						/* translators: 1: an amount, 2: an amount */
						__( 'Counts %1$s, commission %2$s', 'igsync-bridge' ),
						wp_strip_all_tags( wc_price( (float) $row['revenue'], array( 'currency' => $order->get_currency() ) ) ),
						wp_strip_all_tags( wc_price( (float) $row['commission'], array( 'currency' => $order->get_currency() ) ) )
					)
				)
			);
		}
		$origin = self::origin( $order );
		if ( '' !== $origin ) {
			echo '<p class="igsync-order-origin"><span class="description">' . esc_html( $origin ) . '</span></p>';
		}
	}

	/**
	 * Where WooCommerce's Order Attribution says the order came from, in words ("Order
	 * attribution: instagram / social / spring"), or '' when it recorded nothing.
	 *
	 * @param WC_Order $order The order.
	 * @return string
	 */
	public static function origin( WC_Order $order ): string {
		$prefix = '_' . trim( (string) apply_filters( 'wc_order_attribution_tracking_field_prefix', 'wc_order_attribution_' ), '_' ) . '_'; // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- WooCommerce's own filter, read as it reads it.
		$parts  = array();
		foreach ( self::ATTRIBUTION_FIELDS as $field ) {
			$value = trim( (string) $order->get_meta( $prefix . $field ) );
			if ( '' !== $value && '(none)' !== $value ) {
				$parts[] = $value;
			}
		}
		if ( ! $parts ) {
			$type  = (string) $order->get_meta( $prefix . 'source_type' );
			$parts = '' === $type ? array() : array( $type );
		}
		/* translators: %s: source / medium / campaign, as WooCommerce recorded them */
		return $parts ? sprintf( __( 'Order attribution: %s', 'igsync-bridge' ), implode( ' / ', $parts ) ) : '';
	}
}
