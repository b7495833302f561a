<?php
/**
 * Atomic counters for the anonymous routes (pairing, Meta's relays): one options row per
 * counter and time window, incremented in one statement, so that concurrent requests each get
 * their own count (a read-modify-write of an option lets several through at once). The rows
 * name a client by a keyed hash of its address, never the address, and end in the time their
 * window began; the hourly prune removes those older than a day.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Counters per window.
 */
final class Igsync_Throttle {

	const PREFIX = 'igsync_throttle_';

	/**
	 * Counts one more hit of $what by this client in the current window of $window seconds;
	 * whether it stays within $limit.
	 *
	 * @param string $what   What is counted (a short name).
	 * @param string $client Who, e.g. the client's address.
	 * @param int    $limit  Hits allowed per window.
	 * @param int    $window The window, in seconds.
	 * @return bool
	 */
	public static function allow( string $what, string $client, int $limit, int $window ): bool {
		$who = substr( hash_hmac( 'sha256', $client, wp_salt( 'nonce' ) ), 0, 16 );
		return self::bump( self::name( $what . '_' . $who, (int) ( floor( time() / $window ) * $window ) ) ) <= $limit;
	}

	/**
	 * A counter's option name: what it counts, and when its window began (a Unix time).
	 *
	 * @param string $what  What is counted, and whose.
	 * @param int    $since When its window began.
	 * @return string
	 */
	public static function name( string $what, int $since ): string {
		return self::PREFIX . $what . '_' . $since;
	}

	/**
	 * One more on the named counter; its value after this request's own increment.
	 *
	 * @param string $name The counter's option name.
	 * @return int
	 */
	public static function bump( string $name ): int {
		global $wpdb;
		// LAST_INSERT_ID(expr) hands each request the value its own update produced.
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- an atomic counter; the option API has none.
		$wpdb->query( $wpdb->prepare( "INSERT INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, '1', 'off') ON DUPLICATE KEY UPDATE option_value = LAST_INSERT_ID(option_value + 1)", $name ) );
		return 2 === (int) $wpdb->rows_affected ? (int) $wpdb->insert_id : 1;
	}

	/**
	 * The client's address as this server saw it (not a header the client can set).
	 *
	 * @return string
	 */
	public static function client(): string {
		return isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
	}

	/**
	 * Whether the client is this machine.
	 *
	 * @return bool
	 */
	public static function client_is_loopback(): bool {
		$address = self::client();
		return '::1' === $address || 0 === strpos( $address, '127.' ) || 0 === strpos( $address, '::ffff:127.' );
	}

	/**
	 * Whether the client is on a private network (RFC 1918, unique local IPv6) or this machine.
	 *
	 * @return bool
	 */
	public static function client_is_private(): bool {
		$address = self::client();
		$ip      = filter_var( $address, FILTER_VALIDATE_IP );
		return self::client_is_loopback() || ( false !== $ip && false === filter_var( $ip, FILTER_VALIDATE_IP, FILTER_FLAG_NO_PRIV_RANGE ) );
	}

	/**
	 * Removes every counter of $what (an administrator's action resets them).
	 *
	 * @param string $what What is counted.
	 */
	public static function clear( string $what ): void {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- counters have no delete-by-prefix API.
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( self::PREFIX . $what . '_' ) . '%' ) );
	}

	/**
	 * Removes the counters whose window began more than a day ago (the hourly prune).
	 */
	public static function prune(): void {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- counters have no delete-by-prefix API.
		$names = (array) $wpdb->get_col( $wpdb->prepare( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( self::PREFIX ) . '%' ) );
		foreach ( $names as $name ) {
			if ( (int) substr( (string) strrchr( (string) $name, '_' ), 1 ) < time() - DAY_IN_SECONDS ) {
				// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the counter's own row.
				$wpdb->delete( $wpdb->options, array( 'option_name' => (string) $name ) );
			}
		}
	}
}
