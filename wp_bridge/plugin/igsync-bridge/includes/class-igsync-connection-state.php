<?php
/**
 * The connection to the daemon in one word and one sentence, for the places outside the
 * settings page where WordPress and WooCommerce show a connected service: Settings >
 * Connectors, WooCommerce > Marketing and the inbox. Read from what is already kept (the
 * pairing, the last test or forward); nothing here calls the daemon.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The connection's state.
 */
final class Igsync_Connection_State {

	/** No shared secret or no daemon address yet. */
	const NOT_PAIRED = 'not_paired';

	/** Paired, but neither a test nor a shopper's code has reached the daemon since. */
	const UNCHECKED = 'unchecked';

	/** The last test or forward reached the daemon and it accepted the signature. */
	const WORKING = 'working';

	/** The last test or forward could not reach the daemon, or it refused the signature. */
	const FAILING = 'failing';

	/**
	 * The state now, its label and a sentence that says what it means.
	 *
	 * @return array{state: string, label: string, detail: string}
	 */
	public static function now(): array {
		if ( ! Igsync_Pairing::is_paired() ) {
			return array(
				'state'  => self::NOT_PAIRED,
				'label'  => __( 'Not paired', 'igsync-bridge' ),
				'detail' => __( 'Pair this site with the igsync daemon to start collecting Instagram leads.', 'igsync-bridge' ),
			);
		}
		$daemon = self::daemon_host();
		$where  = Igsync_Settings::is_sandbox()
			/* translators: %s: the daemon's host and port */
			? sprintf( __( 'Paired with the igsync daemon at %s, in sandbox mode (an emulator of Instagram, not Instagram).', 'igsync-bridge' ), $daemon )
			/* translators: %s: the daemon's host and port */
			: sprintf( __( 'Paired with the igsync daemon at %s.', 'igsync-bridge' ), $daemon );
		$last = Igsync_Health::last();
		if ( null === $last || (int) $last['checked_at'] < self::paired_at() ) {
			return array(
				'state'  => self::UNCHECKED,
				'label'  => __( 'Paired', 'igsync-bridge' ),
				'detail' => $where . ' ' . __( 'Not tested yet.', 'igsync-bridge' ),
			);
		}
		if ( ! $last['ok'] ) {
			return array(
				'state'  => self::FAILING,
				'label'  => __( 'Connection lost', 'igsync-bridge' ),
				'detail' => $last['message'],
			);
		}
		return array(
			'state'  => self::WORKING,
			'label'  => __( 'Connected', 'igsync-bridge' ),
			/* translators: %s: how long ago, e.g. "5 mins" */
			'detail' => $where . ' ' . sprintf( __( 'Last checked %s ago.', 'igsync-bridge' ), human_time_diff( (int) $last['checked_at'] ) ),
		);
	}

	/**
	 * The daemon's host (and port), the part of its address an owner recognises.
	 *
	 * @return string
	 */
	private static function daemon_host(): string {
		$url  = Igsync_Daemon::url();
		$host = (string) wp_parse_url( $url, PHP_URL_HOST );
		$port = wp_parse_url( $url, PHP_URL_PORT );
		return '' === $host ? $url : $host . ( $port ? ':' . $port : '' );
	}

	/**
	 * When the current pairing was made (0 when set by hand): a test older than it says
	 * nothing of it.
	 *
	 * @return int
	 */
	private static function paired_at(): int {
		$log = Igsync_Pairing::log_entries();
		return isset( $log[0]['time'] ) && 'paired' === ( $log[0]['event'] ?? 'paired' ) ? (int) $log[0]['time'] : 0;
	}
}
