<?php
/**
 * The shopper's side: the "Connect with Instagram" button ([igsync_connect] and the
 * igsync/connect block), the start of the flow and the callback. Every way out of the flow sends the shopper back to the page they
 * started from with a notice (Igsync_Shopper_Notices); none shows JSON or an error page.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Connect button, start and callback handlers.
 */
final class Igsync_Connect {

	const RETURN_COOKIE = 'igsync_return';

	const BLOCK_EDITOR_SCRIPT = 'igsync-connect-editor';

	/**
	 * Shortcode and notices.
	 */
	public static function register(): void {
		add_shortcode( 'igsync_connect', array( __CLASS__, 'shortcode' ) );
		// The editor script is registered here with its dependencies (block.json names its
		// handle): plain JavaScript on wp.* globals, no build step and no generated asset file.
		wp_register_script( self::BLOCK_EDITOR_SCRIPT, plugins_url( 'blocks/connect/index.js', IGSYNC_BRIDGE_FILE ), array( 'wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-server-side-render', 'wp-i18n' ), IGSYNC_BRIDGE_VERSION, true );
		wp_set_script_translations( self::BLOCK_EDITOR_SCRIPT, 'igsync-bridge', IGSYNC_BRIDGE_DIR . '/languages' );
		register_block_type( IGSYNC_BRIDGE_DIR . '/blocks/connect' );
		Igsync_Shopper_Notices::register();
	}

	/**
	 * [igsync_connect label="…"]: the notice (on return), the status and the button.
	 *
	 * @param array<string, string>|string $atts Shortcode attributes.
	 * @return string
	 */
	public static function shortcode( $atts ): string {
		$atts = shortcode_atts( array( 'label' => __( 'Connect with Instagram', 'igsync-bridge' ) ), is_array( $atts ) ? $atts : array(), 'igsync_connect' );
		return self::render( (string) $atts['label'], 'shortcode', self::button_class() );
	}

	/**
	 * The theme's button classes, and WooCommerce's when it is active (its themes style
	 * "button"), so the link looks like every other button of the shop.
	 *
	 * @return string
	 */
	public static function button_class(): string {
		return 'wp-block-button__link wp-element-button' . ( class_exists( 'WooCommerce' ) ? ' button' : '' );
	}

	/**
	 * Notice + status + button.
	 *
	 * @param string $label        Button text.
	 * @param string $source       Which button (sent with the lead).
	 * @param string $button_class The button's classes.
	 * @param array  $start_args   More arguments for the start route (see igsync_start_context).
	 * @return string
	 */
	public static function render( string $label, string $source, string $button_class, array $start_args = array() ): string {
		$html = Igsync_Shopper_Notices::render();
		if ( ! Igsync_Settings::is_configured() ) {
			if ( current_user_can( 'manage_options' ) ) {
				$html .= Igsync_Template::render(
					'notice',
					array(
						'kind' => 'info',
						'text' => __( 'Only you can see this: the Instagram button appears here once igsync is set up (Settings > igsync).', 'igsync-bridge' ),
					)
				);
			}
			return $html;
		}
		$user   = get_current_user_id();
		$status = $user ? Igsync_Shopper_Status::get( $user ) : '';
		if ( Igsync_Status::NEEDS_RECONNECT === $status ) {
			$label = __( 'Reconnect Instagram', 'igsync-bridge' );
		}
		if ( Igsync_Status::CONNECTING === $status ) {
			// The page shows the connection by itself once the lead is in: no reload by hand.
			wp_enqueue_script( 'igsync-connecting', plugins_url( 'assets/igsync-connecting.js', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION, true );
		}
		$start = add_query_arg(
			array_filter(
				array_merge(
					array_map( 'rawurlencode', $start_args ),
					array(
						'return_to'     => rawurlencode( self::current_url() ),
						'source'        => sanitize_key( $source ),
						'_igsync_nonce' => $user ? wp_create_nonce( 'igsync_connect' ) : null,
					)
				)
			),
			rest_url( Igsync_Rest::NS . '/start' )
		);
		$args  = array(
			'status'       => $status,
			'username'     => $user ? (string) get_user_meta( $user, 'igsync_ig_username', true ) : '',
			'start_url'    => $start,
			'consent'      => Igsync_Consent::text(),
			'privacy_url'  => (string) get_privacy_policy_url(),
			/**
			 * Filters the connect button's text.
			 *
			 * @since 0.3.0
			 *
			 * @param string $label  The text.
			 * @param string $source Which button: "block", "shortcode", "my-account",
			 *                       "my-account-tab" or "thank-you".
			 */
			'label'        => (string) apply_filters( 'igsync_connect_button_label', $label, $source ),
			'button_class' => $button_class,
		);
		/**
		 * Filters the connect block's markup (status and button) before it is shown.
		 *
		 * @since 0.3.0
		 *
		 * @param string               $html The markup.
		 * @param array<string, mixed> $args What it was made from: status, username, start_url,
		 *                                   label, button_class.
		 */
		return $html . (string) apply_filters( 'igsync_connect_button_html', Igsync_Template::render( 'connect', $args ), $args );
	}

	/**
	 * The page being viewed (its real address, sub-path included), without our arguments.
	 *
	 * @return string
	 */
	private static function current_url(): string {
		$host = isset( $_SERVER['HTTP_HOST'] ) ? sanitize_text_field( wp_unslash( $_SERVER['HTTP_HOST'] ) ) : '';
		$uri  = isset( $_SERVER['REQUEST_URI'] ) ? esc_url_raw( wp_unslash( $_SERVER['REQUEST_URI'] ) ) : '/';
		$url  = '' === $host ? home_url( '/' ) : set_url_scheme( 'http://' . $host . $uri );
		return self::on_this_site( remove_query_arg( array( 'igsync_notice' ), $url ) );
	}

	/**
	 * GET igsync/v1/start: a new state, then off to the authorize page.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function start( WP_REST_Request $request ): WP_REST_Response {
		$return = self::on_this_site( rawurldecode( (string) $request->get_param( 'return_to' ) ) );
		if ( ! Igsync_Settings::is_configured() ) {
			return self::back( $return, 'unavailable' );
		}
		$user_id = Igsync_State::visitor_id();
		if ( $user_id ) {
			wp_set_current_user( $user_id ); // Nonces are per user; REST did not set one without a nonce.
			if ( ! wp_verify_nonce( (string) $request->get_param( '_igsync_nonce' ), 'igsync_connect' ) ) {
				return self::back( $return, 'expired_link' );
			}
		}
		if ( Igsync_Settings::is_sandbox() && ! Igsync_Health::sandbox_answers( Igsync_Settings::get( 'authorize_url' ) ) ) {
			return self::back( $return, 'unavailable' ); // The shop's notice, not the browser's error page.
		}
		self::remember_return( $return );
		$source = substr( sanitize_key( (string) $request->get_param( 'source' ) ), 0, 64 );
		/**
		 * Filters what WordPress vouches for about this connection besides the logged-in user:
		 * "email" and "wc_order_id" (the WooCommerce integration fills them from an order whose
		 * key the start link carries). Anything else is dropped.
		 *
		 * @since 0.3.0
		 *
		 * @param array           $context Empty.
		 * @param WP_REST_Request $request The start request.
		 * @param int             $user_id The logged-in user, or 0.
		 */
		$context = (array) apply_filters( 'igsync_start_context', array(), $request, $user_id );
		$context = array_intersect_key( $context, array_flip( array( 'email', 'wc_order_id' ) ) );
		$context = array_merge( $context, array( 'consent' => Igsync_Consent::current() ) ); // What the button's page told the shopper.
		$state   = Igsync_State::create( $user_id, Igsync_State::binding( $user_id, true ), $return, $source, $context );
		$query   = array(
			'client_id'     => rawurlencode( Igsync_Settings::get( 'app_id' ) ),
			'redirect_uri'  => rawurlencode( Igsync_Settings::redirect_uri() ),
			'response_type' => 'code',
			'scope'         => rawurlencode( Igsync_Settings::scopes() ),
			'state'         => $state,
		);
		$fb      = Igsync_Settings::get( 'enable_fb_login' );
		if ( '' !== $fb ) {
			$query['enable_fb_login'] = 'on' === $fb ? '1' : '0'; // Meta's parameter; left out, Instagram decides.
		}
		return self::redirect( add_query_arg( $query, Igsync_Settings::get( 'authorize_url' ) ) );
	}

	/**
	 * GET igsync/v1/callback (the redirect URI): check the state, queue the code, forward it,
	 * send the shopper back.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function callback( WP_REST_Request $request ): WP_REST_Response {
		$user_id = Igsync_State::visitor_id();
		$state   = Igsync_State::consume( (string) $request->get_param( 'state' ), Igsync_State::binding( $user_id, false ) );
		if ( is_wp_error( $state ) ) {
			return self::back( self::remembered_return(), 'expired' );
		}
		$return = (string) $state['return'];
		// WP::parse_request() may unset $_GET['error'] (a core query var), so error_reason,
		// which Instagram always sends with it, counts as well.
		$error = (string) ( $request->get_param( 'error_reason' ) ?? $request->get_param( 'error' ) ?? '' );
		if ( '' !== $error ) {
			return self::back( $return, in_array( $error, array( 'user_denied', 'access_denied' ), true ) ? 'denied' : 'error' );
		}
		$code = preg_replace( '/#_$/', '', (string) $request->get_param( 'code' ) );
		if ( '' === $code || ! preg_match( '/^[\x21-\x7e]{1,1024}$/', $code ) ) {
			return self::back( $return, 'error' );
		}
		$user    = $user_id ? get_userdata( $user_id ) : false;
		$vouched = is_array( $state['context'] ?? null ) ? $state['context'] : array();
		$email   = $user && is_email( $user->user_email ) ? $user->user_email : ( $vouched['email'] ?? null );
		$context = array_filter(
			array(
				'wp_user_id'  => $user ? (int) $user->ID : null,
				'email'       => is_string( $email ) && is_email( $email ) ? $email : null,
				'return_url'  => Igsync_Leads::page_without_keys( $return ), // The shopper goes back to $return itself.
				'source'      => '' !== (string) $state['source'] ? (string) $state['source'] : null,
				'wc_order_id' => isset( $vouched['wc_order_id'] ) ? (int) $vouched['wc_order_id'] : null,
			),
			static fn( $value ) => null !== $value
		);
		$consent = is_array( $vouched['consent'] ?? null ) ? $vouched['consent'] : array();
		$queued  = Igsync_Queue::enqueue( $code, Igsync_Settings::redirect_uri(), $context, $consent );
		if ( null !== $queued ) {
			// Kept here: the shopper goes back at once, the daemon is told after the answer.
			Igsync_Forwarder::after_answer( $queued, $code, Igsync_Settings::redirect_uri(), $context );
			return self::back( $return, 'connecting', $user_id );
		}
		// Not kept here (the queue could not take it): only the daemon can keep it, now.
		$forwarded = Igsync_Forwarder::forward( $code, Igsync_Settings::redirect_uri(), $context );
		if ( $forwarded['ok'] ) {
			return self::back( $return, 'connecting', $user_id );
		}
		return self::back( $return, 'failed' ); // Neither kept here nor taken by the daemon.
	}

	/**
	 * Back to $url with a notice; a logged-in shopper whose code is on its way is "connecting".
	 *
	 * @param string $url     Where.
	 * @param string $notice  Which notice.
	 * @param int    $user_id The shopper, when their code is on its way.
	 * @return WP_REST_Response
	 */
	private static function back( string $url, string $notice, int $user_id = 0 ): WP_REST_Response {
		if ( $user_id ) {
			Igsync_Shopper_Status::set_unless_connected( $user_id, Igsync_Status::CONNECTING );
		}
		Igsync_Shopper_Notices::leave( $notice );
		return self::redirect( $url );
	}

	/**
	 * Keeps the page the shopper started from, for a callback whose state is gone.
	 *
	 * @param string $url The page.
	 */
	private static function remember_return( string $url ): void {
		Igsync_Cookie::set( self::RETURN_COOKIE, $url, time() + Igsync_Queue::CODE_LIFETIME );
	}

	/**
	 * The page remembered at the start (checked: on this site only), or the home page.
	 *
	 * @return string
	 */
	private static function remembered_return(): string {
		$url = isset( $_COOKIE[ self::RETURN_COOKIE ] ) ? esc_url_raw( wp_unslash( $_COOKIE[ self::RETURN_COOKIE ] ) ) : '';
		return self::on_this_site( $url );
	}

	/**
	 * $url when it is an address on this site, else the home page (never an open redirect).
	 *
	 * @param string $url Candidate.
	 * @return string
	 */
	private static function on_this_site( string $url ): string {
		$home = home_url( '/' );
		return '' === $url ? $home : wp_validate_redirect( $url, $home );
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
