<?php
/**
 * Going live with Instagram: the steps Meta's App Dashboard asks of an app that connects other
 * people's accounts, each with this shop's values, and whether each is done. A step ticks
 * itself where igsync can know it (the daemon's last Test connection, the leads, Meta's
 * callbacks relayed here); the owner ticks the rest, and the page says which is which.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The go-live steps and what they are checked against.
 */
final class Igsync_Go_Live {

	const OPTION       = 'igsync_go_live';
	const OWNER_STEPS  = array( 'app_created', 'basic_settings', 'advanced_access', 'data_use_checkup' );
	const CHECKUP_DAYS = 365; // Meta's Data Use Checkup comes back once a year.

	/**
	 * What the owner ticked, the testers they listed, and when Meta's callbacks were verified.
	 *
	 * @return array{ticked: array<string, int>, testers: array<int, string>, callbacks: array<string, int>}
	 */
	public static function state(): array {
		$state = get_option( self::OPTION, array() );
		$state = is_array( $state ) ? $state : array();
		return array(
			'ticked'    => array_map( 'intval', is_array( $state['ticked'] ?? null ) ? $state['ticked'] : array() ),
			'testers'   => array_values( array_filter( array_map( 'strval', is_array( $state['testers'] ?? null ) ? $state['testers'] : array() ) ) ),
			'callbacks' => array_map( 'intval', is_array( $state['callbacks'] ?? null ) ? $state['callbacks'] : array() ),
		);
	}

	/**
	 * Saves the owner's ticks and testers (the form on the go-live screen).
	 *
	 * @param array<int, string> $ticked  The owner steps ticked.
	 * @param string             $testers Usernames, one per line or comma separated, @ optional.
	 */
	public static function save_owner_ticks( array $ticked, string $testers ): void {
		$state = self::state();
		$kept  = array();
		foreach ( self::OWNER_STEPS as $step ) {
			if ( in_array( $step, $ticked, true ) ) {
				$kept[ $step ] = $state['ticked'][ $step ] ?? time(); // When it was first ticked.
			}
		}
		$names            = preg_split( '/[\s,]+/', strtolower( $testers ) );
		$state['ticked']  = $kept;
		$state['testers'] = array_slice( array_values( array_unique( array_filter( array_map( static fn( string $name ): string => preg_match( '/^[a-z0-9._]{1,30}$/', ltrim( $name, '@' ) ) ? ltrim( $name, '@' ) : '', $names ? $names : array() ) ) ) ), 0, 100 );
		update_option( self::OPTION, $state, false );
	}

	/**
	 * Meta called a callback, and the daemon verified its signature with the app secret.
	 *
	 * @param string $kind "deauthorize" or "data_deletion".
	 */
	public static function callback_verified( string $kind ): void {
		$state = self::state();
		if ( ! empty( $state['callbacks'][ $kind ] ) ) {
			return; // The first time is what the guide needs; no write per callback.
		}
		$state['callbacks'][ $kind ] = time();
		update_option( self::OPTION, $state, false );
	}

	/**
	 * This shop's values to paste into Meta's App Dashboard.
	 *
	 * @return array<string, string>
	 */
	public static function values(): array {
		return array(
			'redirect_uri'  => Igsync_Settings::redirect_uri(),
			'deauthorize'   => rest_url( 'igsync/v1/meta/deauthorize' ),
			'data_deletion' => rest_url( 'igsync/v1/meta/data-deletion' ),
			'privacy'       => (string) get_privacy_policy_url(),
			'site_url'      => home_url( '/' ),
			'app_domain'    => (string) wp_parse_url( home_url(), PHP_URL_HOST ),
		);
	}

	/**
	 * The facts each step is checked against.
	 *
	 * @return array<string, bool>
	 */
	public static function facts(): array {
		$daemon  = Igsync_Health::instagram();
		$live    = ! Igsync_Settings::is_sandbox() && array() !== $daemon && empty( $daemon['sandbox'] );
		$app_id  = Igsync_Settings::get( 'app_id' );
		$state   = self::state();
		$leads   = self::live_leads( $state['testers'] );
		$checkup = $state['ticked']['data_use_checkup'] ?? 0;
		return array(
			'app_id_both'      => $live && '' !== $app_id && (string) ( $daemon['app_id'] ?? '' ) === $app_id,
			'secret_verified'  => $live && 'ok' === ( $daemon['credentials']['verdict'] ?? '' ),
			'redirect_works'   => $leads['any'],
			'deauthorize'      => ! empty( $state['callbacks']['deauthorize'] ),
			'data_deletion'    => ! empty( $state['callbacks']['data_deletion'] ),
			'tester_connected' => $leads['tester'],
			'public_connected' => $leads['public'],
			'app_created'      => isset( $state['ticked']['app_created'] ),
			'basic_settings'   => isset( $state['ticked']['basic_settings'] ),
			'advanced_access'  => isset( $state['ticked']['advanced_access'] ) || $leads['public'],
			'data_use_checkup' => $checkup > time() - self::CHECKUP_DAYS * DAY_IN_SECONDS,
		);
	}

	/**
	 * Whether a real (not sandbox) Instagram account has connected: any, a listed tester, and
	 * one that is not a listed tester (which only Advanced Access lets through).
	 *
	 * @param array<int, string> $testers Usernames the owner listed.
	 * @return array{any: bool, tester: bool, public: bool}
	 */
	private static function live_leads( array $testers ): array {
		global $wpdb;
		$leads = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; one row is enough.
		$any = null !== $wpdb->get_var( "SELECT 1 FROM {$leads} WHERE sandbox = 0 LIMIT 1" );
		if ( ! $any || array() === $testers ) {
			return array(
				'any'    => $any,
				'tester' => false,
				'public' => false, // Without the list, a tester and the public look alike.
			);
		}
		$in = implode( ', ', array_fill( 0, count( $testers ), '%s' ) );
		// phpcs:disable WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare -- our own table; one placeholder per tester.
		$tester = null !== $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM {$leads} WHERE sandbox = 0 AND username IN ({$in}) LIMIT 1", $testers ) );
		$public = null !== $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM {$leads} WHERE sandbox = 0 AND username NOT IN ({$in}) LIMIT 1", $testers ) );
		// phpcs:enable
		return array(
			'any'    => $any,
			'tester' => $tester,
			'public' => $public,
		);
	}

	/**
	 * Instagram's verdict on the app's credentials, in the owner's words (the daemon's
	 * daemon.instagram.credentials names the cases).
	 *
	 * @param string $verdict The verdict's name.
	 * @return string
	 */
	public static function credentials_words( string $verdict ): string {
		$words = array(
			'ok'                      => __( 'Instagram accepts the app id, the app secret and the redirect URI.', 'igsync-bridge' ),
			'unknown_app'             => __( 'Instagram does not know this app id. Use the Instagram app ID shown under Instagram > API setup with Instagram business login in Meta\'s App Dashboard, not the Meta app ID at the top of the dashboard, then pair again.', 'igsync-bridge' ),
			'wrong_secret'            => __( 'Instagram refused the app secret. Copy the Instagram app secret from the same page as the Instagram app ID (not the Meta app\'s own secret) and pair again.', 'igsync-bridge' ),
			'redirect_not_registered' => __( 'Instagram refused the redirect URI. Add it, character for character, under Business login settings > OAuth redirect URIs in Meta\'s App Dashboard.', 'igsync-bridge' ),
			'redirect_mismatch'       => __( 'Instagram refused a code for another redirect URI than the one the shopper was sent with: pair again, so the daemon and this site agree.', 'igsync-bridge' ),
			'unreachable'             => __( 'The daemon could not reach Instagram.', 'igsync-bridge' ),
		);
		return $words[ $verdict ] ?? __( 'Instagram answered something igsync does not recognise.', 'igsync-bridge' );
	}

	/**
	 * The Graph API version's state, in words.
	 *
	 * @param array<string, mixed> $graph The daemon's graph_api report.
	 * @return string
	 */
	public static function graph_words( array $graph ): string {
		$version = (string) $graph['version'];
		$until   = (string) ( $graph['available_until'] ?? '' );
		if ( '' === $until ) {
			/* translators: %s: a Graph API version such as v26.0 */
			return sprintf( __( 'igsync calls Graph API %s; Meta has not announced its end yet.', 'igsync-bridge' ), $version );
		}
		$date = wp_date( get_option( 'date_format' ), (int) strtotime( $until . ' 00:00:00 UTC' ) );
		if ( 'fail' === ( $graph['verdict'] ?? '' ) ) {
			/* translators: 1: a Graph API version, 2: a date */
			return sprintf( __( 'igsync calls Graph API %1$s, which Meta stopped serving on %2$s: set IGSYNC_GRAPH_API_VERSION to a newer version on the daemon and restart it.', 'igsync-bridge' ), $version, $date );
		}
		if ( 'warn' === ( $graph['verdict'] ?? '' ) ) {
			/* translators: 1: a Graph API version, 2: a date, 3: days */
			return sprintf( __( 'igsync calls Graph API %1$s, which Meta serves until %2$s, %3$d days from now: move the daemon to a newer version (IGSYNC_GRAPH_API_VERSION) before then.', 'igsync-bridge' ), $version, $date, (int) ( $graph['days_left'] ?? 0 ) );
		}
		/* translators: 1: a Graph API version, 2: a date */
		return sprintf( __( 'igsync calls Graph API %1$s, which Meta serves until %2$s.', 'igsync-bridge' ), $version, $date );
	}
}
