<?php
/**
 * Paying creators their commission as store credit: a WooCommerce coupon for what is due,
 * restricted to the creator's email, used once. The amount is taken from what is due in one
 * conditional UPDATE first, so a double click or two managers at once pay it once. Other
 * payouts (bank, PayPal) are the shop's own: the creators CSV says what is due.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Store-credit payouts.
 */
final class Igsync_Creator_Payouts {

	const META_PAYOUT = '_igsync_creator_payout';

	/**
	 * What is due to a creator: commission accrued, less what was paid.
	 *
	 * @param array<string, mixed> $creator The creator.
	 * @return float
	 */
	public static function due( array $creator ): float {
		return max( 0.0, round( (float) $creator['commission'] - (float) ( $creator['commission_paid'] ?? 0 ), 2 ) );
	}

	/**
	 * Pays what is due as a store-credit coupon; the coupon.
	 *
	 * @param int $creator_id The creator.
	 * @return WC_Coupon|WP_Error
	 */
	public static function store_credit( int $creator_id ) {
		global $wpdb;
		$creator = Igsync_Creators::find( $creator_id );
		$user    = null === $creator || empty( $creator['wp_user_id'] ) ? false : get_userdata( (int) $creator['wp_user_id'] );
		if ( null === $creator || ! $user ) {
			return new WP_Error( 'igsync_no_payee', __( 'Store credit needs the creator\'s customer account.', 'igsync-bridge' ) );
		}
		$due = self::due( $creator );
		if ( $due < 0.01 ) {
			return new WP_Error( 'igsync_nothing_due', __( 'Nothing is due to this creator.', 'igsync-bridge' ) );
		}
		$table = Igsync_Schema::table( 'creators' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the payout is taken once, whoever asks at the same time.
		$taken = $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET commission_paid = commission_paid + %f WHERE id = %d AND commission - commission_paid >= %f", $due, $creator_id, $due - 0.005 ) );
		if ( 1 !== (int) $taken ) {
			return new WP_Error( 'igsync_nothing_due', __( 'Nothing is due to this creator.', 'igsync-bridge' ) );
		}
		$coupon = new WC_Coupon();
		$coupon->set_code( 'CREDIT-' . strtoupper( wp_generate_password( 8, false ) ) );
		/* translators: %s: Instagram username */
		$coupon->set_description( sprintf( __( 'igsync: store credit for the commission of @%s', 'igsync-bridge' ), (string) $creator['username'] ) );
		$coupon->set_discount_type( 'fixed_cart' );
		$coupon->set_amount( wc_format_decimal( $due, 2 ) );
		$coupon->set_usage_limit( 1 );
		$coupon->set_email_restrictions( array( (string) $user->user_email ) );
		$coupon->update_meta_data( self::META_PAYOUT, (string) $creator_id );
		$coupon->save();
		Igsync_Creators::log( $creator_id, 'payout', wc_format_decimal( $due, 2 ) . ' ' . strtoupper( $coupon->get_code() ) );
		/**
		 * Fires when a creator's commission is paid as store credit.
		 *
		 * @since 0.7.0
		 *
		 * @param array<string, mixed> $creator The creator, before the payout.
		 * @param float                $amount  What was paid.
		 * @param WC_Coupon            $coupon  The store credit.
		 */
		do_action( 'igsync_creator_paid', $creator, $due, $coupon );
		return $coupon;
	}

	/**
	 * A creator's store credits, newest first: amount and code, from their history.
	 *
	 * @param int $creator_id The creator.
	 * @return array<int, array{amount: string, code: string}>
	 */
	public static function credits( int $creator_id ): array {
		$credits = array();
		foreach ( Igsync_Creators::history( $creator_id ) as $event ) {
			if ( 'payout' === $event['kind'] ) {
				[ $amount, $code ] = array_pad( explode( ' ', (string) $event['detail'], 2 ), 2, '' );
				$credits[]         = array(
					'amount' => $amount,
					'code'   => $code,
				);
			}
		}
		return $credits;
	}
}
