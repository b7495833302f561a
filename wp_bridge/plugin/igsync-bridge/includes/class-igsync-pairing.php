<?php
/**
 * Pairing with the igsync daemon: an administrator makes a one-time code in Settings > igsync;
 * `igsync pair CODE` on the server proves it holds the code and hands over what used to be
 * copied by hand (the shared secret, the daemon's address, the app id and API flavour), and is
 * told the redirect URI in return.
 *
 * The code is single use and valid 15 minutes; the site keeps its hash, and for showing it to
 * the administrator who asked, a copy sealed with a key from wp-config.php's salts. Wrong codes
 * count only while a code is outstanding: five per client address in 15 minutes, then that
 * client waits; fifty in all void the code (a new one from the administrator starts afresh).
 * Each count is one atomic statement, so parallel guesses cannot slip past it. The pair route
 * refuses plain HTTP from anywhere but this machine (the secret would cross the network in
 * clear) or, when `igsync pair --allow-private-http` says so, a private network; a daemon address with a query, a fragment, credentials or a link-local host, and an
 * authorize page that is neither Instagram's nor, in sandbox mode, on the daemon's or the
 * shop's host. A new pairing keeps the replaced secret valid for an hour, so what is in flight
 * signed with it is not refused. Every pairing is logged, without secrets.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The pairing code, the route the daemon calls with it, and the pairing log.
 */
final class Igsync_Pairing {

	const OPTION     = 'igsync_pairing';
	const LOG_OPTION = 'igsync_pairing_log';
	const LIFETIME   = 15 * MINUTE_IN_SECONDS;
	const PER_CLIENT = 5;
	const PER_CODE   = 50;
	const INSTAGRAM  = array( 'www.instagram.com', 'api.instagram.com', 'instagram.com' );
	const OVERLAP    = HOUR_IN_SECONDS;
	const ALPHABET   = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // No 0/O, 1/I: read aloud, typed.

	/**
	 * Settings > igsync > Pair (admin-post.php): a new code, then back to the page showing it.
	 */
	public static function start(): void {
		if ( ! current_user_can( 'manage_options' ) || ! check_admin_referer( 'igsync_pair' ) ) {
			wp_die( esc_html__( 'You are not allowed to pair this site.', 'igsync-bridge' ), 403 );
		}
		self::new_code();
		wp_safe_redirect( admin_url( 'options-general.php?page=igsync#igsync-pairing' ) );
		exit;
	}

	/**
	 * A new pairing code, valid for 15 minutes (the one before it no longer is), formatted
	 * ABCD-EFGH; kept for the user who asked for it (Settings > igsync shows it again).
	 *
	 * @return string
	 */
	public static function new_code(): string {
		$code = '';
		for ( $i = 0; $i < 8; $i++ ) {
			$code .= self::ALPHABET[ random_int( 0, strlen( self::ALPHABET ) - 1 ) ];
		}
		Igsync_Throttle::clear( 'pair' ); // The administrator is here: every client starts afresh.
		update_option(
			self::OPTION,
			array(
				'code_hash' => hash( 'sha256', $code ),
				'expires'   => time() + self::LIFETIME,
			),
			false
		);
		// For the administrator who asked for it, sealed: the database alone does not show it.
		set_transient( 'igsync_pairing_code_' . get_current_user_id(), self::seal( $code ), self::LIFETIME );
		return substr( $code, 0, 4 ) . '-' . substr( $code, 4 );
	}

	/**
	 * The code to show the current administrator, formatted ABCD-EFGH, or '' when none is valid.
	 *
	 * @return string
	 */
	public static function shown_code(): string {
		$code  = self::unseal( (string) get_transient( 'igsync_pairing_code_' . get_current_user_id() ) );
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
		$private_http = true === $request->get_param( 'private_http' ) && Igsync_Throttle::client_is_private();
		if ( ! is_ssl() && ! Igsync_Throttle::client_is_loopback() && ! $private_http ) {
			return new WP_Error( 'igsync_pairing_insecure', __( 'Pairing carries the new secret: use this site\'s https:// address (plain HTTP is accepted from this machine, or from a private network with igsync pair --allow-private-http).', 'igsync-bridge' ), array( 'status' => 403 ) );
		}
		$state = self::state();
		if ( '' === $state['code_hash'] || $state['expires'] < time() ) {
			return self::refused(); // Nothing to guess: not counted.
		}
		if ( ! Igsync_Throttle::allow( 'pair', Igsync_Throttle::client(), self::PER_CLIENT, self::LIFETIME ) ) {
			return new WP_Error( 'igsync_pairing_locked', __( 'Too many wrong pairing codes from this address; try again in 15 minutes.', 'igsync-bridge' ), array( 'status' => 429 ) );
		}
		if ( Igsync_Throttle::bump( Igsync_Throttle::name( 'code_' . substr( $state['code_hash'], 0, 16 ), $state['expires'] ) ) > self::PER_CODE ) {
			delete_option( self::OPTION ); // Guessed at too often: void. The administrator makes a new one.
			return new WP_Error( 'igsync_pairing_locked', __( 'This pairing code was tried too often and is void: make a new one in Settings > igsync.', 'igsync-bridge' ), array( 'status' => 429 ) );
		}
		$code = strtoupper( preg_replace( '/[^A-Za-z0-9]/', '', (string) $request->get_param( 'code' ) ) );
		if ( ! hash_equals( $state['code_hash'], hash( 'sha256', $code ) ) ) {
			return self::refused();
		}
		$secret  = (string) $request->get_param( 'shared_secret' );
		$daemon  = self::daemon_url( (string) $request->get_param( 'daemon_url' ) );
		$app_id  = (string) $request->get_param( 'app_id' );
		$flavour = (string) $request->get_param( 'api_flavour' );
		$host    = sanitize_text_field( (string) $request->get_param( 'daemon_host' ) );
		$sandbox = true === $request->get_param( 'sandbox' );
		$wanted  = (string) $request->get_param( 'authorize_url' );
		$page    = self::authorize_url( $wanted, $sandbox, $daemon );
		$scopes  = (string) $request->get_param( 'scopes' ); // '' is the flavour's own (older daemons send none).
		$fb      = (string) $request->get_param( 'enable_fb_login' );
		if ( '' !== $scopes && ! preg_match( '/^[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63}){0,15}$/', $scopes ) ) {
			$scopes = null;
		}
		if ( ! Igsync_Signature::is_valid_secret( $secret ) || '' === $daemon || ( '' !== $app_id && ! ctype_digit( $app_id ) ) || ! isset( Igsync_Settings::SCOPES[ $flavour ] ) || ( '' !== $wanted && '' === $page ) || ( $sandbox && '' === $page ) || null === $scopes || ! in_array( $fb, array( '', 'on', 'off' ), true ) ) {
			return new WP_Error( 'igsync_pairing_malformed', __( 'The daemon sent settings WordPress cannot use: a daemon address without query, credentials or link-local host, and an authorize page that is Instagram\'s (or, in sandbox mode, on the daemon\'s or this shop\'s host).', 'igsync-bridge' ), array( 'status' => 422 ) );
		}
		$settings = Igsync_Settings::all();
		$previous = (string) ( $settings['shared_secret'] ?? '' );
		if ( '' !== $previous && ! hash_equals( $previous, $secret ) ) {
			$settings['previous_secret']   = $previous;
			$settings['previous_until']    = (string) ( time() + self::OVERLAP );
			$settings['secret_rotated_at'] = (string) time();
		}
		$settings['shared_secret']   = $secret;
		$settings['daemon_url']      = $daemon;
		$settings['api_flavour']     = $flavour;
		$settings['authorize_url']   = $page; // '' is Instagram's own page for the flavour.
		$settings['sandbox']         = $sandbox ? '1' : '';
		$settings['peer_bound']      = 'bound' === $request->get_param( 'signing' ) ? '1' : ''; // A daemon of this version says so.
		$settings['scopes']          = $scopes;
		$settings['enable_fb_login'] = $fb;
		if ( '' !== $app_id ) {
			$settings['app_id'] = $app_id;
		}
		Igsync_Settings::replace( $settings );
		delete_option( self::OPTION ); // Single use.
		Igsync_Throttle::clear( 'pair' );
		self::log( 'paired', $host, $daemon, $sandbox );
		return new WP_REST_Response(
			array(
				'paired'       => true,
				'redirect_uri' => Igsync_Settings::redirect_uri(),
				'site_url'     => home_url( '/' ),
				'site_name'    => wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES ), // Text, not HTML: the daemon prints it.
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
	 * @return WP_REST_Response|WP_Error
	 */
	public static function unpair( WP_REST_Request $request ) {
		$payload = json_decode( $request->get_body(), true );
		if ( ! is_array( $payload ) || ! isset( $payload['daemon_host'] ) || ! is_string( $payload['daemon_host'] ) ) {
			// Only what `igsync unpair` sends: no other signed message, replayed here, unpairs.
			return new WP_Error( 'igsync_invalid_unpair', 'an unpair request names the daemon_host that leaves', array( 'status' => 400 ) );
		}
		$host = sanitize_text_field( $payload['daemon_host'] );
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
		return Igsync_Settings::has_secret() && '' !== Igsync_Settings::get( 'daemon_url' );
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
	 * @return array{code_hash: string, expires: int}
	 */
	private static function state(): array {
		$state = get_option( self::OPTION, array() );
		$state = is_array( $state ) ? $state : array();
		return array(
			'code_hash' => (string) ( $state['code_hash'] ?? '' ),
			'expires'   => (int) ( $state['expires'] ?? 0 ),
		);
	}

	/**
	 * The answer to a wrong, used or expired code.
	 *
	 * @return WP_Error
	 */
	private static function refused(): WP_Error {
		return new WP_Error(
			'igsync_pairing_refused',
			__( 'This pairing code is wrong, used or expired: make a new one in Settings > igsync.', 'igsync-bridge' ),
			array( 'status' => 403 )
		);
	}

	/**
	 * The daemon's address as given, if WordPress may call it: http(s), no credentials, query or
	 * fragment (routes are appended to it), and not a link-local host (cloud metadata lives
	 * there); else ''.
	 *
	 * @param string $url The address.
	 * @return string
	 */
	public static function daemon_url( string $url ): string {
		$clean = esc_url_raw( trim( $url ), array( 'http', 'https' ) );
		$parts = wp_parse_url( $clean );
		if ( '' === $clean || ! is_array( $parts ) || empty( $parts['host'] ) || isset( $parts['user'] ) || isset( $parts['pass'] ) || isset( $parts['query'] ) || isset( $parts['fragment'] ) || false !== strpos( $clean, '?' ) || false !== strpos( $clean, '#' ) ) {
			return '';
		}
		$host = strtolower( trim( (string) $parts['host'], '[]' ) );
		if ( 0 === strpos( $host, '169.254.' ) || 0 === strpos( $host, 'fe80:' ) || 'metadata.google.internal' === $host ) {
			return '';
		}
		return untrailingslashit( $clean );
	}

	/**
	 * The authorize page a pairing may set: '' (Instagram's own for the flavour) or an https page
	 * of Instagram's; in sandbox mode, a page on the daemon's host or this shop's. Else ''.
	 *
	 * @param string $url     The page asked for.
	 * @param bool   $sandbox Whether the daemon pairs in sandbox mode.
	 * @param string $daemon  The daemon's address (already checked).
	 * @return string
	 */
	private static function authorize_url( string $url, bool $sandbox, string $daemon ): string {
		$clean = esc_url_raw( trim( $url ), array( 'http', 'https' ) );
		$parts = wp_parse_url( $clean );
		if ( '' === $clean || ! is_array( $parts ) || empty( $parts['host'] ) || isset( $parts['user'] ) || isset( $parts['pass'] ) ) {
			return '';
		}
		$host = strtolower( (string) $parts['host'] );
		if ( ! $sandbox ) {
			return 'https' === ( $parts['scheme'] ?? '' ) && in_array( $host, self::INSTAGRAM, true ) ? $clean : '';
		}
		$allowed = array( strtolower( (string) wp_parse_url( $daemon, PHP_URL_HOST ) ), strtolower( (string) wp_parse_url( home_url(), PHP_URL_HOST ) ) );
		return in_array( $host, $allowed, true ) ? $clean : '';
	}

	/**
	 * The pairing code sealed for the transient that shows it (libsodium, which WordPress ships
	 * a fallback of; the key comes from wp-config.php's salts, not the database).
	 *
	 * @param string $code The code.
	 * @return string
	 */
	private static function seal( string $code ): string {
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		return base64_encode( $nonce . sodium_crypto_secretbox( $code, $nonce, self::sealing_key() ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- binary to text.
	}

	/**
	 * The sealed code opened, or '' when it is not one.
	 *
	 * @param string $sealed What seal() made.
	 * @return string
	 */
	private static function unseal( string $sealed ): string {
		$raw = base64_decode( $sealed, true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- text to binary.
		if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ) {
			return '';
		}
		$code = sodium_crypto_secretbox_open( substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ), substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ), self::sealing_key() );
		return false === $code ? '' : $code;
	}

	/**
	 * The key that seals the shown code.
	 *
	 * @return string
	 */
	private static function sealing_key(): string {
		return hash_hmac( 'sha256', 'igsync-pairing-code', wp_salt( 'auth' ), true );
	}

	/**
	 * Forgets the shared secret (the old one too) and sandbox mode; the daemon's address and the
	 * app id stay for the next pairing. Logged.
	 *
	 * @param string $by Who unpaired, in words.
	 */
	private static function forget( string $by ): void {
		$settings = Igsync_Settings::all();
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
