<?php
/**
 * WP-CLI commands (`wp igsync ...`): what Settings > igsync and the Leads screen do, for the
 * shop's terminal, cron and deploy scripts. Output through WP-CLI's own formatter; errors
 * through WP_CLI::error (exit 1). Never a secret: no shared secret, token or code is printed,
 * except the pairing code `pair` is asked to show.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Manages the igsync bridge: its connection to the igsync daemon, its leads and its queue.
 */
final class Igsync_CLI {

	/**
	 * Registers the commands (only under WP-CLI).
	 */
	public static function register(): void {
		WP_CLI::add_command( 'igsync', self::class );
		WP_CLI::add_command( 'igsync leads', Igsync_CLI_Leads::class );
		WP_CLI::add_command( 'igsync queue', Igsync_CLI_Queue::class );
	}

	/**
	 * Shows the connection to the daemon, the leads by status and the queue.
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : How to print it.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync status
	 *     wp igsync status --format=json
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args The options.
	 */
	public function status( $args, $assoc_args ): void {
		$last     = Igsync_Health::last();
		$snapshot = Igsync_Health::snapshot();
		$counts   = Igsync_Leads_Query::count_by_status();
		$rows     = array(
			array(
				'item'  => 'paired',
				'value' => Igsync_Pairing::is_paired() ? 'yes' : 'no',
			),
			array(
				'item'  => 'daemon_url',
				'value' => Igsync_Daemon::url(),
			),
			array(
				'item'  => 'last_check',
				'value' => null === $last ? 'never' : ( $last['ok'] ? 'ok' : 'failed' ) . ' ' . gmdate( 'Y-m-d H:i:s', (int) $last['checked_at'] ) . ' UTC: ' . $last['message'],
			),
			array(
				'item'  => 'codes_queued',
				'value' => (string) $snapshot['queued'],
			),
			array(
				'item'  => 'codes_unreadable',
				'value' => (string) $snapshot['unreadable'],
			),
			array(
				'item'  => 'last_lead_utc',
				'value' => (string) ( $snapshot['last_lead'] ?? 'none' ),
			),
		);
		foreach ( Igsync_Status::LEAD as $status ) {
			$rows[] = array(
				'item'  => 'leads_' . $status,
				'value' => (string) ( $counts[ $status ] ?? 0 ),
			);
		}
		WP_CLI\Utils\format_items( $assoc_args['format'] ?? 'table', $rows, array( 'item', 'value' ) );
	}

	/**
	 * Tests the connection to the daemon, as Settings > igsync's Test connection does.
	 *
	 * Exits with 1 when the daemon cannot be reached or refuses the shop's signature.
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync test
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args Options (none).
	 */
	public function test( $args, $assoc_args ): void { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundAfterLastUsed -- WP-CLI's signature.
		if ( ! Igsync_Pairing::is_paired() ) {
			WP_CLI::error( 'This site is not paired with an igsync daemon: run `wp igsync pair`, then `igsync pair` on the daemon\'s machine.' );
		}
		$result = Igsync_Health::test( 'cli' );
		if ( ! $result['ok'] ) {
			WP_CLI::error( $result['message'] );
		}
		WP_CLI::success( $result['message'] );
	}

	/**
	 * Shows a new pairing code for the igsync daemon, valid for 15 minutes.
	 *
	 * On the daemon's machine, `igsync pair <code> --wp-url <site address>` takes it; the code
	 * before it stops working.
	 *
	 * ## OPTIONS
	 *
	 * [--porcelain]
	 * : Print the code alone, for a script.
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync pair
	 *     ssh daemon-host igsync pair "$(wp igsync pair --porcelain)" --wp-url https://shop.example
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args The options.
	 */
	public function pair( $args, $assoc_args ): void {
		$code = Igsync_Pairing::new_code();
		if ( ! empty( $assoc_args['porcelain'] ) ) {
			WP_CLI::line( $code );
			return;
		}
		WP_CLI::success( sprintf( 'Pairing code %s, valid for 15 minutes. On the daemon\'s machine: igsync pair %s --wp-url %s', $code, $code, home_url( '/' ) ) );
	}

	/**
	 * Restores the leads WordPress lost (after a restored backup) from the daemon.
	 *
	 * Every lead the daemon has and WordPress lacks comes back, as with Restore leads.
	 *
	 * ## OPTIONS
	 *
	 * [--seconds=<seconds>]
	 * : Stop after this long; run again to go on from where it stopped.
	 * ---
	 * default: 300
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync reconcile
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args The options.
	 */
	public function reconcile( $args, $assoc_args ): void {
		$report = Igsync_Reconcile::run( max( 1, (int) ( $assoc_args['seconds'] ?? 300 ) ) );
		if ( '' !== $report['error'] ) {
			WP_CLI::error( Igsync_Reconcile::words( $report, true ) );
		}
		WP_CLI::success( Igsync_Reconcile::words( $report, true ) );
	}
}
