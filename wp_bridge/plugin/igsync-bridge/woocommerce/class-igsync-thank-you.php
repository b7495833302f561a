<?php
/**
 * WooCommerce > order received: an optional "Connect your Instagram" prompt (Settings > igsync,
 * off by default, or for the orders whose shopper ticked the checkout's box), for customers and
 * guests alike, on the classic page and the block order confirmation (whose Additional
 * information block runs woocommerce_thankyou). The button carries the order's id and key,
 * so a guest's lead comes back with the order's billing email and id and is linked to the order.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The thank-you page prompt.
 */
final class Igsync_Thank_You {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'woocommerce_thankyou', array( __CLASS__, 'render' ), 20 );
		add_filter( 'igsync_start_context', array( __CLASS__, 'order_context' ), 10, 2 );
	}

	/**
	 * The prompt, under the order's details.
	 *
	 * @param int $order_id The order.
	 */
	public static function render( $order_id ): void {
		$order = wc_get_order( (int) $order_id );
		if ( ! $order instanceof WC_Order ) {
			return;
		}
		$asked = Igsync_Checkout_Field::asked( $order ); // The shopper ticked the checkout's box.
		if ( '1' !== Igsync_Settings::get( 'thank_you_prompt' ) && ! $asked ) {
			return;
		}
		$user_id = get_current_user_id();
		if ( $user_id && Igsync_Status::CONNECTED === Igsync_Shopper_Status::get( $user_id ) ) {
			return; // Already connected: nothing to ask.
		}
		$lead = Igsync_Order_Leads::newest_matching( $order->get_id(), 0 ); // By the order alone.
		if ( null !== $lead ) {
			printf(
				'<section class="igsync-thank-you"><p class="igsync-status igsync-status--connected">%s</p></section>',
				/* translators: %s: Instagram username */
				esc_html( sprintf( __( 'Thank you for connecting your Instagram, @%s.', 'igsync-bridge' ), (string) $lead['username'] ) )
			);
			return;
		}
		$button = Igsync_Connect::render(
			__( 'Connect your Instagram', 'igsync-bridge' ),
			'thank-you',
			Igsync_Connect::button_class(),
			array(
				'wc_order'     => (string) $order->get_id(),
				'wc_order_key' => $order->get_order_key(),
			)
		);
		$offer  = Igsync_Reward::offer();
		printf(
			'<section class="igsync-thank-you"><h2 class="wp-block-heading">%1$s</h2><p>%2$s</p>%3$s%4$s</section>',
			esc_html__( 'Connect your Instagram', 'igsync-bridge' ),
			$asked
				? esc_html__( 'You asked to connect your Instagram with this order: one click, and we see your public profile, never your password or your messages.', 'igsync-bridge' )
				: esc_html__( 'Connect your Instagram account to this shop: we see your public profile, never your password or your messages.', 'igsync-bridge' ),
			'' === $offer ? '' : '<p class="igsync-reward-offer"><strong>' . esc_html( $offer ) . '</strong></p>',
			$button // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped templates.
		);
	}

	/**
	 * For a start link that carries an order's id and key (the thank-you page's button): the
	 * order's id and billing email, which WordPress vouches for because the key matches.
	 *
	 * @param array           $context Context so far.
	 * @param WP_REST_Request $request The start request.
	 * @return array
	 */
	public static function order_context( $context, $request ): array {
		$context = is_array( $context ) ? $context : array();
		if ( ! $request instanceof WP_REST_Request ) {
			return $context;
		}
		$order = wc_get_order( absint( $request->get_param( 'wc_order' ) ) );
		$key   = (string) $request->get_param( 'wc_order_key' );
		if ( ! $order instanceof WC_Order || '' === $key || ! hash_equals( $order->get_order_key(), $key ) ) {
			return $context;
		}
		$context['wc_order_id'] = $order->get_id();
		if ( is_email( $order->get_billing_email() ) ) {
			$context['email'] = $order->get_billing_email();
		}
		return $context;
	}
}
