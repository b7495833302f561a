<?php
/**
 * Orders attributed to creators: an order placed with a creator's code (the block checkout,
 * the classic checkout) is theirs, unless the creator placed it; its revenue is what the
 * products sold for after discounts, without tax and shipping, less refunds, and counts while
 * the order is paid; its commission (the tier's rate when it was ordered) accrues once the
 * order is completed and shrinks with each refund. Kept in a table of our own for the
 * creators' totals, and on the order (HPOS or posts) for the order screen.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Attribution of orders to creators.
 */
final class Igsync_Creator_Orders {

	const META_CREATOR = '_igsync_creator_id';
	const META_CODE    = '_igsync_creator_code';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'woocommerce_checkout_order_processed', array( __CLASS__, 'on_classic_checkout' ), 20, 3 );
		add_action( 'woocommerce_store_api_checkout_order_processed', array( __CLASS__, 'attribute' ), 20 );
		add_action( 'woocommerce_order_status_changed', array( __CLASS__, 'on_status_changed' ), 20, 4 );
		add_action( 'woocommerce_order_refunded', array( __CLASS__, 'on_refunded' ), 20, 2 );
	}

	/**
	 * The classic (shortcode) checkout placed an order.
	 *
	 * @param int           $order_id The order.
	 * @param array<mixed>  $posted   The checkout's fields.
	 * @param WC_Order|null $order    The order.
	 */
	public static function on_classic_checkout( $order_id, $posted = array(), $order = null ): void { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundInExtendedClassAfterLastUsed -- WooCommerce's signature.
		$order = $order instanceof WC_Order ? $order : wc_get_order( (int) $order_id );
		if ( $order instanceof WC_Order ) {
			self::attribute( $order );
		}
	}

	/**
	 * An order's status changed: its revenue and commission follow.
	 *
	 * @param int           $order_id The order.
	 * @param string        $from     Old status.
	 * @param string        $to       New status.
	 * @param WC_Order|null $order    The order.
	 */
	public static function on_status_changed( $order_id, $from, $to, $order = null ): void { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundInExtendedClassAfterLastUsed -- WooCommerce's signature.
		$order = $order instanceof WC_Order ? $order : wc_get_order( (int) $order_id );
		if ( $order instanceof WC_Order ) {
			self::refresh( $order );
		}
	}

	/**
	 * A refund: the attribution's revenue and commission shrink by what it gave back.
	 *
	 * @param int $order_id  The order.
	 * @param int $refund_id The refund.
	 */
	public static function on_refunded( $order_id, $refund_id ): void { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundAfterLastUsed -- WooCommerce's signature.
		$order = wc_get_order( (int) $order_id );
		if ( $order instanceof WC_Order ) {
			self::refresh( $order );
		}
	}

	/**
	 * A new order: the creator whose code it used gets it, once (the order's id is the
	 * attribution's key), unless it is the creator's own order.
	 *
	 * @param WC_Order $order The order.
	 */
	public static function attribute( $order ): void {
		if ( ! $order instanceof WC_Order || null !== self::of_order( $order->get_id() ) ) {
			return;
		}
		foreach ( $order->get_coupon_codes() as $code ) {
			$coupon  = new WC_Coupon( $code );
			$creator = Igsync_Creators::find( Igsync_Creator_Coupon::creator_id( $coupon ) );
			if ( null === $creator || Igsync_Creators::ACTIVE !== $creator['status'] ) {
				continue;
			}
			if ( self::is_own_order( $order, $creator ) ) {
				return; // The creator's own purchase earns them nothing.
			}
			self::record( $order, $creator, strtoupper( (string) $code ) );
			return;
		}
	}

	/**
	 * Whether the creator placed the order themselves (logged in, or as a guest with their
	 * account's email).
	 *
	 * @param WC_Order             $order   The order.
	 * @param array<string, mixed> $creator The creator.
	 * @return bool
	 */
	public static function is_own_order( WC_Order $order, array $creator ): bool {
		$user_id = (int) ( $creator['wp_user_id'] ?? 0 );
		if ( ! $user_id ) {
			return false;
		}
		$user = get_userdata( $user_id );
		return $order->get_customer_id() === $user_id
			|| ( $user && Igsync_Reward::normalise_email( (string) $user->user_email ) === Igsync_Reward::normalise_email( $order->get_billing_email() ) );
	}

	/**
	 * Records the attribution (our row, the order's meta), then its figures.
	 *
	 * @param WC_Order             $order   The order.
	 * @param array<string, mixed> $creator The creator.
	 * @param string               $code    The code it used.
	 */
	private static function record( WC_Order $order, array $creator, string $code ): void {
		global $wpdb;
		$tier    = Igsync_Creator_Terms::tier( (string) $creator['tier'] );
		$created = $order->get_date_created();
		$now     = gmdate( 'Y-m-d H:i:s' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the order's id is the key: one attribution, whichever hook comes first.
		$added = $wpdb->query(
			$wpdb->prepare(
				'INSERT IGNORE INTO ' . Igsync_Schema::table( 'creator_orders' ) . ' (order_id, creator_id, code, order_status, commission_rate, ordered_at, updated_at) VALUES (%d, %d, %s, %s, %s, %s, %s)', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- our table.
				$order->get_id(),
				(int) $creator['id'],
				$code,
				$order->get_status(),
				(string) $tier['commission'],
				$created ? gmdate( 'Y-m-d H:i:s', $created->getTimestamp() ) : $now,
				$now
			)
		);
		if ( 1 !== (int) $added ) {
			return;
		}
		$order->update_meta_data( self::META_CREATOR, (string) $creator['id'] );
		$order->update_meta_data( self::META_CODE, $code );
		$order->save_meta_data();
		/**
		 * Fires when an order is attributed to a creator (it used their code).
		 *
		 * @since 0.7.0
		 *
		 * @param WC_Order             $order   The order.
		 * @param array<string, mixed> $creator The creator.
		 */
		do_action( 'igsync_creator_order_attributed', $order, $creator );
		self::refresh( $order );
	}

	/**
	 * Recomputes an attributed order's revenue and commission from the order as it is now,
	 * then its creator's totals. Nothing for an order no creator has.
	 *
	 * @param WC_Order $order The order.
	 */
	public static function refresh( WC_Order $order ): void {
		global $wpdb;
		$row = self::of_order( $order->get_id() );
		if ( null === $row ) {
			return;
		}
		$revenue    = self::revenue( $order );
		$completed  = 'completed' === $order->get_status();
		$commission = $completed ? round( $revenue * (float) $row['commission_rate'] / 100, 2 ) : 0.0;
		$wpdb->update( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			Igsync_Schema::table( 'creator_orders' ),
			array(
				'order_status' => $order->get_status(),
				'revenue'      => wc_format_decimal( $revenue, 4 ),
				'commission'   => wc_format_decimal( $commission, 4 ),
				'updated_at'   => gmdate( 'Y-m-d H:i:s' ),
			),
			array( 'order_id' => $order->get_id() )
		);
		Igsync_Creators::recount( (int) $row['creator_id'] );
		/**
		 * Fires when one of a creator's attributed orders changed (placed, paid, completed,
		 * refunded, cancelled); their totals already say so.
		 *
		 * @since 0.7.0
		 *
		 * @param int $creator_id The creator.
		 */
		do_action( 'igsync_creator_order_changed', (int) $row['creator_id'] );
		if ( $commission > (float) $row['commission'] ) {
			$creator = Igsync_Creators::find( (int) $row['creator_id'] );
			/**
			 * Fires when commission accrues on an attributed order (it was completed).
			 *
			 * @since 0.7.0
			 *
			 * @param float                     $commission The order's commission now.
			 * @param WC_Order                  $order      The order.
			 * @param array<string, mixed>|null $creator    The creator.
			 */
			do_action( 'igsync_creator_commission_accrued', $commission, $order, $creator );
		}
	}

	/**
	 * What an order's products sold for, after discounts, without tax and shipping, less what
	 * was refunded of them; 0 while the order is not paid (pending, on hold, failed, cancelled,
	 * refunded).
	 *
	 * @param WC_Order $order The order.
	 * @return float
	 */
	public static function revenue( WC_Order $order ): float {
		if ( ! in_array( $order->get_status(), wc_get_is_paid_statuses(), true ) ) {
			return 0.0;
		}
		$sold     = (float) $order->get_total() - (float) $order->get_total_tax() - (float) $order->get_shipping_total();
		$refunded = (float) $order->get_total_refunded() - (float) $order->get_total_tax_refunded() - (float) $order->get_total_shipping_refunded();
		return max( 0.0, round( $sold - $refunded, 4 ) );
	}

	/**
	 * A creator's sales (revenue of their paid orders) ordered since a time.
	 *
	 * @param int $creator_id The creator.
	 * @param int $since      Unix time.
	 * @return float
	 */
	public static function revenue_since( int $creator_id, int $since ): float {
		global $wpdb;
		$table = Igsync_Schema::table( 'creator_orders' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by index (creator_id, ordered_at).
		return (float) $wpdb->get_var( $wpdb->prepare( "SELECT COALESCE(SUM(revenue), 0) FROM {$table} WHERE creator_id = %d AND ordered_at >= %s", $creator_id, gmdate( 'Y-m-d H:i:s', $since ) ) );
	}

	/**
	 * An order's attribution, if it has one.
	 *
	 * @param int $order_id The order.
	 * @return array<string, mixed>|null
	 */
	public static function of_order( int $order_id ): ?array {
		global $wpdb;
		$table    = Igsync_Schema::table( 'creator_orders' );
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by primary key.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE order_id = %d", $order_id ), ARRAY_A );
		$wpdb->suppress_errors( $suppress );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * A creator's attributed orders, newest first.
	 *
	 * @param int $creator_id The creator.
	 * @param int $limit      How many.
	 * @return array<int, array<string, mixed>>
	 */
	public static function of_creator( int $creator_id, int $limit = 20 ): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'creator_orders' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by index.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE creator_id = %d ORDER BY ordered_at DESC LIMIT %d", $creator_id, $limit ), ARRAY_A );
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Orders no longer name an erased creator: their attribution meta goes (WooCommerce keeps
	 * the orders and the coupon line on each).
	 *
	 * @param array<int, int> $order_ids The orders.
	 */
	public static function forget( array $order_ids ): void {
		foreach ( $order_ids as $order_id ) {
			$order = wc_get_order( $order_id );
			if ( $order instanceof WC_Order ) {
				$order->delete_meta_data( self::META_CREATOR );
				$order->delete_meta_data( self::META_CODE );
				$order->save_meta_data();
			}
		}
	}
}
