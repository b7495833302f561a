<?php
/**
 * Standard Webhooks signatures, both directions (https://www.standardwebhooks.com).
 *
 * Signed content: "{webhook-id}.{webhook-timestamp}.{body}", HMAC-SHA256, sent as
 * "v1,<base64>". The key is bound to the direction and the route: derived from the shared
 * secret's key for "wp->daemon POST /v1/codes", "daemon->wp POST /igsync/v1/leads" and so on,
 * so that a message seen in transit works on its own route only, and never reflected back to
 * its sender. Verification compares with hash_equals, allows five minutes of clock difference,
 * and refuses a webhook-id it has already accepted.
 *
 * Through an upgrade (wp_bridge/signing.py says the same): until the daemon has shown that it
 * checks bound signatures (a bound signature from it, its `igsync-signing: bound` answer
 * header, or a pairing that says so), requests to it also carry the unbound signature of
 * earlier versions, and its unbound signatures are accepted; from then on, bound ones only.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Signs and verifies with the shared secret from the settings.
 */
final class Igsync_Signature {

	const TOLERANCE    = 300;
	const TO_DAEMON    = 'wp->daemon';
	const TO_WORDPRESS = 'daemon->wp';
	const HEADER       = 'igsync-signing';

	/**
	 * The signed requests verified in this PHP request (webhook-id, method and route): WordPress
	 * calls a route's permission callback again to build the answer's Allow header, and a second
	 * check would cost the HMACs and a database write, then take the request for a replay.
	 *
	 * @var array<string, true>
	 */
	private static $verified = array();

	/**
	 * Whether a secret has the whsec_ + base64 (24 to 64 bytes) form.
	 *
	 * @param string $secret Candidate secret.
	 * @return bool
	 */
	public static function is_valid_secret( string $secret ): bool {
		if ( ! str_starts_with( $secret, 'whsec_' ) ) {
			return false;
		}
		$key = base64_decode( substr( $secret, 6 ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the secret's key is base64 (Standard Webhooks).
		return false !== $key && strlen( $key ) >= 24 && strlen( $key ) <= 64;
	}

	/**
	 * The HMAC key, or '' when no valid secret is configured.
	 *
	 * @return string
	 */
	public static function key(): string {
		$secret = Igsync_Settings::get( 'shared_secret' );
		if ( ! self::is_valid_secret( $secret ) ) {
			return '';
		}
		return (string) base64_decode( substr( $secret, 6 ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the secret's key is base64 (Standard Webhooks).
	}

	/**
	 * The keys a signature may be made with: the current one and, for an hour after a new
	 * pairing replaced it, the one before (see Igsync_Pairing).
	 *
	 * @param string $key The current key.
	 * @return array<int, string>
	 */
	private static function accepted_keys( string $key ): array {
		$previous = Igsync_Pairing::previous_secret();
		if ( ! self::is_valid_secret( $previous ) ) {
			return array( $key );
		}
		return array( $key, (string) base64_decode( substr( $previous, 6 ), true ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the secret's key is base64 (Standard Webhooks).
	}

	/**
	 * The key of one direction and route, derived from the shared secret's key.
	 *
	 * @param string $key       The shared secret's key.
	 * @param string $direction TO_DAEMON or TO_WORDPRESS.
	 * @param string $method    HTTP method.
	 * @param string $path      The route's path, without query.
	 * @return string
	 */
	public static function route_key( string $key, string $direction, string $method, string $path ): string {
		return hash_hmac( 'sha256', 'igsync-route v1 ' . $direction . ' ' . strtoupper( $method ) . ' ' . $path, $key, true );
	}

	/**
	 * Whether the daemon has shown it checks bound signatures.
	 *
	 * @return bool
	 */
	public static function peer_bound(): bool {
		return '1' === Igsync_Settings::get( 'peer_bound' );
	}

	/**
	 * Remembers that the daemon checks bound signatures (once: the setting is then set).
	 */
	public static function learn_peer_bound(): void {
		if ( self::peer_bound() ) {
			return;
		}
		$settings               = Igsync_Settings::all();
		$settings['peer_bound'] = '1';
		Igsync_Settings::replace( $settings );
	}

	/**
	 * The daemon's answer: if it says it checks bound signatures, send only those from now on.
	 *
	 * @param array<string, mixed>|WP_Error $response The HTTP response.
	 */
	public static function learn_from( $response ): void {
		if ( ! is_wp_error( $response ) && 'bound' === wp_remote_retrieve_header( $response, self::HEADER ) ) {
			self::learn_peer_bound();
		}
	}

	/**
	 * The "v1,<base64>" signature of a message.
	 *
	 * @param string $key       HMAC key.
	 * @param string $id        webhook-id.
	 * @param int    $timestamp webhook-timestamp.
	 * @param string $body      Raw body.
	 * @return string
	 */
	public static function signature( string $key, string $id, int $timestamp, string $body ): string {
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- signatures are base64 (Standard Webhooks).
		return 'v1,' . base64_encode( hash_hmac( 'sha256', $id . '.' . $timestamp . '.' . $body, $key, true ) );
	}

	/**
	 * Headers for a new signed POST of $body to a daemon route: bound to it, with the unbound
	 * signature beside it until the daemon has shown it checks bound ones.
	 *
	 * @param string $body Raw body.
	 * @param string $path The daemon route, e.g. /v1/codes.
	 * @return array<string, string>
	 */
	public static function headers( string $body, string $path ): array {
		$id        = 'msg_' . bin2hex( random_bytes( 12 ) );
		$timestamp = time();
		$key       = self::key();
		$signature = self::signature( self::route_key( $key, self::TO_DAEMON, 'POST', $path ), $id, $timestamp, $body );
		if ( ! self::peer_bound() ) {
			$signature .= ' ' . self::signature( $key, $id, $timestamp, $body );
		}
		return array(
			'webhook-id'        => $id,
			'webhook-timestamp' => (string) $timestamp,
			'webhook-signature' => $signature,
		);
	}

	/**
	 * Verifies a signed REST request and remembers its id; the permission_callback of every
	 * route the daemon calls.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public static function verify_request( WP_REST_Request $request ) {
		return self::verify( $request, false );
	}

	/**
	 * Like verify_request, but only the current secret will do: for unpairing, which a daemon
	 * replaced by a new pairing (still holding the previous secret for an hour) must not do.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public static function verify_current_request( WP_REST_Request $request ) {
		return self::verify( $request, true );
	}

	/**
	 * The checks of a signed request, with or without the previous secret's hour.
	 *
	 * @param WP_REST_Request $request      The request.
	 * @param bool            $current_only Whether only the current secret may sign.
	 * @return true|WP_Error
	 */
	private static function verify( WP_REST_Request $request, bool $current_only ) {
		$seen = $request->get_header( 'webhook-id' ) . ' ' . $request->get_method() . ' ' . $request->get_route();
		if ( isset( self::$verified[ $seen ] ) ) {
			return true;
		}
		$key = self::key();
		if ( '' === $key ) {
			return new WP_Error( 'igsync_not_configured', __( 'igsync is not configured: no shared secret.', 'igsync-bridge' ), array( 'status' => 503 ) );
		}
		$id        = (string) $request->get_header( 'webhook-id' );
		$timestamp = (string) $request->get_header( 'webhook-timestamp' );
		$signature = (string) $request->get_header( 'webhook-signature' );
		if ( '' === $id || '' === $timestamp || '' === $signature ) {
			return self::refused( 'missing webhook-id, webhook-timestamp or webhook-signature' );
		}
		if ( strlen( $id ) > 128 || ! ctype_graph( $id ) ) {
			return self::refused( 'malformed webhook-id' );
		}
		if ( ! ctype_digit( $timestamp ) || strlen( $timestamp ) > 12 ) {
			return self::refused( 'malformed webhook-timestamp' );
		}
		if ( abs( time() - (int) $timestamp ) > self::TOLERANCE ) {
			return self::refused( 'webhook-timestamp is outside the 5-minute tolerance' );
		}
		$valid       = false;
		$bound       = false;
		$unbound_too = ! self::peer_bound();
		foreach ( $current_only ? array( $key ) : self::accepted_keys( $key ) as $accepted ) {
			$expected = array( 'bound' => self::signature( self::route_key( $accepted, self::TO_WORDPRESS, $request->get_method(), $request->get_route() ), $id, (int) $timestamp, $request->get_body() ) );
			if ( $unbound_too ) {
				$expected['unbound'] = self::signature( $accepted, $id, (int) $timestamp, $request->get_body() );
			}
			foreach ( explode( ' ', $signature ) as $candidate ) {
				foreach ( $expected as $kind => $wanted ) {
					if ( hash_equals( $wanted, trim( $candidate ) ) ) {
						$valid = true;
						$bound = $bound || 'bound' === $kind;
					}
				}
			}
		}
		if ( ! $valid ) {
			return self::refused( 'no valid v1 signature' );
		}
		$fresh = Igsync_Schema::write( static fn() => self::remember( $id ) );
		if ( null === $fresh ) {
			// Not a refusal: the sender must try again, not give up.
			return new WP_Error( 'igsync_storage_unavailable', 'WordPress could not record the request in its database; try again later', array( 'status' => 503 ) );
		}
		if ( ! $fresh ) {
			return self::refused( 'this webhook-id was already accepted' );
		}
		if ( $bound ) {
			self::learn_peer_bound();
		}
		self::$verified[ $seen ] = true;
		return true;
	}

	/**
	 * Records an accepted id: true if new, false if it was there already (a replay), null when
	 * the database did not answer (which must not read as a replay).
	 *
	 * @param string $id webhook-id.
	 * @return bool|null
	 */
	private static function remember( string $id ): ?bool {
		global $wpdb;
		$table    = Igsync_Schema::table( 'seen' );
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; old ids age out.
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE seen_at < %s LIMIT 500", gmdate( 'Y-m-d H:i:s', time() - 3 * self::TOLERANCE ) ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- an atomic insert is the replay check.
		$inserted = $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO {$table} (webhook_id, seen_at) VALUES (%s, %s)", $id, gmdate( 'Y-m-d H:i:s' ) ) );
		$wpdb->suppress_errors( $suppress ); // A failure is answered (503), not logged.
		if ( false === $inserted ) {
			return null;
		}
		return 1 === $inserted;
	}

	/**
	 * A 401 with the reason.
	 *
	 * @param string $reason Why.
	 * @return WP_Error
	 */
	private static function refused( string $reason ): WP_Error {
		return new WP_Error( 'igsync_bad_signature', $reason, array( 'status' => 401 ) );
	}
}
