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
		$words = Igsync_Order_Origin::words( Igsync_Order_Origin::of_order( $order ) );
		/* translators: %s: source / medium / campaign, as WooCommerce recorded them */
		return '' === $words ? '' : sprintf( __( 'Order attribution: %s', 'igsync-bridge' ), $words );
	}
}
