<?php
/**
 * The shopper's side: the "Connect with Instagram" button (shortcode and WooCommerce My
 * Account), the start of the flow, the callback, and the notice shown on return.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Connect button, start and callback handlers.
 */
final class Igsync_Connect {

	const NOTICE_ARG = 'igsync_notice';

	const NOTICES = array(
		'connected'     => array( 'success', 'Your Instagram account is connected. Thank you!' ),
		'pending'       => array( 'success', 'Thanks! We are finishing the connection to your Instagram account; it will show here shortly.' ),
		'denied'        => array( 'info', 'You cancelled the connection to Instagram. You can connect any time.' ),
		'invalid_state' => array( 'error', 'That Instagram connection link has expired or was already used. Please try again.' ),
		'error'         => array( 'error', 'Instagram did not send a valid answer. Please try again.' ),
	);

	/**
	 * Shortcode and WooCommerce hooks.
	 */
	public static function register(): void {
		add_shortcode( 'igsync_connect', array( __CLASS__, 'shortcode' ) );
		if ( class_exists( 'WooCommerce' ) ) {
			add_action( 'woocommerce_account_dashboard', array( __CLASS__, 'my_account' ) );
		}
	}

	/**
	 * [igsync_connect label="…"]: the notice (on return) and the button.
	 *
	 * @param array<string, string>|string $atts Shortcode attributes.
	 * @return string
	 */
	public static function shortcode( $atts ): string {
		$atts = shortcode_atts( array( 'label' => __( 'Connect with Instagram', 'igsync-bridge' ) ), is_array( $atts ) ? $atts : array(), 'igsync_connect' );
		return self::render( (string) $atts['label'], 'shortcode' );
	}

	/**
	 * The button on WooCommerce's My Account dashboard.
	 */
	public static function my_account(): void {
		echo self::render( __( 'Connect with Instagram', 'igsync-bridge' ), 'my-account' ); // phpcs:ignore WordPress.Security.EscapeOutput -- built from escaped parts.
	}

	/**
	 * Notice + connected status + button.
	 *
	 * @param string $label  Button text.
	 * @param string $source Which button.
	 * @return string
	 */
	private static function render( string $label, string $source ): string {
		$html   = self::notice_html();
		$user   = get_current_user_id();
		$handle = $user ? (string) get_user_meta( $user, 'igsync_ig_username', true ) : '';
		if ( '' !== $handle ) {
			/* translators: %s: Instagram username */
			$html .= '<p class="igsync-connected">' . esc_html( sprintf( __( 'Connected to Instagram as @%s.', 'igsync-bridge' ), $handle ) ) . '</p>';
		}
		if ( ! Igsync_Settings::is_configured() ) {
			return $html . ( current_user_can( 'manage_options' ) ? '<p class="igsync-unconfigured">' . esc_html__( 'igsync is not configured yet (Settings > igsync).', 'igsync-bridge' ) . '</p>' : '' );
		}
		$start = add_query_arg(
			array_filter(
				array(
					'return_to'     => rawurlencode( self::current_url() ),
					'source'        => $source,
					'_igsync_nonce' => $user ? wp_create_nonce( 'igsync_connect' ) : null,
				)
			),
			rest_url( 'igsync/v1/start' )
		);
		return $html . '<p><a class="button igsync-connect" id="igsync-connect" href="' . esc_url( $start ) . '">' . esc_html( $label ) . '</a></p>';
	}

	/**
	 * The notice for ?igsync_notice=…, if any.
	 *
	 * @return string
	 */
	private static function notice_html(): string {
		$key = isset( $_GET[ self::NOTICE_ARG ] ) ? sanitize_key( wp_unslash( $_GET[ self::NOTICE_ARG ] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- display only.
		if ( ! isset( self::NOTICES[ $key ] ) ) {
			return '';
		}
		list( $kind, $text ) = self::NOTICES[ $key ];
		return '<div class="igsync-notice igsync-notice-' . esc_attr( $kind ) . '" role="status">' . esc_html( $text ) . '</div>';
	}

	/**
	 * This page's URL without our notice argument.
	 *
	 * @return string
	 */
	private static function current_url(): string {
		$uri = isset( $_SERVER['REQUEST_URI'] ) ? esc_url_raw( wp_unslash( $_SERVER['REQUEST_URI'] ) ) : '/';
		return remove_query_arg( self::NOTICE_ARG, home_url( $uri ) );
	}

	/**
	 * GET igsync/v1/start: a new state, then off to the authorize page.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function start( WP_REST_Request $request ) {
		if ( ! Igsync_Settings::is_configured() ) {
			return new WP_Error( 'igsync_not_configured', __( 'Instagram connection is not available right now.', 'igsync-bridge' ), array( 'status' => 503 ) );
		}
		$user_id = Igsync_State::visitor_id();
		if ( $user_id ) {
			wp_set_current_user( $user_id ); // Nonces are per user; REST did not set one without a nonce.
			if ( ! wp_verify_nonce( (string) $request->get_param( '_igsync_nonce' ), 'igsync_connect' ) ) {
				return new WP_Error( 'igsync_bad_nonce', __( 'This connect link has expired; reload the page and try again.', 'igsync-bridge' ), array( 'status' => 403 ) );
			}
		}
		$return = wp_validate_redirect( rawurldecode( (string) $request->get_param( 'return_to' ) ), home_url( '/' ) );
		$source = (string) $request->get_param( 'source' );
		$state  = Igsync_State::create( $user_id, Igsync_State::binding( $user_id, true ), $return, $source );
		$flavour = Igsync_Settings::get( 'api_flavour' );
		$url    = add_query_arg(
			array(
				'client_id'     => rawurlencode( Igsync_Settings::get( 'app_id' ) ),
				'redirect_uri'  => rawurlencode( Igsync_Settings::redirect_uri() ),
				'response_type' => 'code',
				'scope'         => rawurlencode( Igsync_Settings::SCOPES[ $flavour ] ?? Igsync_Settings::SCOPES['instagram_login'] ),
				'state'         => $state,
			),
			Igsync_Settings::get( 'authorize_url' )
		);
		return self::redirect( $url );
	}

	/**
	 * GET igsync/v1/callback (the redirect URI): check the state, queue the code, forward it,
	 * send the shopper back. Never an error page for the shopper.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function callback( WP_REST_Request $request ): WP_REST_Response {
		$user_id = Igsync_State::visitor_id();
		$state   = Igsync_State::consume( (string) $request->get_param( 'state' ), Igsync_State::binding( $user_id, false ) );
		if ( is_wp_error( $state ) ) {
			return self::back( home_url( '/' ), 'invalid_state' );
		}
		$return = (string) $state['return'];
		// WP::parse_request() may unset $_GET['error'] (a core query var), so error_reason,
		// which Instagram always sends with it, counts as well.
		if ( null !== $request->get_param( 'error' ) || null !== $request->get_param( 'error_reason' ) ) {
			return self::back( $return, 'denied' );
		}
		$code = preg_replace( '/#_$/', '', (string) $request->get_param( 'code' ) );
		if ( '' === $code || ! preg_match( '/^[\x21-\x7e]{1,1024}$/', $code ) ) {
			return self::back( $return, 'error' );
		}
		$user    = $user_id ? get_userdata( $user_id ) : false;
		$context = array_filter(
			array(
				'wp_user_id' => $user ? (int) $user->ID : null,
				'email'      => $user && is_email( $user->user_email ) ? $user->user_email : null,
				'return_url' => $return,
				'source'     => '' !== (string) $state['source'] ? substr( (string) $state['source'], 0, 64 ) : null,
			),
			static fn( $value ) => null !== $value
		);
		$queued    = Igsync_Queue::enqueue( $code, Igsync_Settings::redirect_uri(), $context );
		$forwarded = Igsync_Forwarder::forward( $code, Igsync_Settings::redirect_uri(), $context );
		if ( $forwarded['ok'] ) {
			Igsync_Queue::ack( array( $queued['id'] ), $forwarded['daemon_id'] );
			return self::back( $return, 'connected' );
		}
		Igsync_Queue::forward_failed( $queued['id'], $forwarded['error'] );
		return self::back( $return, 'pending' );
	}

	/**
	 * Redirect to $url with a notice.
	 *
	 * @param string $url    Where.
	 * @param string $notice Which notice.
	 * @return WP_REST_Response
	 */
	private static function back( string $url, string $notice ): WP_REST_Response {
		return self::redirect( add_query_arg( self::NOTICE_ARG, $notice, $url ) );
	}

	/**
	 * A 302 from a REST route.
	 *
	 * @param string $url Where.
	 * @return WP_REST_Response
	 */
	private static function redirect( string $url ): WP_REST_Response {
		$response = new WP_REST_Response( null, 302 );
		$response->header( 'Location', $url );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}
}
