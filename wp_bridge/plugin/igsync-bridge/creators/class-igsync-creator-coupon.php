<?php
/**
 * A creator's coupon: a WooCommerce coupon whose code is made from their username, whose
 * discount and limits follow their tier, and which is never combined with the shop's own
 * coupons nor used on sale items (so no creator claims the owner's promotions). The owner
 * edits it like any other coupon (code, exclusions); a tier change rewrites only the discount
 * and the uses per customer.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Creator coupons.
 */
final class Igsync_Creator_Coupon {

	const META_CREATOR = '_igsync_creator_id';

	/**
	 * A new coupon for the creator in their tier; its id (0 when WooCommerce could not save it
	 * or the username leaves no code).
	 *
	 * @param array<string, mixed> $creator The creator.
	 * @param array<string, mixed> $tier    Their tier.
	 * @return int
	 */
	public static function create( array $creator, array $tier ): int {
		$code = Igsync_Creator_Code::from_username( (string) $creator['username'], ! empty( $creator['sandbox'] ) );
		if ( '' === $code ) {
			return 0;
		}
		$coupon = new WC_Coupon();
		$coupon->set_code( Igsync_Creator_Code::first_free( $code, array( __CLASS__, 'is_taken' ) ) );
		/* translators: %s: Instagram username */
		$coupon->set_description( sprintf( __( 'igsync: creator code of @%s', 'igsync-bridge' ), (string) $creator['username'] ) );
		$coupon->set_individual_use( true );
		$coupon->set_exclude_sale_items( true );
		$coupon->update_meta_data( self::META_CREATOR, (string) $creator['id'] );
		self::set_terms( $coupon, $tier );
		return (int) $coupon->save();
	}

	/**
	 * The tier's discount and uses per customer on the creator's coupon.
	 *
	 * @param int                  $coupon_id The coupon.
	 * @param array<string, mixed> $tier      The tier.
	 */
	public static function apply_tier( int $coupon_id, array $tier ): void {
		$coupon = new WC_Coupon( $coupon_id );
		if ( $coupon->get_id() ) {
			self::set_terms( $coupon, $tier );
			$coupon->save();
		}
	}

	/**
	 * Sets a tier's terms on a coupon (not saved).
	 *
	 * @param WC_Coupon            $coupon The coupon.
	 * @param array<string, mixed> $tier   The tier.
	 */
	private static function set_terms( WC_Coupon $coupon, array $tier ): void {
		$coupon->set_discount_type( (string) $tier['discount_type'] );
		$coupon->set_amount( (string) $tier['amount'] );
		$coupon->set_usage_limit_per_user( (int) $tier['uses_per_customer'] );
	}

	/**
	 * Whether a coupon (trashed ones too) has this code.
	 *
	 * @param string $code The code.
	 * @return bool
	 */
	public static function is_taken( string $code ): bool {
		return (bool) wc_get_coupon_id_by_code( $code ) || null !== get_page_by_path( sanitize_title( $code ), OBJECT, 'shop_coupon' );
	}

	/**
	 * The creator a coupon belongs to (its meta), 0 for the shop's own coupons.
	 *
	 * @param WC_Coupon $coupon The coupon.
	 * @return int
	 */
	public static function creator_id( WC_Coupon $coupon ): int {
		return (int) $coupon->get_meta( self::META_CREATOR );
	}

	/**
	 * What the code gives, in words ("10% off", "$5.00 off").
	 *
	 * @param WC_Coupon $coupon The coupon.
	 * @return string
	 */
	public static function describe( WC_Coupon $coupon ): string {
		/* translators: %s: an amount, "10%" or "$5.00" */
		return sprintf( __( '%s off', 'igsync-bridge' ), Igsync_Reward::amount_text( $coupon->get_discount_type(), (string) $coupon->get_amount() ) );
	}

	/**
	 * A creator erased: their coupon goes if no order used it; else it stays for the orders
	 * that did, deactivated (expired yesterday) and naming nobody.
	 *
	 * @param int $coupon_id The coupon.
	 */
	public static function retire( int $coupon_id ): void {
		if ( ! $coupon_id || 'shop_coupon' !== get_post_type( $coupon_id ) ) {
			return;
		}
		if ( (int) get_post_meta( $coupon_id, 'usage_count', true ) < 1 ) {
			wp_delete_post( $coupon_id, true );
			return;
		}
		wp_update_post(
			array(
				'ID'           => $coupon_id,
				'post_excerpt' => __( 'igsync: creator code (erased)', 'igsync-bridge' ),
			)
		);
		update_post_meta( $coupon_id, 'date_expires', (string) ( time() - DAY_IN_SECONDS ) );
		foreach ( array( self::META_CREATOR, '_used_by' ) as $key ) {
			delete_post_meta( $coupon_id, $key );
		}
	}
}
