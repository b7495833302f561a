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
		$body     = (string) wp_json_encode( $payload );
		$response = wp_remote_post(
			self::url( $path ),
			array(
				'timeout'     => $timeout,
				'redirection' => 0,
				'headers'     => array_merge( Igsync_Signature::headers( $body, $path ), array( 'Content-Type' => 'application/json' ) ),
				'body'        => $body,
			)
		);
		Igsync_Signature::learn_from( $response );
		return $response;
	}

	/**
	 * POST {daemon}/v1/forget, signed: the daemon erases the person's customer and token.
	 * True, or why it could not be asked.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return true|string
	 */
	public static function forget( string $ig_user_id ) {
		return self::about_person( '/v1/forget', $ig_user_id );
	}

	/**
	 * POST {daemon}/v1/disconnect, signed: the daemon revokes and erases the person's token
	 * (the customer and the lead stay). True, or why it could not be asked.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return true|string
	 */
	public static function disconnect( string $ig_user_id ) {
		return self::about_person( '/v1/disconnect', $ig_user_id );
	}

	/**
	 * A signed request about one person: true on a 200, else why not.
	 *
	 * @param string $path       Route.
	 * @param string $ig_user_id Instagram user id.
	 * @return true|string
	 */
	private static function about_person( string $path, string $ig_user_id ) {
		$response = self::post_signed( $path, array( 'ig_user_id' => $ig_user_id ), 10 );
		if ( ! is_wp_error( $response ) && 200 === (int) wp_remote_retrieve_response_code( $response ) ) {
			return true;
		}
		return is_wp_error( $response ) ? $response->get_error_message() : 'HTTP ' . (int) wp_remote_retrieve_response_code( $response );
	}
}
