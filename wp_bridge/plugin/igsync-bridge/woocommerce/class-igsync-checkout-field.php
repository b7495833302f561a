<?php
/**
 * "Connect my Instagram after the order": an optional box in the Checkout block's order
 * information, through WooCommerce's Additional Checkout Fields API (WooCommerce 8.9+), when
 * the owner offers it (Settings > igsync). A shopper who ticks it finds the Connect prompt on
 * their order received page, even where the owner does not show it to everyone. The value is
 * WooCommerce's own order field: it shows on the order, in its emails and in the order
 * confirmation's additional information. The classic checkout has no such fields; there the
 * order received prompt is the way.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

use Automattic\WooCommerce\Blocks\Domain\Services\CheckoutFields;
use Automattic\WooCommerce\Blocks\Package;

/**
 * The checkout's "Connect my Instagram after the order" box.
 */
final class Igsync_Checkout_Field {

	/** The field's id (namespace/name, as the API asks). */
	const ID = 'igsync/connect-after-order';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'woocommerce_init', array( __CLASS__, 'add' ) );
	}

	/**
	 * The field, when the owner offers it and this WooCommerce has the API.
	 */
	public static function add(): void {
		if ( '1' !== Igsync_Settings::get( 'checkout_field' ) || ! function_exists( 'woocommerce_register_additional_checkout_field' ) ) {
			return;
		}
		woocommerce_register_additional_checkout_field(
			array(
				'id'            => self::ID,
				'label'         => __( 'Connect my Instagram after the order', 'igsync-bridge' ),
				'optionalLabel' => __( 'Connect my Instagram after the order', 'igsync-bridge' ), // A box is optional by nature: no "(optional)".
				'location'      => 'order',
				'type'          => 'checkbox',
				'required'      => false,
			)
		);
	}

	/**
	 * Whether the shopper ticked the box for this order.
	 *
	 * @param WC_Order $order The order.
	 * @return bool
	 */
	public static function asked( WC_Order $order ): bool {
		if ( '1' !== Igsync_Settings::get( 'checkout_field' ) || ! class_exists( Package::class ) || ! class_exists( CheckoutFields::class ) ) {
			return false;
		}
		$fields = Package::container()->get( CheckoutFields::class );
		return $fields->is_field( self::ID ) && true === $fields->get_field_from_object( self::ID, $order, 'other' );
	}
}
