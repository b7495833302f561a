<?php
/**
 * Meta's deauthorize and data-deletion callbacks that came while the daemon was unreachable,
 * kept exactly as Meta sent them until the daemon's catch-up poll has them: a data-deletion
 * request must be honoured, and Meta does not reliably call again.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Meta callback queue.
 */
final class Igsync_Meta_Queue {

	/**
	 * Keeps a callback; its row id, or null when the database did not take it.
	 *
	 * @param string      $kind              deauthorize or data-deletion.
	 * @param string      $signed_request    Meta's signed_request, unchanged.
	 * @param string|null $confirmation_code The code given to Meta (data deletion).
	 * @return int|null
	 */
	public static function enqueue( string $kind, string $signed_request, ?string $confirmation_code ): ?int {
		global $wpdb;
		$row = array(
			'kind'              => $kind,
			'signed_request'    => $signed_request,
			'confirmation_code' => $confirmation_code,
			'received_at'       => gmdate( 'Y-m-d H:i:s' ),
		);
		return Igsync_Schema::write(
			static function () use ( $wpdb, $row ): ?int {
				// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a queue, written once.
				return false === $wpdb->insert( Igsync_Schema::table( 'meta' ), $row ) ? null : (int) $wpdb->insert_id;
			}
		);
	}

	/**
	 * Callbacks the daemon does not have yet, oldest first.
	 *
	 * @param int $limit At most this many.
	 * @return array<int, array<string, mixed>>
	 */
	public static function pending( int $limit = 100 ): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'meta' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name; a live queue.
		$rows  = (array) $wpdb->get_results( $wpdb->prepare( "SELECT id, kind, signed_request, confirmation_code, received_at FROM {$table} WHERE acked_at IS NULL ORDER BY id LIMIT %d", $limit ), ARRAY_A );
		$items = array();
		foreach ( $rows as $row ) {
			$items[] = array(
				'id'                => (int) $row['id'],
				'kind'              => (string) $row['kind'],
				'signed_request'    => (string) $row['signed_request'],
				'confirmation_code' => null === $row['confirmation_code'] ? null : (string) $row['confirmation_code'],
				'received_at'       => gmdate( 'Y-m-d\TH:i:s\Z', (int) strtotime( $row['received_at'] . ' UTC' ) ),
			);
		}
		return $items;
	}

	/**
	 * The daemon has these: the signed requests are erased; the rows go with the next prune a day on.
	 *
	 * @param array<int> $ids Row ids.
	 * @return int How many changed.
	 */
	public static function ack( array $ids ): int {
		global $wpdb;
		$acked = 0;
		foreach ( array_filter( array_map( 'intval', $ids ) ) as $id ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a live queue.
			$acked += (int) $wpdb->update(
				Igsync_Schema::table( 'meta' ),
				array(
					'acked_at'       => gmdate( 'Y-m-d H:i:s' ),
					'signed_request' => '',
				),
				array(
					'id'       => $id,
					'acked_at' => null,
				)
			);
		}
		return $acked;
	}

	/**
	 * How many callbacks wait for the daemon.
	 *
	 * @return int
	 */
	public static function waiting(): int {
		global $wpdb;
		$table = Igsync_Schema::table( 'meta' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name; a live queue.
		return (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE acked_at IS NULL" );
	}

	/**
	 * The hourly prune: rows the daemon took a day ago or more go (their status URL asks the
	 * daemon by then, not this table).
	 */
	public static function prune(): void {
		global $wpdb;
		$table = Igsync_Schema::table( 'meta' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE acked_at IS NOT NULL AND acked_at < %s", gmdate( 'Y-m-d H:i:s', time() - DAY_IN_SECONDS ) ) );
	}

	/**
	 * Whether a data-deletion request with this confirmation code is still waiting here.
	 *
	 * @param string $code Confirmation code.
	 * @return bool
	 */
	public static function is_waiting( string $code ): bool {
		global $wpdb;
		$table = Igsync_Schema::table( 'meta' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name; a live queue.
		return (bool) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE confirmation_code = %s AND acked_at IS NULL", $code ) );
	}
}
