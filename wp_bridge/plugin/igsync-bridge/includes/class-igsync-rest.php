<?php
/**
 * REST routes (namespace igsync/v1). Every route has a permission_callback: the shopper's
 * routes are public (the state is their protection), the daemon's are signed.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Route registration and the daemon-facing handlers.
 */
final class Igsync_Rest {

	const NS = 'igsync/v1';

	/** The 4xx answers a client retries (the daemon's wp_bridge/wordpress.py names the same). */
	const RETRYABLE_CLIENT_STATUSES = array( 408, 409, 425, 429 );

	/** The header every answer carries to say how many leads one POST leads/batch may hold. */
	const BATCH_HEADER = 'igsync-lead-batch';

	/** At most this many leads in one batch (the daemon sends fewer when it has fewer). */
	const BATCH_MAX_LEADS = 50;

	/** And at most this many bytes of body: a page of leads, never a PHP memory limit. */
	const BATCH_MAX_BYTES = 262144;

	/**
	 * Every answer of this plugin's routes says it checks bound signatures, so that a daemon
	 * learns to drop the unbound one it adds while it does not know (Igsync_Signature).
	 *
	 * @param WP_HTTP_Response|mixed $response The answer.
	 * @param WP_REST_Server         $server   The server.
	 * @param WP_REST_Request        $request  The request.
	 * @return WP_HTTP_Response|mixed
	 */
	public static function announce_signing( $response, $server, $request ) {
		if ( $response instanceof WP_HTTP_Response && $request instanceof WP_REST_Request && 0 === strpos( $request->get_route(), '/' . self::NS . '/' ) ) {
			$response->header( Igsync_Signature::HEADER, 'bound' );
			// A daemon that has seen this sends due leads together; an older plugin never says it.
			$response->header( self::BATCH_HEADER, (string) self::BATCH_MAX_LEADS );
		}
		return $response;
	}

	/**
	 * Registers every route.
	 */
	public static function register_routes(): void {
		// The shopper's browser comes to these two: their parameters are checked inside, so that
		// anything wrong ends in a notice on the shop's page, never in a JSON error.
		register_rest_route(
			self::NS,
			'/start',
			array(
				'methods'             => 'GET',
				'callback'            => array( 'Igsync_Connect', 'start' ),
				'permission_callback' => '__return_true', // Anyone may start; the state binds the visitor.
			)
		);
		register_rest_route(
			self::NS,
			'/callback',
			array(
				'methods'             => 'GET',
				'callback'            => array( 'Igsync_Connect', 'callback' ),
				'permission_callback' => '__return_true', // Instagram sends the shopper here; the state is checked inside.
			)
		);
		register_rest_route(
			self::NS,
			'/unpair',
			array(
				'methods'             => 'POST',
				'callback'            => array( 'Igsync_Pairing', 'unpair' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_current_request' ),
			)
		);
		register_rest_route(
			self::NS,
			'/pair',
			array(
				'methods'             => 'POST',
				'callback'            => array( 'Igsync_Pairing', 'pair' ),
				'permission_callback' => '__return_true', // The one-time code is the credential, checked inside; five wrong ones lock it.
				'args'                => array(
					'code'          => array(
						'type'     => 'string',
						'required' => true,
					),
					'shared_secret' => array(
						'type'     => 'string',
						'required' => true,
					),
					'daemon_url'    => array(
						'type'     => 'string',
						'required' => true,
					),
					'app_id'        => array(
						'type'    => 'string',
						'default' => '',
					),
					'api_flavour'   => array(
						'type'    => 'string',
						'default' => 'instagram_login',
					),
					'daemon_host'   => array(
						'type'    => 'string',
						'default' => '',
					),
				),
			)
		);
		register_rest_route(
			self::NS,
			'/queue',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'queue' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
				'args'                => array(
					'limit' => array(
						'type'    => 'integer',
						'minimum' => 1,
						'maximum' => 500,
						'default' => 100,
					),
				),
			)
		);
		register_rest_route(
			self::NS,
			'/queue/ack',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'ack' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
				'args'                => array(
					'ids'      => array(
						'type'     => 'array',
						'required' => true,
						'maxItems' => 500,
						'items'    => array(
							'type'    => 'integer',
							'minimum' => 1,
						),
					),
					'meta_ids' => array(
						'type'     => 'array',
						'required' => false,
						'default'  => array(),
						'maxItems' => 500,
						'items'    => array(
							'type'    => 'integer',
							'minimum' => 1,
						),
					),
				),
			)
		);
		register_rest_route(
			self::NS,
			'/ping',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'ping' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
			)
		);
		register_rest_route(
			self::NS,
			'/leads',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'lead' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
				// No 'args': WordPress would check them before the signature. The handler
				// validates against Igsync_Lead_Schema::schema() and answers 422 naming the field.
			)
		);
		register_rest_route(
			self::NS,
			'/leads/batch',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'leads_batch' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
				// {"leads": [lead, ...]}: each lead as the single route takes it, answered one by one.
			)
		);
		register_rest_route(
			self::NS,
			'/codes/outcome',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'code_outcome' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
				'args'                => array(
					'code_hash' => array(
						'type'     => 'string',
						'required' => true,
						'pattern'  => '^[a-f0-9]{64}$',
					),
					'status'    => array(
						'type'     => 'string',
						'required' => true,
						'enum'     => array( 'interrupted', 'failed' ),
					),
					'reason'    => array(
						'type'      => 'string',
						'maxLength' => 500,
					),
				),
			)
		);
		$signed_request = array(
			'signed_request' => array(
				'type'      => 'string',
				'required'  => true,
				'maxLength' => 2048, // Meta's are a few hundred characters.
				'pattern'   => '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
			),
		);
		foreach ( array( 'deauthorize', 'data-deletion' ) as $callback ) {
			register_rest_route(
				self::NS,
				'/meta/' . $callback,
				array(
					'methods'             => 'POST',
					'callback'            => array( 'Igsync_Meta', str_replace( '-', '_', $callback ) ),
					'permission_callback' => '__return_true', // Meta calls it; the daemon verifies the signed_request.
					'args'                => $signed_request,
				)
			);
		}
		register_rest_route(
			self::NS,
			'/meta/deletion-status',
			array(
				'methods'             => 'GET',
				'callback'            => array( 'Igsync_Meta', 'deletion_status' ),
				'permission_callback' => '__return_true', // The person Meta sent here; the code is the key.
				'args'                => array(
					'code' => array(
						'type'     => 'string',
						'required' => true,
						'pattern'  => '^[a-f0-9]{16,32}$',
					),
				),
			)
		);
		register_rest_route(
			self::NS,
			'/erase',
			array(
				'methods'             => 'POST',
				'callback'            => array( 'Igsync_Meta', 'erase' ),
				'permission_callback' => array( 'Igsync_Signature', 'verify_request' ),
				'args'                => array(
					'ig_user_id'        => array(
						'type'     => 'string',
						'required' => true,
						'pattern'  => '^[0-9]{1,64}$',
					),
					'confirmation_code' => array(
						'type'     => 'string',
						'required' => true,
						'pattern'  => '^[a-f0-9]{16,32}$',
					),
				),
			)
		);
	}

	/**
	 * GET igsync/v1/queue: codes the daemon has not acknowledged (its catch-up poll).
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function queue( WP_REST_Request $request ): WP_REST_Response {
		Igsync_Queue::prune();
		$limit    = (int) $request->get_param( 'limit' );
		$response = new WP_REST_Response(
			array(
				'codes' => Igsync_Queue::pending( $limit ),
				'meta'  => Igsync_Meta_Queue::pending( $limit ),
			)
		);
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * GET igsync/v1/ping: the daemon's signature was accepted (its half of Test connection).
	 *
	 * @return WP_REST_Response
	 */
	public static function ping(): WP_REST_Response {
		return new WP_REST_Response(
			array(
				'status'         => 'ok',
				'plugin_version' => IGSYNC_BRIDGE_VERSION,
			)
		);
	}

	/**
	 * POST igsync/v1/queue/ack: the daemon stored these codes.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function ack( WP_REST_Request $request ): WP_REST_Response {
		$acked  = Igsync_Queue::ack( (array) $request->get_param( 'ids' ) );
		$acked += Igsync_Meta_Queue::ack( (array) $request->get_param( 'meta_ids' ) );
		return new WP_REST_Response( array( 'acked' => $acked ) );
	}

	/**
	 * POST igsync/v1/leads: upsert a lead by its idempotency key.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function lead( WP_REST_Request $request ) {
		$lead   = json_decode( $request->get_body(), true );
		$result = self::store_lead( $lead, (string) $request->get_header( 'idempotency-key' ) );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response(
			array(
				'status' => $result,
				'key'    => (string) $lead['idempotency_key'],
			),
			'created' === $result ? 201 : 200
		);
	}

	/**
	 * POST igsync/v1/leads/batch: the leads the daemon had due together, in one signed request
	 * (one WordPress boot for all of them). Each is validated and upserted by its own
	 * idempotency key exactly as the single route does it, and answered in its place in
	 * `results`: stored ("created", "updated", "ignored"), or refused with its HTTP status and
	 * reason (a 4xx of its own; 503 or 409: send it again later). One bad lead refuses only
	 * itself. The batch as a whole is refused (4xx) only when it is not a list of leads.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function leads_batch( WP_REST_Request $request ) {
		if ( strlen( $request->get_body() ) > self::BATCH_MAX_BYTES ) {
			return new WP_Error( 'igsync_batch_too_large', sprintf( 'a batch holds at most %d bytes; send fewer leads at a time', self::BATCH_MAX_BYTES ), array( 'status' => 413 ) );
		}
		$body  = json_decode( $request->get_body(), true );
		$leads = is_array( $body ) ? ( $body['leads'] ?? null ) : null;
		if ( ! is_array( $leads ) || array_values( $leads ) !== $leads || ! $leads ) {
			return new WP_Error( 'igsync_invalid_batch', 'the body must be {"leads": [lead, ...]} with at least one lead', array( 'status' => 422 ) );
		}
		if ( count( $leads ) > self::BATCH_MAX_LEADS ) {
			return new WP_Error( 'igsync_batch_too_large', sprintf( 'a batch holds at most %d leads', self::BATCH_MAX_LEADS ), array( 'status' => 413 ) );
		}
		$results = array();
		foreach ( $leads as $lead ) {
			$key    = is_array( $lead ) && is_string( $lead['idempotency_key'] ?? null ) ? $lead['idempotency_key'] : null;
			$result = self::store_lead( $lead );
			if ( is_wp_error( $result ) ) {
				$data      = $result->get_error_data();
				$results[] = array(
					'key'         => $key,
					'http_status' => is_array( $data ) ? (int) ( $data['status'] ?? 500 ) : 500,
					'code'        => $result->get_error_code(),
					'message'     => $result->get_error_message(),
				);
				continue;
			}
			$results[] = array(
				'key'         => $key,
				'http_status' => 'created' === $result ? 201 : 200,
				'status'      => $result,
			);
		}
		return new WP_REST_Response( array( 'results' => $results ), 200 );
	}

	/**
	 * One lead of a push or a batch: validated, then stored; "created", "updated", "ignored",
	 * or why not (refusals of its own counted for the settings page).
	 *
	 * @param mixed  $lead   The decoded lead.
	 * @param string $header The single push's Idempotency-Key header, which must name the same key.
	 * @return string|WP_Error
	 */
	private static function store_lead( $lead, string $header = '' ) {
		$ok = Igsync_Lead_Schema::validate( $lead );
		if ( is_wp_error( $ok ) ) {
			return self::refused( $ok );
		}
		if ( '' !== $header && ! hash_equals( (string) $lead['idempotency_key'], $header ) ) {
			return self::refused( new WP_Error( 'igsync_key_mismatch', 'Idempotency-Key header and idempotency_key differ', array( 'status' => 400 ) ) );
		}
		$result = Igsync_Leads::store( $lead );
		return is_wp_error( $result ) ? self::refused( $result ) : $result;
	}

	/**
	 * A lead WordPress will not take: counted for the settings page when the daemon will not
	 * send it again (a 4xx), then answered.
	 *
	 * @param WP_Error $error Why.
	 * @return WP_Error
	 */
	private static function refused( WP_Error $error ): WP_Error {
		$data   = $error->get_error_data();
		$status = is_array( $data ) ? (int) ( $data['status'] ?? 0 ) : 0;
		if ( $status >= 400 && $status < 500 && ! in_array( $status, self::RETRYABLE_CLIENT_STATUSES, true ) ) {
			Igsync_Health::lead_refused( $error->get_error_message() );
		}
		return $error;
	}

	/**
	 * POST igsync/v1/codes/outcome (signed, from the daemon): a code ended without a lead.
	 * Its shopper, when logged in, sees "please connect again" and other plugins hear of it.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function code_outcome( WP_REST_Request $request ): WP_REST_Response {
		$reason  = (string) $request->get_param( 'reason' );
		$status  = (string) $request->get_param( 'status' );
		$context = Igsync_Queue::record_outcome( (string) $request->get_param( 'code_hash' ), $status . ': ' . $reason );
		if ( null === $context ) {
			return new WP_REST_Response( array( 'status' => 'unknown' ), 200 ); // Nothing here to tell.
		}
		$user_id = (int) ( $context['wp_user_id'] ?? 0 );
		if ( $user_id && get_userdata( $user_id ) ) {
			Igsync_Shopper_Status::set_unless_connected( $user_id, Igsync_Status::INTERRUPTED );
		}
		/**
		 * Fires when a shopper's connection could not be finished and they must connect again
		 * (their code's exchange was interrupted; it is never sent twice).
		 *
		 * @since 0.3.0
		 *
		 * @param int                  $user_id The WordPress user, 0 for a guest.
		 * @param array<string, mixed> $context What the code was forwarded with (email, return_url, …).
		 * @param string               $reason  Why, from the daemon.
		 */
		do_action( 'igsync_connection_interrupted', $user_id, $context, $reason );
		return new WP_REST_Response( array( 'status' => 'recorded' ), 200 );
	}
}
