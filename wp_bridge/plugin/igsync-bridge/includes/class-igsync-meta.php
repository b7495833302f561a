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
 * erased the person. These routes are anonymous, so what is kept is bounded: only what reads
 * as Meta's signed_request (its payload names the algorithm, a user id and when it was issued;
 * the signature itself needs the app secret, which only the daemon has), only on a paired site,
 * at most META_PER_CLIENT an hour from one address and META_QUEUE_CAP waiting in all (Meta is
 * answered 503 beyond that and calls again). Of the daemon's answers only the fields Meta and
 * the person need are passed on.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Relays and the erase handler.
 */
final class Igsync_Meta {

	const TIMEOUT         = 10;
	const META_PER_CLIENT = 60;
	const META_QUEUE_CAP  = 1000;
	const RELAYED         = array( 'status', 'url', 'confirmation_code', 'tokens_revoked', 'requested_at', 'completed_at', 'error' );

	/**
	 * POST igsync/v1/meta/deauthorize: relayed to the daemon.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function deauthorize( WP_REST_Request $request ) {
		$signed  = (string) $request->get_param( 'signed_request' );
		$refusal = self::refusal( $signed );
		if ( null !== $refusal ) {
			return $refusal;
		}
		$response = self::relay( '/v1/meta/deauthorize', $signed );
		if ( ! self::unreachable( $response ) ) {
			self::verified( $response, $signed, 'deauthorize' );
			return $response;
		}
		if ( ! self::may_keep() || null === Igsync_Meta_Queue::enqueue( 'deauthorize', $signed, null ) ) {
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
		$signed  = (string) $request->get_param( 'signed_request' );
		$refusal = self::refusal( $signed );
		if ( null !== $refusal ) {
			return $refusal;
		}
		$response = self::relay( '/v1/meta/data-deletion', $signed );
		if ( self::unreachable( $response ) ) {
			$code = bin2hex( random_bytes( 8 ) );
			if ( ! self::may_keep() || null === Igsync_Meta_Queue::enqueue( 'data-deletion', $signed, $code ) ) {
				return $response; // Not kept either: Meta must call again.
			}
			return self::receipt( $code );
		}
		self::verified( $response, $signed, 'data_deletion' );
		if ( $response instanceof WP_REST_Response && 200 === $response->get_status() ) {
			$answer = (array) $response->get_data();
			return self::receipt( (string) ( $answer['confirmation_code'] ?? '' ) );
		}
		return $response;
	}

	/**
	 * Why a signed_request is not Meta's, before anything is relayed or kept: null when its
	 * payload reads as one (base64url JSON naming HMAC-SHA256, a numeric user id, an issue time).
	 *
	 * @param string $signed Meta's signed_request.
	 * @return WP_Error|null
	 */
	private static function refusal( string $signed ): ?WP_Error {
		if ( ! Igsync_Pairing::is_paired() ) {
			return new WP_Error( 'igsync_not_paired', 'igsync is not set up on this site yet; try again later', array( 'status' => 503 ) );
		}
		$payload = self::payload( $signed );
		$user    = is_array( $payload ) ? ( $payload['user_id'] ?? null ) : null;
		if ( ! is_array( $payload ) || 'HMAC-SHA256' !== strtoupper( (string) ( $payload['algorithm'] ?? '' ) ) || ! ( is_int( $user ) || ( is_string( $user ) && ctype_digit( $user ) ) ) || ! is_int( $payload['issued_at'] ?? null ) ) {
			return new WP_Error( 'igsync_bad_signed_request', 'this is not a signed_request from Meta (its payload must name HMAC-SHA256, a user id and an issue time)', array( 'status' => 400 ) );
		}
		return null;
	}

	/**
	 * The signed_request's payload, read without verifying it (only the daemon holds the app
	 * secret): for the checks above, never for acting on.
	 *
	 * @param string $signed Meta's signed_request.
	 * @return mixed
	 */
	private static function payload( string $signed ) {
		$encoded = strtr( (string) substr( (string) strstr( $signed, '.' ), 1 ), '-_', '+/' );
		$encoded = str_pad( $encoded, (int) ( ceil( strlen( $encoded ) / 4 ) * 4 ), '=' );
		return json_decode( (string) base64_decode( $encoded, true ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- Meta's base64url.
	}

	/**
	 * The daemon answered a callback after verifying its signature: the go-live guide hears
	 * of it, unless it was `igsync review-kit`'s self-test (signed by the daemon, not Meta).
	 *
	 * @param WP_REST_Response|WP_Error $response The daemon's answer.
	 * @param string                    $signed   The signed_request.
	 * @param string                    $kind     "deauthorize" or "data_deletion".
	 */
	private static function verified( $response, string $signed, string $kind ): void {
		$payload = self::payload( $signed );
		if ( $response instanceof WP_REST_Response && 200 === $response->get_status() && empty( $payload['igsync_self_test'] ) ) {
			Igsync_Go_Live::callback_verified( $kind );
		}
	}

	/**
	 * Whether one more callback may be kept for the daemon: within this address's hourly share
	 * and the queue's cap (Meta is answered 503 beyond them, and calls again).
	 *
	 * @return bool
	 */
	private static function may_keep(): bool {
		/**
		 * How many Meta callbacks may wait for the daemon at once.
		 *
		 * @since 0.3.0
		 *
		 * @param int $cap The cap.
		 */
		$cap = (int) apply_filters( 'igsync_meta_queue_cap', self::META_QUEUE_CAP );
		return Igsync_Meta_Queue::waiting() < $cap && Igsync_Throttle::allow( 'meta', Igsync_Throttle::client(), self::META_PER_CLIENT, HOUR_IN_SECONDS );
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
		$relayed = array();
		foreach ( self::RELAYED as $field ) {
			if ( isset( $body[ $field ] ) && is_scalar( $body[ $field ] ) ) {
				$relayed[ $field ] = is_string( $body[ $field ] ) ? substr( $body[ $field ], 0, 300 ) : $body[ $field ];
			}
		}
		$result = new WP_REST_Response( $relayed, $status );
		$result->header( 'Cache-Control', 'no-store' );
		return $result;
	}
}
