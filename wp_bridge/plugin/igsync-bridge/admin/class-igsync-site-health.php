<?php
/**
 * Tools > Site Health: igsync's tests (the connection both ways, the queue, the tables) and an
 * "igsync" section in Info with versions and settings, secrets never shown.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Site Health tests and information.
 */
final class Igsync_Site_Health {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_filter( 'site_status_tests', array( __CLASS__, 'tests' ) );
		add_filter( 'debug_information', array( __CLASS__, 'information' ) );
	}

	/**
	 * Adds igsync's tests (run when the Status screen loads).
	 *
	 * @param array<string, array<string, mixed>> $tests Site Health's tests.
	 * @return array<string, array<string, mixed>>
	 */
	public static function tests( $tests ): array {
		$tests                                = is_array( $tests ) ? $tests : array();
		$tests['direct']['igsync_connection'] = array(
			'label' => __( 'igsync connection', 'igsync-bridge' ),
			'test'  => array( __CLASS__, 'connection' ),
		);
		$tests['direct']['igsync_instagram']  = array(
			'label' => __( 'igsync and Instagram', 'igsync-bridge' ),
			'test'  => array( __CLASS__, 'instagram' ),
		);
		$tests['direct']['igsync_queue']      = array(
			'label' => __( 'igsync queue', 'igsync-bridge' ),
			'test'  => array( __CLASS__, 'queue' ),
		);
		$tests['direct']['igsync_tables']     = array(
			'label' => __( 'igsync tables', 'igsync-bridge' ),
			'test'  => array( __CLASS__, 'tables' ),
		);
		return $tests;
	}

	/**
	 * The daemon reachable and the signatures accepted both ways (a live Test connection).
	 *
	 * @return array<string, mixed>
	 */
	public static function connection(): array {
		if ( ! Igsync_Settings::is_configured() ) {
			return self::result( 'igsync_connection', 'recommended', __( 'igsync is not set up yet', 'igsync-bridge' ), __( 'Fill in the daemon URL, the shared secret and the Instagram app id under Settings > igsync.', 'igsync-bridge' ) );
		}
		$result = Igsync_Health::test();
		return $result['ok']
			? self::result( 'igsync_connection', 'good', __( 'igsync reaches its daemon, and the daemon reaches WordPress', 'igsync-bridge' ), $result['message'] )
			: self::result( 'igsync_connection', 'critical', __( 'igsync cannot work with its daemon', 'igsync-bridge' ), $result['message'] );
	}

	/**
	 * Instagram accepts the app's credentials, and the Graph API version the daemon calls is
	 * still served and not near its end (what the daemon said at the connection test that
	 * runs just before this one).
	 *
	 * @return array<string, mixed>
	 */
	public static function instagram(): array {
		// What the latest connection test (the one Site Health ran just before) heard: nothing
		// when it failed, or when the daemon is older than 0.4.
		$last  = Igsync_Health::last();
		$view  = is_array( $last['instagram'] ?? null ) ? $last['instagram'] : array();
		$stale = null === $last || (int) $last['checked_at'] < time() - 300;
		if ( ! Igsync_Settings::is_configured() || array() === $view || $stale ) {
			return self::result( 'igsync_instagram', 'recommended', __( 'igsync could not ask its daemon about Instagram', 'igsync-bridge' ), __( 'The daemon tells WordPress whether Instagram accepts the app and how long its Graph API version is served; it has not said so in the last few minutes (is it reachable, and up to date?).', 'igsync-bridge' ) );
		}
		$verdict = (string) ( $view['credentials']['verdict'] ?? '' );
		if ( 'ok' !== $verdict ) {
			return self::result( 'igsync_instagram', 'critical', __( 'Instagram refuses igsync\'s app settings', 'igsync-bridge' ), Igsync_Go_Live::credentials_words( $verdict ) );
		}
		$graph = is_array( $view['graph_api'] ?? null ) ? $view['graph_api'] : array();
		$words = '' !== (string) ( $graph['version'] ?? '' ) ? Igsync_Go_Live::graph_words( $graph ) : '';
		if ( 'fail' === ( $graph['verdict'] ?? '' ) ) {
			return self::result( 'igsync_instagram', 'critical', __( 'igsync calls a Graph API version Meta no longer serves', 'igsync-bridge' ), $words );
		}
		if ( 'warn' === ( $graph['verdict'] ?? '' ) ) {
			return self::result( 'igsync_instagram', 'recommended', __( 'igsync\'s Graph API version is near its end', 'igsync-bridge' ), $words );
		}
		return self::result( 'igsync_instagram', 'good', __( 'Instagram accepts igsync\'s app, on a Graph API version Meta serves', 'igsync-bridge' ), trim( Igsync_Go_Live::credentials_words( $verdict ) . ' ' . $words ) );
	}

	/**
	 * No code waiting too long, none unreadable.
	 *
	 * @return array<string, mixed>
	 */
	public static function queue(): array {
		$snapshot = Igsync_Health::snapshot();
		if ( $snapshot['unreadable'] > 0 ) {
			return self::result( 'igsync_queue', 'critical', __( 'igsync holds Instagram connections it cannot read', 'igsync-bridge' ), __( 'Queued codes cannot be decrypted with this site\'s queue key (the igsync_queue_key option changed). Restore the key, or these shoppers must connect again.', 'igsync-bridge' ) );
		}
		if ( null !== $snapshot['oldest_age'] && $snapshot['oldest_age'] > Igsync_Health::STALE_QUEUE_AGE ) {
			/* translators: %s: how long the oldest code has waited */
			return self::result( 'igsync_queue', 'critical', __( 'Instagram connections are waiting for the igsync daemon', 'igsync-bridge' ), sprintf( __( 'The oldest has waited %s; codes expire an hour after the shopper connected. Use Test connection under Settings > igsync.', 'igsync-bridge' ), human_time_diff( time() - (int) $snapshot['oldest_age'] ) ) );
		}
		return self::result( 'igsync_queue', 'good', __( 'No Instagram connection is stuck in igsync\'s queue', 'igsync-bridge' ), __( 'Codes reach the daemon as shoppers connect.', 'igsync-bridge' ) );
	}

	/**
	 * The plugin's tables exist at this version's schema (repaired when they do not).
	 *
	 * @return array<string, mixed>
	 */
	public static function tables(): array {
		$current = get_option( Igsync_Schema::VERSION_OPTION ) === Igsync_Schema::VERSION && array() === Igsync_Schema::missing();
		if ( ! $current && ! Igsync_Schema::install() ) {
			/* translators: %s: the missing tables */
			return self::result( 'igsync_tables', 'critical', __( 'igsync\'s tables are missing and could not be created', 'igsync-bridge' ), sprintf( __( 'Missing: %s. Check that the database user may create tables.', 'igsync-bridge' ), implode( ', ', Igsync_Schema::missing() ) ) );
		}
		/* translators: %s: schema version */
		return self::result( 'igsync_tables', 'good', __( 'igsync\'s tables are up to date', 'igsync-bridge' ), sprintf( __( 'Schema version %s.', 'igsync-bridge' ), Igsync_Schema::VERSION ) );
	}

	/**
	 * Site Health > Info > igsync.
	 *
	 * @param array<string, array<string, mixed>> $info Sections.
	 * @return array<string, array<string, mixed>>
	 */
	public static function information( $info ): array {
		$info           = is_array( $info ) ? $info : array();
		$last           = Igsync_Health::last();
		$snapshot       = Igsync_Health::snapshot();
		$set            = static fn( string $value ): string => '' === $value ? __( 'Not set', 'igsync-bridge' ) : __( 'Set (not shown)', 'igsync-bridge' );
		$fields         = array(
			'version'       => array( __( 'Plugin version', 'igsync-bridge' ), IGSYNC_BRIDGE_VERSION, false ),
			'schema'        => array( __( 'Schema version', 'igsync-bridge' ), (string) get_option( Igsync_Schema::VERSION_OPTION ), false ),
			'daemon_url'    => array( __( 'Daemon URL', 'igsync-bridge' ), Igsync_Settings::get( 'daemon_url' ), true ),
			'daemon'        => array( __( 'Last connection test', 'igsync-bridge' ), null === $last ? __( 'Not tested yet', 'igsync-bridge' ) : $last['message'], false ),
			'shared_secret' => array( __( 'Shared secret', 'igsync-bridge' ), $set( Igsync_Settings::has_secret() ? 'set' : '' ), true ),
			'app_id'        => array( __( 'Instagram app id', 'igsync-bridge' ), Igsync_Settings::get( 'app_id' ), true ),
			'api_flavour'   => array( __( 'API flavour', 'igsync-bridge' ), Igsync_Settings::get( 'api_flavour' ), false ),
			'sandbox'       => array( __( 'Sandbox mode', 'igsync-bridge' ), Igsync_Settings::is_sandbox() ? __( 'On: the Connect button opens the igsync sandbox, not Instagram', 'igsync-bridge' ) : __( 'Off', 'igsync-bridge' ), false ),
			'redirect_uri'  => array( __( 'Redirect URI', 'igsync-bridge' ), Igsync_Settings::redirect_uri(), false ),
			'queued'        => array( __( 'Codes waiting for the daemon', 'igsync-bridge' ), (string) $snapshot['queued'], false ),
			'woocommerce'   => array( __( 'WooCommerce', 'igsync-bridge' ), defined( 'WC_VERSION' ) ? WC_VERSION : __( 'Not active', 'igsync-bridge' ), false ),
		);
		$info['igsync'] = array(
			'label'  => __( 'igsync', 'igsync-bridge' ),
			'fields' => array(),
		);
		foreach ( $fields as $key => list( $label, $value, $private ) ) {
			$info['igsync']['fields'][ $key ] = array(
				'label'   => $label,
				'value'   => $value,
				'private' => $private,
			);
		}
		return $info;
	}

	/**
	 * One test result, as Site Health wants it.
	 *
	 * @param string $test        Test id.
	 * @param string $status      good, recommended or critical.
	 * @param string $label       The headline.
	 * @param string $description One paragraph.
	 * @return array<string, mixed>
	 */
	private static function result( string $test, string $status, string $label, string $description ): array {
		return array(
			'label'       => $label,
			'status'      => $status,
			'badge'       => array(
				'label' => __( 'igsync', 'igsync-bridge' ),
				'color' => 'good' === $status ? 'blue' : 'red',
			),
			'description' => '<p>' . esc_html( $description ) . '</p>',
			'actions'     => sprintf( '<p><a href="%s">%s</a></p>', esc_url( admin_url( 'options-general.php?page=igsync' ) ), esc_html__( 'Settings > igsync', 'igsync-bridge' ) ),
			'test'        => $test,
		);
	}
}
