<?php
/**
 * The code queue. A code is queued (encrypted) the moment the callback receives it, before the
 * forward; it stays queued until the daemon has it (the forward answered 2xx, or the daemon's
 * catch-up poll acknowledged it), so a daemon that is down loses nothing within the code's hour.
 *
 * A row no key opens is never skipped in silence: it stays in the table, is counted, and the
 * admin is told (see Igsync_Health_Notice).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The queue's reads and writes.
 */
final class Igsync_Queue {

	const CODE_LIFETIME = 3600;
	const KEPT_DAYS     = 30; // A code's row (its context names the shopper), then deleted.
	const UNREADABLE    = 'cannot be decrypted with this site\'s queue key';
	const EXPIRED       = 'expired before the daemon fetched it';

	/**
	 * Queues a code; its row id (the existing row's for a code seen before), or null when the
	 * database did not take it.
	 *
	 * @param string               $code         Authorization code.
	 * @param string               $redirect_uri The redirect URI it was issued for.
	 * @param array<string, mixed> $context      What WordPress knows about the shopper.
	 * @param array<string, mixed> $consent      What the shopper was told (Igsync_Consent::current()).
	 * @return int|null
	 */
	public static function enqueue( string $code, string $redirect_uri, array $context, array $consent = array() ): ?int {
		$sealed = Igsync_Code_Box::seal( $code );
		if ( null === $sealed ) {
			return null;
		}
		return Igsync_Schema::write( static fn() => self::insert( hash( 'sha256', $code ), $sealed, $redirect_uri, $context, $consent ) );
	}

	/**
	 * What the shopper of a lead was told when they connected (Igsync_Consent), found by the
	 * code the lead's idempotency key derives from (igsync-lead- and the code's SHA-256
	 * prefix): version, hash, and when the code came back. Empty when unknown.
	 *
	 * @param string $idempotency_key The lead's key.
	 * @return array{consent_version?: string, consent_hash?: string, consented_at?: string}
	 */
	public static function consent_for_lead( string $idempotency_key ): array {
		global $wpdb;
		if ( ! preg_match( '/^igsync-lead-([0-9a-f]{40})$/', $idempotency_key, $match ) ) {
			return array();
		}
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; the unique index's prefix.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT consent_version, consent_hash, received_at FROM {$table} WHERE code_hash LIKE %s LIMIT 1", $match[1] . '%' ), ARRAY_A );
		if ( ! is_array( $row ) || empty( $row['consent_hash'] ) ) {
			return array();
		}
		return array(
			'consent_version' => (string) $row['consent_version'],
			'consent_hash'    => (string) $row['consent_hash'],
			'consented_at'    => (string) $row['received_at'],
		);
	}

	/**
	 * One INSERT IGNORE and a read back of the row's id.
	 *
	 * @param string               $hash         sha256 of the code.
	 * @param string               $sealed       Encrypted code.
	 * @param string               $redirect_uri Redirect URI.
	 * @param array<string, mixed> $context      Context.
	 * @param array<string, mixed> $consent      Igsync_Consent::current() as the shopper saw it.
	 * @return int|null
	 */
	private static function insert( string $hash, string $sealed, string $redirect_uri, array $context, array $consent ): ?int {
		global $wpdb;
		$table    = Igsync_Schema::table( 'codes' );
		$version  = substr( (string) ( $consent['version'] ?? '' ), 0, 32 );
		$digest   = preg_match( '/^[0-9a-f]{64}$/', (string) ( $consent['hash'] ?? '' ) ) ? (string) $consent['hash'] : '';
		$suppress = $wpdb->suppress_errors( true ); // The caller handles a failure; the query holds the shopper's email.
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$inserted = $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO {$table} (code_hash, code_enc, redirect_uri, context, received_at, consent_version, consent_hash) VALUES (%s, %s, %s, %s, %s, NULLIF(%s, ''), NULLIF(%s, ''))", $hash, $sealed, $redirect_uri, wp_json_encode( $context ), gmdate( 'Y-m-d H:i:s' ), $version, $digest ) );
		$wpdb->suppress_errors( $suppress );
		if ( false === $inserted ) {
			return null;
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$id = (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} WHERE code_hash = %s", $hash ) );
		return $id > 0 ? $id : null;
	}

	/**
	 * Codes the daemon does not have yet and that are still inside their hour. Rows no key
	 * opens are marked (and counted by unreadable()), never dropped.
	 *
	 * @param int $limit At most this many.
	 * @return array<int, array<string, mixed>>
	 */
	public static function pending( int $limit = 100 ): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT id, code_enc, redirect_uri, context, received_at, last_error FROM {$table} WHERE acked_at IS NULL AND code_enc IS NOT NULL AND received_at > %s ORDER BY id LIMIT %d", gmdate( 'Y-m-d H:i:s', time() - self::CODE_LIFETIME ), $limit ), ARRAY_A );
		$codes = array();
		foreach ( (array) $rows as $row ) {
			$code = Igsync_Code_Box::open( (string) $row['code_enc'] );
			if ( null === $code ) {
				if ( self::UNREADABLE !== $row['last_error'] ) {
					self::note( (int) $row['id'], self::UNREADABLE );
				}
				continue;
			}
			$context = json_decode( (string) $row['context'], true );
			$codes[] = array(
				'id'           => (int) $row['id'],
				'code'         => $code,
				'redirect_uri' => (string) $row['redirect_uri'],
				'received_at'  => gmdate( 'Y-m-d\TH:i:s\Z', (int) strtotime( $row['received_at'] . ' UTC' ) ),
				'context'      => is_array( $context ) ? (object) $context : new stdClass(),
			);
		}
		return $codes;
	}

	/**
	 * The rows of the codes still waiting for the daemon, without the codes: for `wp igsync
	 * queue list`.
	 *
	 * @return array<int, array{id: int, received_at: string, forward_attempts: int, last_error: string}>
	 */
	public static function waiting(): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT id, received_at, forward_attempts, last_error FROM {$table} WHERE acked_at IS NULL AND code_enc IS NOT NULL AND received_at > %s ORDER BY id LIMIT 1000", gmdate( 'Y-m-d H:i:s', time() - self::CODE_LIFETIME ) ), ARRAY_A );
		return array_map(
			static fn( array $row ): array => array(
				'id'               => (int) $row['id'],
				'received_at'      => gmdate( 'Y-m-d\TH:i:s\Z', (int) strtotime( $row['received_at'] . ' UTC' ) ),
				'forward_attempts' => (int) $row['forward_attempts'],
				'last_error'       => (string) $row['last_error'],
			),
			(array) $rows
		);
	}

	/**
	 * Marks codes as held by the daemon and erases them here.
	 *
	 * @param array<int> $ids       Queue row ids.
	 * @param int|null   $daemon_id The daemon's id for the code, when known.
	 * @return int How many rows changed.
	 */
	public static function ack( array $ids, ?int $daemon_id = null ): int {
		global $wpdb;
		$ids = array_values( array_filter( array_map( 'intval', $ids ) ) );
		if ( ! $ids ) {
			return 0;
		}
		$table = Igsync_Schema::table( 'codes' );
		$acked = 0;
		foreach ( $ids as $id ) {
			$row = array(
				'acked_at'   => gmdate( 'Y-m-d H:i:s' ),
				'code_enc'   => null,
				'last_error' => null,
			);
			if ( null !== $daemon_id ) {
				$row['daemon_id'] = $daemon_id;
			}
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the queue is a live table.
			$acked += (int) $wpdb->update(
				$table,
				$row,
				array(
					'id'       => $id,
					'acked_at' => null,
				)
			);
		}
		return $acked;
	}

	/**
	 * Records a failed forward (the catch-up poll will fetch the code).
	 *
	 * @param int    $id    Queue row id.
	 * @param string $error Why.
	 */
	public static function forward_failed( int $id, string $error ): void {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET forward_attempts = forward_attempts + 1, last_error = %s WHERE id = %d", substr( $error, 0, 250 ), $id ) );
	}

	/**
	 * Records why a code was not forwarded at all (the daemon was taken for hung): it waits
	 * for the catch-up poll, no attempt counted.
	 *
	 * @param int    $id     Queue row id.
	 * @param string $reason Why.
	 */
	public static function left_for_poll( int $id, string $reason ): void {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET last_error = %s WHERE id = %d", substr( $reason, 0, 250 ), $id ) );
	}

	/**
	 * Erases codes past their hour that nobody fetched (they cannot be exchanged any more; the
	 * row stays a while, with the reason, for the admin's counts), and deletes rows older than
	 * KEPT_DAYS: their context names the shopper (an email), and by then their lead has long
	 * taken what it needs (the consent record) or will never come.
	 */
	public static function prune(): void {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET code_enc = NULL, last_error = %s WHERE acked_at IS NULL AND code_enc IS NOT NULL AND received_at < %s", self::EXPIRED, gmdate( 'Y-m-d H:i:s', time() - self::CODE_LIFETIME ) ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE received_at < %s", gmdate( 'Y-m-d H:i:s', time() - self::KEPT_DAYS * DAY_IN_SECONDS ) ) );
	}

	/**
	 * Records how the daemon says a code ended when no lead will (interrupted: its exchange
	 * may have reached Instagram unanswered); the context the code was forwarded with, or null
	 * for a code this site does not know.
	 *
	 * @param string $code_hash sha256 of the code.
	 * @param string $outcome   How it ended, with why.
	 * @return array<string, mixed>|null
	 */
	public static function record_outcome( string $code_hash, string $outcome ): ?array {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name; a live row.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT id, context FROM {$table} WHERE code_hash = %s", $code_hash ), ARRAY_A );
		if ( ! is_array( $row ) ) {
			return null;
		}
		self::note( (int) $row['id'], substr( $outcome, 0, 250 ) );
		$context = json_decode( (string) $row['context'], true );
		return is_array( $context ) ? $context : array();
	}

	/**
	 * Queued codes no key of this site opens (still inside their hour).
	 *
	 * @return int
	 */
	public static function unreadable(): int {
		global $wpdb;
		$table = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name; counted live.
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE acked_at IS NULL AND code_enc IS NOT NULL AND last_error = %s", self::UNREADABLE ) );
	}

	/**
	 * Records why a row is still waiting.
	 *
	 * @param int    $id    Queue row id.
	 * @param string $error Why.
	 */
	private static function note( int $id, string $error ): void {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the queue is a live table.
		$wpdb->update( Igsync_Schema::table( 'codes' ), array( 'last_error' => $error ), array( 'id' => $id ) );
	}
}
