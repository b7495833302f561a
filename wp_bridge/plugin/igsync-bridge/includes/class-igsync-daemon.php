<?php
/**
 * Where the igsync daemon is, and a signed JSON request to it (Standard Webhooks headers): what
 * the code forward, Test connection and the privacy eraser all send.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The daemon, seen from WordPress.
 */
final class Igsync_Daemon {

	/**
	 * A URL on the daemon (Settings > igsync > Daemon URL).
	 *
	 * @param string $path Route, with its leading slash.
	 * @return string
	 */
	public static function url( string $path = '' ): string {
		return untrailingslashit( Igsync_Settings::get( 'daemon_url' ) ) . $path;
	}

	/**
	 * POST $payload as JSON to a daemon route, signed with the shared secret.
	 *
	 * @param string                      $path    Route.
	 * @param array<string, mixed>|object $payload The body, before JSON encoding.
	 * @param int                         $timeout Seconds.
	 * @return array<string, mixed>|WP_Error The HTTP response.
	 */
	public static function post_signed( string $path, $payload, int $timeout ) {
		$body = (string) wp_json_encode( $payload );
		return wp_remote_post(
			self::url( $path ),
			array(
				'timeout'     => $timeout,
				'redirection' => 0,
				'headers'     => array_merge( Igsync_Signature::headers( $body ), array( 'Content-Type' => 'application/json' ) ),
				'body'        => $body,
			)
		);
	}
}
