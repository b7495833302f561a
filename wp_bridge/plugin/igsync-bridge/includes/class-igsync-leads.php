<?php
/**
 * Leads the daemon pushes back: upserted by idempotency key into the leads table, and onto the
 * customer's user meta (and WooCommerce customer meta) when the shopper was logged in.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lead storage and reads.
 */
final class Igsync_Leads {

	const FIELDS = array( 'idempotency_key', 'ig_user_id', 'username', 'name', 'account_type', 'api', 'email', 'wp_user_id', 'source', 'return_url', 'connected_at' );

	/**
	 * Stores a lead; "created" or "updated".
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return string
	 */
	public static function upsert( array $lead ): string {
		global $wpdb;
		$table = Igsync_Queue::tables()['leads'];
		$now   = gmdate( 'Y-m-d H:i:s' );
		$user  = isset( $lead['wp_user_id'] ) ? get_userdata( (int) $lead['wp_user_id'] ) : false;
		$row   = array(
			'idempotency_key' => (string) $lead['idempotency_key'],
			'ig_user_id'      => (string) $lead['ig_user_id'],
			'username'        => (string) $lead['username'],
			'name'            => self::text( $lead['name'] ?? null ),
			'account_type'    => self::text( $lead['account_type'] ?? null ),
			'api'             => self::text( $lead['api'] ?? null ),
			'email'           => self::text( $lead['email'] ?? null ),
			'wp_user_id'      => $user ? (int) $user->ID : null,
			'source'          => self::text( $lead['source'] ?? null ),
			'return_url'      => self::text( $lead['return_url'] ?? null ),
			'connected_at'    => isset( $lead['connected_at'] ) ? gmdate( 'Y-m-d H:i:s', (int) strtotime( (string) $lead['connected_at'] ) ) : $now,
		);
		$existing = (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} WHERE idempotency_key = %s", $row['idempotency_key'] ) ); // phpcs:ignore WordPress.DB
		if ( $existing ) {
			$wpdb->update( $table, array_merge( $row, array( 'updated_at' => $now ) ), array( 'id' => $existing ) ); // phpcs:ignore WordPress.DB
			$result = 'updated';
		} else {
			$inserted = $wpdb->insert( $table, array_merge( $row, array( 'created_at' => $now, 'updated_at' => $now ) ) ); // phpcs:ignore WordPress.DB
			$result   = $inserted ? 'created' : 'updated'; // A concurrent push of the same key won the insert.
		}
		if ( $user ) {
			self::attach_to_user( (int) $user->ID, $row );
		}
		return $result;
	}

	/**
	 * Erases every lead and user meta igsync stored for this Instagram user (data deletion).
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return array{leads: int, users: int}
	 */
	public static function erase( string $ig_user_id ): array {
		global $wpdb;
		$table = Igsync_Queue::tables()['leads'];
		$leads = (int) $wpdb->delete( $table, array( 'ig_user_id' => $ig_user_id ) ); // phpcs:ignore WordPress.DB
		$users = get_users(
			array(
				'meta_key'   => 'igsync_ig_user_id', // phpcs:ignore WordPress.DB.SlowDBQuery
				'meta_value' => $ig_user_id, // phpcs:ignore WordPress.DB.SlowDBQuery
				'fields'     => 'ID',
			)
		);
		foreach ( $users as $user_id ) {
			foreach ( array( 'igsync_ig_user_id', 'igsync_ig_username', 'igsync_connected_at' ) as $key ) {
				delete_user_meta( (int) $user_id, $key );
			}
			if ( class_exists( 'WC_Customer' ) ) {
				$customer = new WC_Customer( (int) $user_id );
				foreach ( array( 'igsync_ig_user_id', 'igsync_ig_username', 'igsync_connected_at' ) as $key ) {
					$customer->delete_meta_data( $key );
				}
				$customer->save();
			}
		}
		return array(
			'leads' => $leads,
			'users' => count( $users ),
		);
	}

	/**
	 * User meta (and WooCommerce customer meta) for a logged-in shopper's lead.
	 *
	 * @param int                  $user_id The customer.
	 * @param array<string, mixed> $row     The stored lead.
	 */
	private static function attach_to_user( int $user_id, array $row ): void {
		$meta = array(
			'igsync_ig_user_id'   => $row['ig_user_id'],
			'igsync_ig_username'  => $row['username'],
			'igsync_connected_at' => $row['connected_at'],
		);
		foreach ( $meta as $key => $value ) {
			update_user_meta( $user_id, $key, $value );
		}
		if ( class_exists( 'WC_Customer' ) ) {
			$customer = new WC_Customer( $user_id );
			foreach ( $meta as $key => $value ) {
				$customer->update_meta_data( $key, $value );
			}
			$customer->save();
		}
	}

	/**
	 * A page of leads, newest first, and the total.
	 *
	 * @param int $page     1-based page.
	 * @param int $per_page Rows per page.
	 * @return array{rows: array<int, array<string, mixed>>, total: int}
	 */
	public static function page( int $page, int $per_page ): array {
		global $wpdb;
		$table = Igsync_Queue::tables()['leads'];
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} ORDER BY id DESC LIMIT %d OFFSET %d", $per_page, max( 0, $page - 1 ) * $per_page ), ARRAY_A ); // phpcs:ignore WordPress.DB
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table}" ); // phpcs:ignore WordPress.DB
		return array( 'rows' => (array) $rows, 'total' => $total );
	}

	/**
	 * Every lead in id order, a batch at a time (CSV export).
	 *
	 * @param int $batch Rows per query.
	 * @return Generator<int, array<string, mixed>>
	 */
	public static function all( int $batch = 500 ): Generator {
		global $wpdb;
		$table = Igsync_Queue::tables()['leads'];
		$last  = 0;
		do {
			$rows = (array) $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE id > %d ORDER BY id LIMIT %d", $last, $batch ), ARRAY_A ); // phpcs:ignore WordPress.DB
			foreach ( $rows as $row ) {
				$last = (int) $row['id'];
				yield $row;
			}
		} while ( count( $rows ) === $batch );
	}

	/**
	 * A trimmed string or null.
	 *
	 * @param mixed $value Value.
	 * @return string|null
	 */
	private static function text( $value ): ?string {
		return is_string( $value ) && '' !== $value ? $value : null;
	}
}
