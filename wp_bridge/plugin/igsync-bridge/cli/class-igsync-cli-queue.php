<?php
/**
 * `wp igsync queue`: the authorization codes WordPress keeps until the daemon has them. The
 * codes themselves are never printed: only their row, age and last error.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lists the codes waiting for the daemon and forwards them again.
 */
final class Igsync_CLI_Queue {

	const FIELDS = array( 'id', 'received_at', 'age_seconds', 'forward_attempts', 'last_error' );

	/**
	 * Lists the codes the daemon does not have yet (each valid for an hour).
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : How to print them.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 *   - count
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync queue list
	 *
	 * @subcommand list
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args The options.
	 */
	public function list_( $args, $assoc_args ): void {
		$rows = array_map(
			static fn( array $row ): array => $row + array( 'age_seconds' => max( 0, time() - (int) strtotime( $row['received_at'] ) ) ),
			Igsync_Queue::waiting()
		);
		WP_CLI\Utils\format_items( $assoc_args['format'] ?? 'table', $rows, self::FIELDS );
	}

	/**
	 * Forwards the waiting codes to the daemon now, instead of waiting for its catch-up poll.
	 *
	 * ## OPTIONS
	 *
	 * [<id>...]
	 * : Only these rows of `wp igsync queue list`.
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync queue retry
	 *     wp igsync queue retry 12 13
	 *
	 * @param array<int, string>    $args       Row ids, or none for all.
	 * @param array<string, string> $assoc_args Options (none).
	 */
	public function retry( $args, $assoc_args ): void { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundAfterLastUsed -- WP-CLI's signature.
		$only  = array_map( 'intval', $args );
		$codes = array_values( array_filter( Igsync_Queue::pending( 1000 ), static fn( array $code ): bool => ! $only || in_array( $code['id'], $only, true ) ) );
		$gone  = array_diff( $only, array_column( $codes, 'id' ) );
		if ( $gone ) {
			WP_CLI::error( sprintf( 'No waiting code in row %s: the daemon has it already, or its hour is over.', implode( ', ', $gone ) ) );
		}
		if ( ! $codes ) {
			WP_CLI::success( 'No code is waiting for the daemon.' );
			return;
		}
		$failed   = array();
		$progress = WP_CLI\Utils\make_progress_bar( 'Forwarding codes', count( $codes ) );
		foreach ( $codes as $code ) {
			$forwarded = Igsync_Forwarder::forward( $code['code'], $code['redirect_uri'], (array) $code['context'] );
			if ( $forwarded['ok'] ) {
				Igsync_Queue::ack( array( $code['id'] ), $forwarded['daemon_id'] );
			} else {
				Igsync_Queue::forward_failed( $code['id'], $forwarded['error'] );
				$failed[ $code['id'] ] = $forwarded['error'];
			}
			$progress->tick();
		}
		$progress->finish();
		if ( $failed ) {
			WP_CLI::error( sprintf( '%1$d of %2$d code(s) not forwarded (row %3$d: %4$s); they stay queued.', count( $failed ), count( $codes ), array_key_first( $failed ), reset( $failed ) ) );
		}
		WP_CLI::success( sprintf( '%d code(s) forwarded to the daemon.', count( $codes ) ) );
	}
}
