<?php
/**
 * Forwards a queued code to the daemon's intake, signed, with a short timeout: the shopper is
 * waiting, and a daemon that is down is caught up later by its poll of the queue.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST {daemon}/v1/codes.
 */
final class Igsync_Forwarder {

	const TIMEOUT = 3;

	/**
	 * Forwards one code.
	 *
	 * @param string               $code         The authorization code.
	 * @param string               $redirect_uri The redirect URI it was issued for.
	 * @param array<string, mixed> $context      wp_user_id, email, return_url, source.
	 * @return array{ok: bool, daemon_id: int|null, error: string}
	 */
	public static function forward( string $code, string $redirect_uri, array $context ): array {
		$response = Igsync_Daemon::post_signed(
			'/v1/codes',
			array(
				'code'         => $code,
				'redirect_uri' => $redirect_uri,
				'received_at'  => gmdate( 'Y-m-d\TH:i:s\Z' ),
				'context'      => (object) $context,
			),
			self::TIMEOUT
		);
		Igsync_Health::observe_forward( $response );
		if ( is_wp_error( $response ) ) {
			return array(
				'ok'        => false,
				'daemon_id' => null,
				'error'     => 'daemon unreachable (' . $response->get_error_code() . ')',
			);
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$answer = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 === $status || 202 === $status ) {
			$id = is_array( $answer ) && isset( $answer['id'] ) ? (int) $answer['id'] : null;
			return array(
				'ok'        => true,
				'daemon_id' => $id,
				'error'     => '',
			);
		}
		$reason = is_array( $answer ) && isset( $answer['error'] ) ? (string) $answer['error'] : 'no reason';
		return array(
			'ok'        => false,
			'daemon_id' => null,
			'error'     => "daemon answered {$status} ({$reason})",
		);
	}
}
