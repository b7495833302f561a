<?php
/**
 * The plugin's short-lived cookies for shoppers: for this site's path, HTTP only, SameSite=Lax,
 * Secure on HTTPS.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sets and clears a cookie.
 */
final class Igsync_Cookie {

	/**
	 * Sets $name (an expiry in the past clears it); nothing once the headers are sent.
	 *
	 * @param string $name    Cookie name.
	 * @param string $value   Value.
	 * @param int    $expires Unix time.
	 */
	public static function set( string $name, string $value, int $expires ): void {
		if ( headers_sent() ) {
			return;
		}
		setcookie(
			$name,
			$value,
			array(
				'expires'  => $expires,
				'path'     => COOKIEPATH ? COOKIEPATH : '/',
				'domain'   => COOKIE_DOMAIN ? COOKIE_DOMAIN : '',
				'secure'   => is_ssl(),
				'httponly' => true,
				'samesite' => 'Lax',
			)
		);
	}
}
