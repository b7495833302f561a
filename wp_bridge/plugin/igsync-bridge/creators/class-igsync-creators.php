<?php
/**
 * The creator program's records: one row per creator, keyed by Instagram account and by
 * WordPress user (each unique, so neither can hold two codes, whichever request comes first),
 * their totals (kept from their attributed orders, for the creators screen to sort and filter
 * without adding up orders on a page view) and their history.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Creators, stored.
 */
final class Igsync_Creators {

	const PENDING  = 'pending';
	const ACTIVE   = 'active';
	const DECLINED = 'declined';
	const INVITED  = 'invited';

	/**
	 * A new creator for a connected lead, or null when the account or the user already is one
	 * (or was: a declined application is not made again).
	 *
	 * @param array<string, mixed> $lead    The stored lead.
	 * @param int                  $user_id Their WordPress user, 0 for none.
	 * @param string               $status  PENDING, ACTIVE or INVITED.
	 * @param string               $tier    The entry tier's slug.
	 * @return array<string, mixed>|null
	 */
	public static function add( array $lead, int $user_id, string $status, string $tier ): ?array {
		global $wpdb;
		$now     = gmdate( 'Y-m-d H:i:s' );
		$columns = array_merge(
			array_filter( self::figures_of( $lead ), static fn( $value ): bool => null !== $value ),
			array(
				'ig_user_id' => (string) $lead['ig_user_id'],
				'status'     => $status,
				'tier'       => $tier,
				'sandbox'    => Igsync_Lead_Format::is_sandbox_lead( $lead ) ? 1 : 0,
				'created_at' => $now,
				'updated_at' => $now,
			)
		);
		if ( $user_id ) {
			$columns['wp_user_id'] = $user_id;
		}
		$placeholders = implode( ', ', array_map( static fn( $value ): string => is_int( $value ) ? '%d' : '%s', $columns ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders -- the unique keys decide, in one statement; names and placeholders are ours.
		$added = $wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . Igsync_Schema::table( 'creators' ) . ' (' . implode( ', ', array_keys( $columns ) ) . ") VALUES ({$placeholders})", ...array_values( $columns ) ) );
		if ( 1 !== (int) $added ) {
			return null;
		}
		$creator = self::find( (int) $wpdb->insert_id );
		if ( null !== $creator ) {
			self::log( (int) $creator['id'], $status, $tier );
			if ( null !== $creator['followers_count'] ) {
				self::count_followers( (int) $creator['id'], (int) $creator['followers_count'] ); // The chart's first point.
			}
		}
		return $creator;
	}

	/**
	 * What a creator's row copies of their lead, as the last profile sync read it: the
	 * creators screen sorts and filters by these, and the tiers are worked out from them.
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return array<string, int|string|null>
	 */
	public static function figures_of( array $lead ): array {
		$number = static fn( string $key ): ?int => isset( $lead[ $key ] ) && '' !== $lead[ $key ] ? (int) $lead[ $key ] : null;
		return array(
			'username'              => (string) $lead['username'],
			'name'                  => isset( $lead['name'] ) ? (string) $lead['name'] : null,
			'followers_count'       => $number( 'followers_count' ),
			'followers_change'      => $number( 'followers_change' ),
			'followers_change_days' => $number( 'followers_change_days' ),
			'engagement_rate'       => isset( $lead['engagement_rate'] ) && '' !== $lead['engagement_rate'] ? (string) $lead['engagement_rate'] : null,
			'top_country'           => Igsync_Audience::top_country( $lead ),
		);
	}

	/**
	 * The newest lead of a creator's Instagram account (their figures and audience are on it),
	 * or an empty array when WordPress holds none.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return array<string, mixed>
	 */
	public static function newest_lead( string $ig_user_id ): array {
		$leads = Igsync_Leads::of_instagram_user( $ig_user_id );
		return $leads ? $leads[ count( $leads ) - 1 ] : array();
	}

	/**
	 * A creator by id.
	 *
	 * @param int $id The creator.
	 * @return array<string, mixed>|null
	 */
	public static function find( int $id ): ?array {
		return self::row( 'id = %d', $id );
	}

	/**
	 * The creator of a WordPress user, if they are one.
	 *
	 * @param int $user_id The user.
	 * @return array<string, mixed>|null
	 */
	public static function of_user( int $user_id ): ?array {
		return $user_id ? self::row( 'wp_user_id = %d', $user_id ) : null;
	}

	/**
	 * The creator of an Instagram account, if it is one.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return array<string, mixed>|null
	 */
	public static function of_account( string $ig_user_id ): ?array {
		return self::row( 'ig_user_id = %s', $ig_user_id );
	}

	/**
	 * The creator whose coupon this is.
	 *
	 * @param int $coupon_id The coupon.
	 * @return array<string, mixed>|null
	 */
	public static function of_coupon( int $coupon_id ): ?array {
		return $coupon_id ? self::row( 'coupon_id = %d', $coupon_id ) : null;
	}

	/**
	 * One row by an indexed column.
	 *
	 * @param string     $where Condition with one placeholder.
	 * @param int|string $value Its value.
	 * @return array<string, mixed>|null
	 */
	private static function row( string $where, $value ): ?array {
		global $wpdb;
		$suppress = $wpdb->suppress_errors( true ); // Before the schema upgrade ran: no creators.
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders -- our table; the condition is ours and holds the one placeholder.
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Igsync_Schema::table( 'creators' ) . " WHERE {$where}", $value ), ARRAY_A );
		$wpdb->suppress_errors( $suppress );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Changes some of a creator's columns, and notes when.
	 *
	 * @param int                  $id      The creator.
	 * @param array<string, mixed> $changes Columns and their new values.
	 */
	public static function update( int $id, array $changes ): void {
		global $wpdb;
		$changes['updated_at'] = gmdate( 'Y-m-d H:i:s' );
		$wpdb->update( Igsync_Schema::table( 'creators' ), $changes, array( 'id' => $id ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * Adds up a creator's attributed orders into their row (orders, revenue and commission
	 * counted, the newest order's date): after every change to one of their orders.
	 *
	 * @param int $id The creator.
	 */
	public static function recount( int $id ): void {
		global $wpdb;
		$orders = Igsync_Schema::table( 'creator_orders' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- one creator's rows, by index.
		$sum = $wpdb->get_row( $wpdb->prepare( "SELECT SUM(revenue > 0) AS orders_count, COALESCE(SUM(revenue), 0) AS revenue, COALESCE(SUM(commission), 0) AS commission, MAX(ordered_at) AS last_order_at FROM {$orders} WHERE creator_id = %d", $id ), ARRAY_A );
		if ( is_array( $sum ) ) {
			self::update(
				$id,
				array(
					'orders_count'  => (int) $sum['orders_count'],
					'revenue'       => (string) $sum['revenue'],
					'commission'    => (string) $sum['commission'],
					'last_order_at' => $sum['last_order_at'],
				)
			);
		}
	}

	/**
	 * Today's follower count in a creator's history (one point a day, the last sync's).
	 *
	 * @param int $id        The creator.
	 * @param int $followers Verified followers.
	 */
	public static function count_followers( int $id, int $followers ): void {
		global $wpdb;
		$table = Igsync_Schema::table( 'creator_followers' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- one row a day, by key.
		$wpdb->query( $wpdb->prepare( "INSERT INTO {$table} (creator_id, day, followers_count) VALUES (%d, %s, %d) ON DUPLICATE KEY UPDATE followers_count = VALUES(followers_count)", $id, gmdate( 'Y-m-d' ), $followers ) );
	}

	/**
	 * A creator's follower counts, oldest first, over the last $days days.
	 *
	 * @param int $id   The creator.
	 * @param int $days How far back.
	 * @return array<string, int> Day (Y-m-d) => followers.
	 */
	public static function follower_history( int $id, int $days = 365 ): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'creator_followers' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by key.
		$rows    = $wpdb->get_results( $wpdb->prepare( "SELECT day, followers_count FROM {$table} WHERE creator_id = %d AND day >= %s ORDER BY day", $id, gmdate( 'Y-m-d', time() - $days * DAY_IN_SECONDS ) ), ARRAY_A );
		$history = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$history[ (string) $row['day'] ] = (int) $row['followers_count'];
		}
		return $history;
	}

	/**
	 * Every active creator's id (the daily tier pass).
	 *
	 * @return array<int, int>
	 */
	public static function active_ids(): array {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared -- by index.
		return array_map( 'intval', (array) $wpdb->get_col( $wpdb->prepare( 'SELECT id FROM ' . Igsync_Schema::table( 'creators' ) . ' WHERE status = %s', self::ACTIVE ) ) );
	}

	/**
	 * Adds to a creator's history.
	 *
	 * @param int    $id     The creator.
	 * @param string $kind   What happened (applied, active, declined, tier, code, ...).
	 * @param string $detail Its detail (the new tier, the new code).
	 */
	public static function log( int $id, string $kind, string $detail = '' ): void {
		global $wpdb;
		$wpdb->insert( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			Igsync_Schema::table( 'creator_events' ),
			array(
				'creator_id'  => $id,
				'kind'        => $kind,
				'detail'      => substr( $detail, 0, 255 ),
				'happened_at' => gmdate( 'Y-m-d H:i:s' ),
			)
		);
	}

	/**
	 * One entry of a creator's history, in words.
	 *
	 * @param array<string, mixed> $event The entry.
	 * @return string
	 */
	public static function describe_event( array $event ): string {
		$detail = (string) $event['detail'];
		switch ( (string) $event['kind'] ) {
			case self::PENDING:
				return __( 'Applied to the creator program.', 'igsync-bridge' );
			case self::ACTIVE:
				return __( 'Became a creator.', 'igsync-bridge' );
			case self::DECLINED:
				return __( 'Application declined.', 'igsync-bridge' );
			case self::INVITED:
				return __( 'Invited by the shop.', 'igsync-bridge' );
			case 'code':
				/* translators: %s: a coupon code */
				return sprintf( __( 'Code is now %s.', 'igsync-bridge' ), $detail );
			case 'payout':
				$parts = array_pad( explode( ' ', $detail, 2 ), 2, '' );
				/* translators: 1: an amount, 2: a coupon code */
				return sprintf( __( 'Paid %1$s as store credit (%2$s).', 'igsync-bridge' ), wp_strip_all_tags( wc_price( (float) $parts[0] ) ), $parts[1] );
			case 'tier':
				/* translators: %s: a tier's name */
				return sprintf( __( 'Moved to the %s tier.', 'igsync-bridge' ), (string) Igsync_Creator_Terms::tier( $detail )['name'] );
			default:
				return (string) $event['kind'];
		}
	}

	/**
	 * A creator's history, newest first.
	 *
	 * @param int $id    The creator.
	 * @param int $limit How many.
	 * @return array<int, array<string, mixed>>
	 */
	public static function history( int $id, int $limit = 50 ): array {
		global $wpdb;
		$events = Igsync_Schema::table( 'creator_events' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by index.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$events} WHERE creator_id = %d ORDER BY id DESC LIMIT %d", $id, $limit ), ARRAY_A );
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Removes a creator and everything kept about them here: their history, their follower
	 * counts and their orders' attribution (WooCommerce keeps the orders, and the coupon line
	 * each one used).
	 *
	 * @param int $id The creator.
	 * @return array<int, int> The orders that were attributed to them.
	 */
	public static function delete( int $id ): array {
		global $wpdb;
		$orders = Igsync_Schema::table( 'creator_orders' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by index.
		$order_ids = array_map( 'intval', (array) $wpdb->get_col( $wpdb->prepare( "SELECT order_id FROM {$orders} WHERE creator_id = %d", $id ) ) );
		$wpdb->delete( $orders, array( 'creator_id' => $id ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->delete( Igsync_Schema::table( 'creator_events' ), array( 'creator_id' => $id ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->delete( Igsync_Schema::table( 'creator_followers' ), array( 'creator_id' => $id ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->delete( Igsync_Schema::table( 'creators' ), array( 'id' => $id ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		return $order_ids;
	}
}
