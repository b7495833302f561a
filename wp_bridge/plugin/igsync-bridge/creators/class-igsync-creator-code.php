<?php
/**
 * A creator's coupon code, made from their Instagram username: what their followers type at
 * checkout, so it reads like the handle they know ("carla.crafts" becomes CARLACRAFTS) and is
 * never one the shop already has. Pure: the code's shape; whether it is free is asked.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Creator codes.
 */
final class Igsync_Creator_Code {

	/** What sandbox creators' codes start with: a made-up account never holds a real code. */
	const SANDBOX_PREFIX = 'TEST-';

	/** WooCommerce keeps a coupon's code as the post title; a short one is easier to type. */
	const MAX_LENGTH = 24;

	/**
	 * The code for a username: its letters and digits, upper case, cut to MAX_LENGTH; the
	 * sandbox's with its prefix. '' when nothing of the username is left.
	 *
	 * @param string $username Instagram username.
	 * @param bool   $sandbox  Whether the account is the sandbox's.
	 * @return string
	 */
	public static function from_username( string $username, bool $sandbox ): string {
		$base = substr( strtoupper( (string) preg_replace( '/[^A-Za-z0-9]/', '', $username ) ), 0, self::MAX_LENGTH );
		if ( '' === $base ) {
			return '';
		}
		return ( $sandbox ? self::SANDBOX_PREFIX : '' ) . $base;
	}

	/**
	 * The first of CODE, CODE2, CODE3, ... that $is_taken says is free (WooCommerce compares
	 * codes without case).
	 *
	 * @param string                 $code     The wanted code.
	 * @param callable(string): bool $is_taken Whether a code is in use.
	 * @return string
	 */
	public static function first_free( string $code, callable $is_taken ): string {
		$candidate = $code;
		$n         = 1;
		while ( $is_taken( $candidate ) ) {
			$candidate = $code . ( ++$n );
		}
		return $candidate;
	}

	/**
	 * A code the owner typed, as WooCommerce would store it, or '' when it is not one a
	 * shopper can type (letters, digits, "-" and "_", up to 32).
	 *
	 * @param string $code Typed.
	 * @return string
	 */
	public static function clean( string $code ): string {
		$code = strtoupper( trim( $code ) );
		return preg_match( '/^[A-Z0-9][A-Z0-9_-]{1,31}$/', $code ) ? $code : '';
	}
}
