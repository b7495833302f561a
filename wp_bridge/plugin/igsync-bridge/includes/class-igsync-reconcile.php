<?php
/**
 * Restore leads from the daemon: after this site's database came back from an older backup,
 * the daemon sends every lead it delivered again (POST /v1/leads/since, signed, page by page)
 * and each is stored exactly as a push is (its idempotency key and version decide, so a lead
 * still here is kept as it is). Restored leads fire `igsync_lead_restored`, not the new-lead
 * hooks: no mail, no reward, no second welcome. A long table is restored over several clicks,
 * each within a time budget, from where the last one stopped.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The reconciliation read, from wp-admin.
 */
final class Igsync_Reconcile {

	const ACTION = 'igsync_reconcile';

	const CURSOR = 'igsync_reconcile_cursor'; // Where an unfinished restore goes on from.

	const PAGE = 100;

	const SECONDS = 20; // Well inside a PHP request's time; the next click goes on.

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_post_' . self::ACTION, array( __CLASS__, 'from_admin' ) );
	}

	/**
	 * Asks the daemon for what it delivered since the cursor and stores each lead.
	 *
	 * @param int $seconds How long it may go on.
	 * @return array{restored: int, kept: int, refused: int, done: bool, error: string}
	 */
	public static function run( int $seconds = self::SECONDS ): array {
		$report  = array(
			'restored' => 0,
			'kept'     => 0,
			'refused'  => 0,
			'done'     => false,
			'error'    => '',
		);
		$after   = (int) get_option( self::CURSOR, 0 );
		$started = microtime( true );
		do {
			$page = self::page( $after );
			if ( is_string( $page ) ) {
				$report['error'] = $page;
				return $report;
			}
			foreach ( $page['leads'] as $lead ) {
				$stored = true === Igsync_Lead_Schema::validate( $lead ) ? Igsync_Leads::restore( $lead ) : null;
				if ( is_wp_error( $stored ) && 503 === ( $stored->get_error_data()['status'] ?? 0 ) ) {
					$report['error'] = $stored->get_error_message(); // The database: stop, the cursor stays.
					return $report;
				}
				$outcome = 'created' === $stored ? 'restored' : ( is_string( $stored ) ? 'kept' : 'refused' );
				++$report[ $outcome ];
			}
			$after = (int) $page['next'];
			update_option( self::CURSOR, $after, false );
		} while ( $page['more'] && microtime( true ) - $started < $seconds );
		if ( ! $page['more'] ) {
			delete_option( self::CURSOR );
			$report['done'] = true;
		}
		return $report;
	}

	/**
	 * One page of the daemon's answer, or why there is none.
	 *
	 * @param int $after The cursor.
	 * @return array{leads: array<int, mixed>, next: int, more: bool}|string
	 */
	private static function page( int $after ) {
		$response = Igsync_Daemon::post_signed(
			'/v1/leads/since',
			array(
				'after' => $after,
				'limit' => self::PAGE,
			),
			15
		);
		if ( is_wp_error( $response ) ) {
			return $response->get_error_message();
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		if ( 200 !== $status ) {
			/* translators: %d: an HTTP status code */
			return sprintf( __( 'the igsync daemon answered HTTP %d (an older daemon cannot do this: update igsync)', 'igsync-bridge' ), $status );
		}
		$page = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( ! is_array( $page ) || ! is_array( $page['leads'] ?? null ) || ! is_int( $page['next'] ?? null ) || ! is_bool( $page['more'] ?? null ) ) {
			return __( 'the igsync daemon\'s answer was not a page of leads', 'igsync-bridge' );
		}
		return $page;
	}

	/**
	 * Settings > igsync > Restore leads from the daemon (admin-post.php): run, then back with
	 * the report.
	 */
	public static function from_admin(): void {
		if ( ! current_user_can( 'manage_options' ) || ! check_admin_referer( self::ACTION ) ) {
			wp_die( esc_html__( 'You are not allowed to restore leads.', 'igsync-bridge' ), 403 );
		}
		set_transient( self::ACTION . '_' . get_current_user_id(), self::run(), HOUR_IN_SECONDS );
		wp_safe_redirect( admin_url( 'options-general.php?page=igsync&igsync-restored=1#igsync-restore' ) );
		exit;
	}

	/**
	 * The report of the last restore, once (shown on the settings page after the redirect).
	 *
	 * @return array{restored: int, kept: int, refused: int, done: bool, error: string}|null
	 */
	public static function last_report(): ?array {
		$key    = self::ACTION . '_' . get_current_user_id();
		$report = get_transient( $key );
		delete_transient( $key );
		return is_array( $report ) ? $report : null;
	}

	/**
	 * The report in the owner's words.
	 *
	 * @param array{restored: int, kept: int, refused: int, done: bool, error: string} $report   What run() said.
	 * @param bool                                                                     $terminal For `wp igsync reconcile`, whose way on is to run it again, not a button.
	 * @return string
	 */
	public static function words( array $report, bool $terminal = false ): string {
		/* translators: %d: number of leads */
		$text = sprintf( _n( '%d lead restored from the igsync daemon.', '%d leads restored from the igsync daemon.', $report['restored'], 'igsync-bridge' ), $report['restored'] );
		/* translators: %d: number of leads */
		$text .= ' ' . sprintf( _n( '%d was still here.', '%d were still here.', $report['kept'], 'igsync-bridge' ), $report['kept'] );
		if ( $report['refused'] ) {
			/* translators: %d: number of leads */
			$text .= ' ' . sprintf( _n( '%d could not be stored as sent.', '%d could not be stored as sent.', $report['refused'], 'igsync-bridge' ), $report['refused'] );
		}
		if ( '' !== $report['error'] ) {
			$text .= ' ' . sprintf(
				$terminal
					/* translators: %s: why the restore stopped */
					? __( 'It stopped: %s. Run wp igsync reconcile again to go on from there.', 'igsync-bridge' )
					/* translators: %s: why the restore stopped */
					: __( 'It stopped: %s. Click again to go on from there.', 'igsync-bridge' ),
				$report['error']
			);
		} elseif ( ! $report['done'] ) {
			$text .= ' ' . ( $terminal ? __( 'There are more: run wp igsync reconcile again to go on.', 'igsync-bridge' ) : __( 'There are more: click again to go on.', 'igsync-bridge' ) );
		}
		return $text;
	}
}
