<?php
/**
 * The OAuth `state`: random, single-use, kept server-side for at most ten minutes, and bound
 * to the logged-in user or, for a guest, to a cookie set when the connect flow started.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Creates and consumes states (stored as transients, keyed by the state's hash).
 */
final class Igsync_State {

	const TTL    = 600;
	const COOKIE = 'igsync_sid';

	/**
	 * A new state for this visitor.
	 *
	 * @param int    $user_id    Logged-in user, or 0.
	 * @param string $binding    The visitor binding (see binding()).
	 * @param string $return_url Where to send the shopper back to.
	 * @param string $source     Which button started the flow.
	 * @param array  $context    What else WordPress vouches for (an order's id and billing email).
	 * @return string
	 */
	public static function create( int $user_id, string $binding, string $return_url, string $source, array $context = array() ): string {
		$state = bin2hex( random_bytes( 24 ) );
		set_transient(
			self::key( $state ),
			array(
				'user'    => $user_id,
				'binding' => hash( 'sha256', $binding ),
				'return'  => $return_url,
				'source'  => $source,
				'context' => $context,
				'created' => time(),
			),
			self::TTL
		);
		return $state;
	}

	/**
	 * Takes a state out of storage if it belongs to this visitor; a WP_Error otherwise.
	 *
	 * @param string $state   The state from the callback.
	 * @param string $binding The visitor binding now.
	 * @return array<string, mixed>|WP_Error
	 */
	public static function consume( string $state, string $binding ) {
		if ( '' === $state ) {
			return new WP_Error( 'igsync_state_missing', 'missing state', array( 'status' => 400 ) );
		}
		if ( ! preg_match( '/^[0-9a-f]{48}$/', $state ) ) {
			return new WP_Error( 'igsync_state_unknown', 'unknown state', array( 'status' => 400 ) );
		}
		$key  = self::key( $state );
		$data = get_transient( $key );
		if ( ! is_array( $data ) ) {
			return new WP_Error( 'igsync_state_unknown', 'unknown, expired or already used state', array( 'status' => 400 ) );
		}
		// Whose it is, before it is spent: someone else presenting it (it is in the authorize
		// URL) must not burn the owner's own callback.
		if ( ! hash_equals( (string) $data['binding'], hash( 'sha256', $binding ) ) ) {
			return new WP_Error( 'igsync_state_foreign', 'state belongs to another visitor', array( 'status' => 400 ) );
		}
		if ( ! delete_transient( $key ) ) {
			return new WP_Error( 'igsync_state_reused', 'state already used', array( 'status' => 400 ) );
		}
		if ( (int) $data['created'] < time() - self::TTL ) {
			return new WP_Error( 'igsync_state_expired', 'state expired', array( 'status' => 400 ) );
		}
		return $data;
	}

	/**
	 * Who the visitor is: "user:<id>" when logged in, else "guest:<cookie>" (set if absent).
	 *
	 * @param int  $user_id    Logged-in user, or 0.
	 * @param bool $may_create Set the guest cookie when there is none (only when starting).
	 * @return string
	 */
	public static function binding( int $user_id, bool $may_create ): string {
		if ( $user_id > 0 ) {
			return 'user:' . $user_id;
		}
		$cookie = isset( $_COOKIE[ self::COOKIE ] ) ? sanitize_key( wp_unslash( $_COOKIE[ self::COOKIE ] ) ) : '';
		if ( '' === $cookie && $may_create ) {
			$cookie = bin2hex( random_bytes( 16 ) );
			setcookie(
				self::COOKIE,
				$cookie,
				array(
					'expires'  => time() + self::TTL,
					'path'     => '/',
					'secure'   => is_ssl(),
					'httponly' => true,
					'samesite' => 'Lax',
				)
			);
		}
		return 'guest:' . $cookie;
	}

	/**
	 * The logged-in user, read from the login cookie (REST requests ignore it without a nonce,
	 * and a redirect back from Instagram cannot carry one).
	 *
	 * @return int
	 */
	public static function visitor_id(): int {
		$user_id = wp_validate_auth_cookie( '', 'logged_in' );
		return $user_id ? (int) $user_id : 0;
	}

	/**
	 * The transient key for a state.
	 *
	 * @param string $state The state.
	 * @return string
	 */
	private static function key( string $state ): string {
		return 'igsync_state_' . hash( 'sha256', $state );
	}
}
