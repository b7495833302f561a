<?php
/**
 * Pairing with the igsync daemon: an administrator makes a one-time code in Settings > igsync;
 * `igsync pair CODE` on the server proves it holds the code and hands over what used to be
 * copied by hand (the shared secret, the daemon's address, the app id and API flavour), and is
 * told the redirect URI in return.
 *
 * The code is single use, valid 15 minutes, stored only as a hash; five wrong or expired codes
 * lock pairing for 15 minutes. A new pairing keeps the replaced secret valid for an hour, so
 * what is in flight signed with it is not refused. Every pairing is logged, without secrets.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The pairing code, the route the daemon calls with it, and the pairing log.
 */
final class Igsync_Pairing {

	const OPTION      = 'igsync_pairing';
	const LOG_OPTION  = 'igsync_pairing_log';
	const LIFETIME    = 15 * MINUTE_IN_SECONDS;
	const MAX_FAILURE = 5;
	const OVERLAP     = HOUR_IN_SECONDS;
	const ALPHABET    = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // No 0/O, 1/I: read aloud, typed.

	/**
	 * Settings > igsync > Pair (admin-post.php): a new code, then back to the page showing it.
	 */
	public static function start(): void {
		if ( ! current_user_can( 'manage_options' ) || ! check_admin_referer( 'igsync_pair' ) ) {
			wp_die( esc_html__( 'You are not allowed to pair this site.', 'igsync-bridge' ), 403 );
		}
		$code = '';
		for ( $i = 0; $i < 8; $i++ ) {
			$code .= self::ALPHABET[ random_int( 0, strlen( self::ALPHABET ) - 1 ) ];
		}
		$state = self::state();
		update_option(
			self::OPTION,
			array(
				'code_hash'    => hash( 'sha256', $code ),
				'expires'      => time() + self::LIFETIME,
				'failures'     => $state['failures'],
				'locked_until' => $state['locked_until'],
			),
			false
		);
		// Shown once, to the administrator who asked for it.
		set_transient( 'igsync_pairing_code_' . get_current_user_id(), $code, self::LIFETIME );
		wp_safe_redirect( admin_url( 'options-general.php?page=igsync#igsync-pairing' ) );
		exit;
	}

	/**
	 * The code to show the current administrator, formatted ABCD-EFGH, or '' when none is valid.
	 *
	 * @return string
	 */
	public static function shown_code(): string {
		$code  = (string) get_transient( 'igsync_pairing_code_' . get_current_user_id() );
		$state = self::state();
		if ( '' === $code || '' === $state['code_hash'] || $state['expires'] < time() ) {
			return '';
		}
		return substr( $code, 0, 4 ) . '-' . substr( $code, 4 );
	}

	/**
	 * POST igsync/v1/pair: the daemon presents the code and its settings.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function pair( WP_REST_Request $request ) {
		$state = self::state();
		if ( $state['locked_until'] > time() ) {
			return new WP_Error(
				'igsync_pairing_locked',
				__( 'Pairing is locked after too many wrong codes; try again in 15 minutes.', 'igsync-bridge' ),
				array( 'status' => 429 )
			);
		}
		$code = strtoupper( preg_replace( '/[^A-Za-z0-9]/', '', (string) $request->get_param( 'code' ) ) );
		if ( '' === $state['code_hash'] || $state['expires'] < time() || ! hash_equals( $state['code_hash'], hash( 'sha256', $code ) ) ) {
			self::failed( $state );
			return new WP_Error(
				'igsync_pairing_refused',
				__( 'This pairing code is wrong, used or expired: make a new one in Settings > igsync.', 'igsync-bridge' ),
				array( 'status' => 403 )
			);
		}
		$secret  = (string) $request->get_param( 'shared_secret' );
		$daemon  = esc_url_raw( (string) $request->get_param( 'daemon_url' ), array( 'http', 'https' ) );
		$app_id  = (string) $request->get_param( 'app_id' );
		$flavour = (string) $request->get_param( 'api_flavour' );
		$host    = sanitize_text_field( (string) $request->get_param( 'daemon_host' ) );
		$sandbox = true === $request->get_param( 'sandbox' );
		$wanted  = (string) $request->get_param( 'authorize_url' );
		$page    = esc_url_raw( $wanted, array( 'http', 'https' ) );
		if ( ! Igsync_Signature::is_valid_secret( $secret ) || '' === $daemon || ( '' !== $app_id && ! ctype_digit( $app_id ) ) || ! isset( Igsync_Settings::SCOPES[ $flavour ] ) || ( '' !== $wanted && '' === $page ) || ( $sandbox && '' === $page ) ) {
			return new WP_Error( 'igsync_pairing_malformed', __( 'The daemon sent settings WordPress cannot use.', 'igsync-bridge' ), array( 'status' => 422 ) );
		}
		$settings = get_option( Igsync_Settings::OPTION, array() );
		$settings = is_array( $settings ) ? $settings : array();
		$previous = (string) ( $settings['shared_secret'] ?? '' );
		if ( '' !== $previous && ! hash_equals( $previous, $secret ) ) {
			$settings['previous_secret']   = $previous;
			$settings['previous_until']    = (string) ( time() + self::OVERLAP );
			$settings['secret_rotated_at'] = (string) time();
		}
		$settings['shared_secret'] = $secret;
		$settings['daemon_url']    = $daemon;
		$settings['api_flavour']   = $flavour;
		$settings['authorize_url'] = $page; // '' is Instagram's own page for the flavour.
		$settings['sandbox']       = $sandbox ? '1' : '';
		if ( '' !== $app_id ) {
			$settings['app_id'] = $app_id;
		}
		Igsync_Settings::replace( $settings );
		delete_option( self::OPTION ); // Single use; a success clears the failures too.
		self::log( 'paired', $host, $daemon, $sandbox );
		return new WP_REST_Response(
			array(
				'paired'       => true,
				'redirect_uri' => Igsync_Settings::redirect_uri(),
				'site_url'     => home_url( '/' ),
				'site_name'    => get_bloginfo( 'name' ),
			),
			200
		);
	}

	/**
	 * Settings > igsync > Unpair (admin-post.php): the daemon is told (signed, while the secret
	 * still works), then this site forgets the secret; back to the page saying whether the
	 * daemon heard.
	 */
	public static function unpair_from_admin(): void {
		if ( ! current_user_can( 'manage_options' ) || ! check_admin_referer( 'igsync_unpair' ) ) {
			wp_die( esc_html__( 'You are not allowed to unpair this site.', 'igsync-bridge' ), 403 );
		}
		$user  = wp_get_current_user()->user_login;
		$told  = Igsync_Daemon::post_signed(
			'/v1/unpaired',
			array(
				'site_url' => home_url( '/' ),
				'by'       => $user,
			),
			10
		);
		$heard = ! is_wp_error( $told ) && 200 === wp_remote_retrieve_response_code( $told );
		/* translators: %s: the administrator's user name */
		self::forget( sprintf( __( '%s in wp-admin', 'igsync-bridge' ), $user ) );
		wp_safe_redirect( admin_url( 'options-general.php?page=igsync&igsync_unpaired=' . ( $heard ? 'told' : 'not-told' ) . '#igsync-pairing' ) );
		exit;
	}

	/**
	 * POST igsync/v1/unpair (signed): `igsync unpair` on the daemon's server.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function unpair( WP_REST_Request $request ): WP_REST_Response {
		$payload = json_decode( $request->get_body(), true );
		$host    = is_array( $payload ) ? sanitize_text_field( (string) ( $payload['daemon_host'] ?? '' ) ) : '';
		/* translators: %s: the daemon's host name */
		self::forget( sprintf( __( 'igsync unpair on %s', 'igsync-bridge' ), '' !== $host ? $host : __( 'an unnamed host', 'igsync-bridge' ) ) );
		return new WP_REST_Response( array( 'unpaired' => true ), 200 );
	}

	/**
	 * Whether this site holds a shared secret and a daemon address (paired, or set by hand).
	 *
	 * @return bool
	 */
	public static function is_paired(): bool {
		return '' !== Igsync_Settings::get( 'shared_secret' ) && '' !== Igsync_Settings::get( 'daemon_url' );
	}

	/**
	 * The pairings and unpairings so far, newest first.
	 *
	 * @return array<int, array{time: int, host: string, daemon_url: string, sandbox?: bool, event?: string, by?: string}>
	 */
	public static function log_entries(): array {
		$log = get_option( self::LOG_OPTION, array() );
		return is_array( $log ) ? $log : array();
	}

	/**
	 * The replaced secret while it is still accepted (the hour after a new pairing), else ''.
	 *
	 * @return string
	 */
	public static function previous_secret(): string {
		$until = (int) Igsync_Settings::get( 'previous_until' );
		return $until > time() ? Igsync_Settings::get( 'previous_secret' ) : '';
	}

	/**
	 * The stored pairing state, with its defaults.
	 *
	 * @return array{code_hash: string, expires: int, failures: int, locked_until: int}
	 */
	private static function state(): array {
		$state = get_option( self::OPTION, array() );
		$state = is_array( $state ) ? $state : array();
		return array(
			'code_hash'    => (string) ( $state['code_hash'] ?? '' ),
			'expires'      => (int) ( $state['expires'] ?? 0 ),
			'failures'     => (int) ( $state['failures'] ?? 0 ),
			'locked_until' => (int) ( $state['locked_until'] ?? 0 ),
		);
	}

	/**
	 * Counts a wrong or expired code; the fifth locks pairing (and voids the code).
	 *
	 * @param array{code_hash: string, expires: int, failures: int, locked_until: int} $state Current state.
	 */
	private static function failed( array $state ): void {
		$state['failures'] = $state['failures'] + 1;
		if ( $state['failures'] >= self::MAX_FAILURE ) {
			$state = array(
				'code_hash'    => '',
				'expires'      => 0,
				'failures'     => 0,
				'locked_until' => time() + self::LIFETIME,
			);
		}
		update_option( self::OPTION, $state, false );
	}

	/**
	 * Forgets the shared secret (the old one too) and sandbox mode; the daemon's address and the
	 * app id stay for the next pairing. Logged.
	 *
	 * @param string $by Who unpaired, in words.
	 */
	private static function forget( string $by ): void {
		$settings = get_option( Igsync_Settings::OPTION, array() );
		$settings = is_array( $settings ) ? $settings : array();
		$last     = self::log_entries()[0] ?? array();
		if ( '' !== (string) ( $settings['sandbox'] ?? '' ) ) {
			$settings['authorize_url'] = ''; // The sandbox's page goes with its pairing.
		}
		foreach ( array( 'shared_secret', 'previous_secret', 'previous_until', 'sandbox' ) as $key ) {
			unset( $settings[ $key ] );
		}
		Igsync_Settings::replace( $settings );
		self::log( 'unpaired', (string) ( $last['host'] ?? '' ), (string) ( $settings['daemon_url'] ?? '' ), false, $by );
	}

	/**
	 * Keeps the last ten pairings and unpairings (no secret in them).
	 *
	 * @param string $event      paired or unpaired.
	 * @param string $host       The daemon's host name, as it says.
	 * @param string $daemon_url Where WordPress forwards codes.
	 * @param bool   $sandbox    Whether the daemon paired in sandbox mode.
	 * @param string $by         Who unpaired, in words ('' for a pairing).
	 */
	private static function log( string $event, string $host, string $daemon_url, bool $sandbox, string $by = '' ): void {
		$log = self::log_entries();
		array_unshift(
			$log,
			array(
				'time'       => time(),
				'event'      => $event,
				'host'       => substr( $host, 0, 253 ),
				'daemon_url' => $daemon_url,
				'sandbox'    => $sandbox,
				'by'         => substr( $by, 0, 300 ),
			)
		);
		update_option( self::LOG_OPTION, array_slice( $log, 0, 10 ), false );
	}
}
