<?php
/**
 * Meta's deauthorize and data-deletion callbacks, for shops whose daemon Meta cannot reach:
 * the plugin relays the signed_request to the daemon unchanged (the daemon holds the app secret
 * and verifies it), and answers Meta with the daemon's answer. The daemon then tells the plugin
 * to erase the person's leads and user meta through the signed erase route.
 *
 * When the daemon cannot be reached, nothing is lost: the callback is kept as it came
 * (Igsync_Meta_Queue) for the daemon's catch-up poll, and Meta is answered at once; for a data
 * deletion with a confirmation code and a status URL that says "pending" until the daemon has
 * erased the person.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Relays and the erase handler.
 */
final class Igsync_Meta {

	const TIMEOUT = 10;

	/**
	 * POST igsync/v1/meta/deauthorize: relayed to the daemon.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function deauthorize( WP_REST_Request $request ) {
		$signed   = (string) $request->get_param( 'signed_request' );
		$response = self::relay( '/v1/meta/deauthorize', $signed );
		if ( ! self::unreachable( $response ) ) {
			return $response;
		}
		if ( null === Igsync_Meta_Queue::enqueue( 'deauthorize', $signed, null ) ) {
			return $response; // Not kept either: Meta must call again.
		}
		return new WP_REST_Response( array( 'status' => 'queued' ) );
	}

	/**
	 * POST igsync/v1/meta/data-deletion: relayed; the status URL Meta shows the person is ours.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function data_deletion( WP_REST_Request $request ) {
		$signed   = (string) $request->get_param( 'signed_request' );
		$response = self::relay( '/v1/meta/data-deletion', $signed );
		if ( self::unreachable( $response ) ) {
			$code = bin2hex( random_bytes( 8 ) );
			if ( null === Igsync_Meta_Queue::enqueue( 'data-deletion', $signed, $code ) ) {
				return $response; // Not kept either: Meta must call again.
			}
			return self::receipt( $code );
		}
		if ( $response instanceof WP_REST_Response && 200 === $response->get_status() ) {
			$answer = (array) $response->get_data();
			return self::receipt( (string) ( $answer['confirmation_code'] ?? '' ) );
		}
		return $response;
	}

	/**
	 * Meta's answer to a data-deletion request: the status URL and the confirmation code.
	 *
	 * @param string $code Confirmation code.
	 * @return WP_REST_Response
	 */
	private static function receipt( string $code ): WP_REST_Response {
		$response = new WP_REST_Response(
			array(
				'url'               => add_query_arg( 'code', rawurlencode( $code ), rest_url( Igsync_Rest::NS . '/meta/deletion-status' ) ),
				'confirmation_code' => $code,
			)
		);
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * Whether the daemon could not take the callback (down, or failing): keep it, then.
	 *
	 * @param WP_REST_Response|WP_Error $response The relay's outcome.
	 * @return bool
	 */
	private static function unreachable( $response ): bool {
		if ( is_wp_error( $response ) ) {
			$status = (int) ( $response->get_error_data()['status'] ?? 500 );
			return $status >= 500;
		}
		return $response->get_status() >= 500;
	}

	/**
	 * GET igsync/v1/meta/deletion-status?code=...: the daemon's answer, relayed.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function deletion_status( WP_REST_Request $request ) {
		$code = (string) $request->get_param( 'code' );
		if ( Igsync_Meta_Queue::is_waiting( $code ) ) {
			$response = new WP_REST_Response(
				array(
					'confirmation_code' => $code,
					'status'            => 'pending',
				)
			);
			$response->header( 'Cache-Control', 'no-store' );
			return $response;
		}
		$response = wp_remote_get(
			Igsync_Daemon::url( '/v1/meta/deletions/' . rawurlencode( $code ) ),
			array(
				'timeout'     => self::TIMEOUT,
				'redirection' => 0,
			)
		);
		return self::answer( $response );
	}

	/**
	 * POST igsync/v1/erase (signed by the daemon): erase the person's leads and user meta.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function erase( WP_REST_Request $request ): WP_REST_Response {
		$ig_user_id = (string) $request->get_param( 'ig_user_id' );
		$erased     = Igsync_Leads::erase( $ig_user_id );
		return new WP_REST_Response(
			array(
				'erased_leads'      => $erased['leads'],
				'erased_users'      => $erased['users'],
				'confirmation_code' => (string) $request->get_param( 'confirmation_code' ),
			)
		);
	}

	/**
	 * POSTs the signed_request to the daemon as Meta would have.
	 *
	 * @param string $path           Daemon route.
	 * @param string $signed_request Meta's signed_request, unchanged.
	 * @return WP_REST_Response|WP_Error
	 */
	private static function relay( string $path, string $signed_request ) {
		$response = wp_remote_post(
			Igsync_Daemon::url( $path ),
			array(
				'timeout'     => self::TIMEOUT,
				'redirection' => 0,
				'body'        => array( 'signed_request' => $signed_request ),
			)
		);
		return self::answer( $response );
	}

	/**
	 * The daemon's JSON answer with its status, or a 503 when it cannot be reached.
	 *
	 * @param array<string, mixed>|WP_Error $response The HTTP response.
	 * @return WP_REST_Response|WP_Error
	 */
	private static function answer( $response ) {
		if ( is_wp_error( $response ) ) {
			return new WP_Error( 'igsync_daemon_unreachable', 'igsync is not reachable; try again later', array( 'status' => 503 ) );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$body   = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( ! is_array( $body ) ) {
			return new WP_Error( 'igsync_daemon_unreadable', 'igsync answered something unexpected', array( 'status' => 502 ) );
		}
		$result = new WP_REST_Response( $body, $status );
		$result->header( 'Cache-Control', 'no-store' );
		return $result;
	}
}
