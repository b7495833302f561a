<?php
/**
 * The plugin's tables: the code queue, the leads, and the replay memory.
 *
 * A code is queued (encrypted) the moment the callback receives it, before the forward; it
 * stays queued until the daemon has it (the forward answered 2xx, or the daemon's catch-up
 * poll acknowledged it), so a daemon that is down loses nothing within the code's hour.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Table creation (dbDelta), the queue's reads and writes, and code encryption (libsodium).
 */
final class Igsync_Queue {

	const SCHEMA_VERSION = '1';
	const CODE_LIFETIME  = 3600;

	/**
	 * Table names.
	 *
	 * @return array<string, string>
	 */
	public static function tables(): array {
		global $wpdb;
		return array(
			'codes' => $wpdb->prefix . 'igsync_codes',
			'leads' => $wpdb->prefix . 'igsync_leads',
			'seen'  => $wpdb->prefix . Igsync_Signature::REPLAY_TABLE,
		);
	}

	/**
	 * Creates or updates the tables (activation, and after an upgrade).
	 */
	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$t       = self::tables();
		dbDelta(
			"CREATE TABLE {$t['codes']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  code_hash char(64) NOT NULL,
  code_enc text NULL,
  redirect_uri varchar(255) NOT NULL,
  context longtext NOT NULL,
  received_at datetime NOT NULL,
  forward_attempts int(11) NOT NULL DEFAULT 0,
  daemon_id bigint(20) unsigned NULL,
  acked_at datetime NULL,
  last_error varchar(255) NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY code_hash (code_hash),
  KEY pending (acked_at, received_at)
) $charset;
CREATE TABLE {$t['leads']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  idempotency_key varchar(64) NOT NULL,
  ig_user_id varchar(64) NOT NULL,
  username varchar(64) NOT NULL,
  name varchar(255) NULL,
  account_type varchar(32) NULL,
  api varchar(32) NULL,
  email varchar(254) NULL,
  wp_user_id bigint(20) unsigned NULL,
  source varchar(64) NULL,
  return_url text NULL,
  connected_at datetime NULL,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY idempotency_key (idempotency_key),
  KEY ig_user_id (ig_user_id),
  KEY wp_user_id (wp_user_id)
) $charset;
CREATE TABLE {$t['seen']} (
  webhook_id varchar(128) NOT NULL,
  seen_at datetime NOT NULL,
  PRIMARY KEY  (webhook_id),
  KEY seen_at (seen_at)
) $charset;"
		);
		update_option( 'igsync_schema_version', self::SCHEMA_VERSION, false );
	}

	/**
	 * Re-runs install() when the plugin was updated without re-activation.
	 */
	public static function maybe_upgrade(): void {
		if ( get_option( 'igsync_schema_version' ) !== self::SCHEMA_VERSION ) {
			self::install();
		}
	}

	/**
	 * Drops everything (uninstall.php).
	 */
	public static function uninstall(): void {
		global $wpdb;
		foreach ( self::tables() as $table ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$wpdb->query( "DROP TABLE IF EXISTS {$table}" );
		}
		delete_option( 'igsync_settings' );
		delete_option( 'igsync_schema_version' );
		delete_metadata( 'user', 0, 'igsync_ig_user_id', '', true );
		delete_metadata( 'user', 0, 'igsync_ig_username', '', true );
		delete_metadata( 'user', 0, 'igsync_connected_at', '', true );
	}

	/**
	 * Queues a code (encrypted); the row id, or the existing row's id for a code seen before.
	 *
	 * @param string               $code         Authorization code.
	 * @param string               $redirect_uri The redirect URI the code was issued for.
	 * @param array<string, mixed> $context      What WordPress knows about the shopper.
	 * @return array{id: int, created: bool}
	 */
	public static function enqueue( string $code, string $redirect_uri, array $context ): array {
		global $wpdb;
		$t    = self::tables();
		$hash = hash( 'sha256', $code );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$inserted = $wpdb->query(
			$wpdb->prepare(
				"INSERT IGNORE INTO {$t['codes']} (code_hash, code_enc, redirect_uri, context, received_at) VALUES (%s, %s, %s, %s, %s)",
				$hash,
				self::encrypt( $code ),
				$redirect_uri,
				wp_json_encode( $context ),
				gmdate( 'Y-m-d H:i:s' )
			)
		);
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$id = (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$t['codes']} WHERE code_hash = %s", $hash ) );
		return array( 'id' => $id, 'created' => 1 === $inserted );
	}

	/**
	 * Codes the daemon does not have yet and that are still inside their hour.
	 *
	 * @param int $limit At most this many.
	 * @return array<int, array<string, mixed>>
	 */
	public static function pending( int $limit = 100 ): array {
		global $wpdb;
		$t = self::tables();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$rows  = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT id, code_enc, redirect_uri, context, received_at FROM {$t['codes']} WHERE acked_at IS NULL AND code_enc IS NOT NULL AND received_at > %s ORDER BY id LIMIT %d",
				gmdate( 'Y-m-d H:i:s', time() - self::CODE_LIFETIME ),
				$limit
			),
			ARRAY_A
		);
		$codes = array();
		foreach ( (array) $rows as $row ) {
			$code = self::decrypt( (string) $row['code_enc'] );
			if ( null === $code ) {
				continue; // Encrypted under a shared secret that has since changed.
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
		$t            = self::tables();
		$placeholders = implode( ',', array_fill( 0, count( $ids ), '%d' ) );
		$daemon_sql   = null === $daemon_id ? 'daemon_id' : (string) (int) $daemon_id;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL
		return (int) $wpdb->query( $wpdb->prepare( "UPDATE {$t['codes']} SET acked_at = %s, code_enc = NULL, last_error = NULL, daemon_id = {$daemon_sql} WHERE acked_at IS NULL AND id IN ($placeholders)", array_merge( array( gmdate( 'Y-m-d H:i:s' ) ), $ids ) ) );
	}

	/**
	 * Records a failed forward (the catch-up poll will fetch the code).
	 *
	 * @param int    $id    Queue row id.
	 * @param string $error Why.
	 */
	public static function forward_failed( int $id, string $error ): void {
		global $wpdb;
		$t = self::tables();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->query( $wpdb->prepare( "UPDATE {$t['codes']} SET forward_attempts = forward_attempts + 1, last_error = %s WHERE id = %d", substr( $error, 0, 250 ), $id ) );
	}

	/**
	 * Erases codes past their hour that nobody fetched (they cannot be exchanged any more).
	 */
	public static function prune(): void {
		global $wpdb;
		$t = self::tables();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->query( $wpdb->prepare( "UPDATE {$t['codes']} SET code_enc = NULL, last_error = 'expired before the daemon fetched it' WHERE acked_at IS NULL AND code_enc IS NOT NULL AND received_at < %s", gmdate( 'Y-m-d H:i:s', time() - self::CODE_LIFETIME ) ) );
	}

	/**
	 * The key that encrypts queued codes, derived from the shared secret.
	 *
	 * @return string
	 */
	private static function box_key(): string {
		return hash_hmac( 'sha256', 'igsync-bridge code queue', Igsync_Signature::key(), true );
	}

	/**
	 * Encrypts a code for the queue table.
	 *
	 * @param string $code Plain code.
	 * @return string
	 */
	private static function encrypt( string $code ): string {
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		return base64_encode( $nonce . sodium_crypto_secretbox( $code, $nonce, self::box_key() ) );
	}

	/**
	 * Decrypts a queued code; null if it cannot be read with the current secret.
	 *
	 * @param string $stored Stored value.
	 * @return string|null
	 */
	private static function decrypt( string $stored ): ?string {
		$raw = base64_decode( $stored, true );
		if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ) {
			return null;
		}
		$plain = sodium_crypto_secretbox_open( substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ), substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ), self::box_key() );
		return false === $plain ? null : $plain;
	}
}
