<?php
/**
 * Forwards a queued code to the daemon's intake, signed, with a short timeout. A code kept in
 * the queue is forwarded once the shopper has their answer (after_answer): under PHP-FPM the
 * request is finished first (fastcgi_finish_request), so a slow or hung daemon never holds the
 * shopper's redirect; a daemon that is down is caught up later by its poll of the queue. A
 * daemon that let a forward time out is left alone for HUNG_PAUSE seconds: under a campaign's
 * load a hung or slow daemon would otherwise hold one PHP worker per returning shopper for
 * AFTER_ANSWER_TIMEOUT seconds each, after their answer but while the shop's other pages queue
 * for that worker.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST {daemon}/v1/codes.
 */
final class Igsync_Forwarder {

	const TIMEOUT = 3;

	/**
	 * The wait for the daemon once the shopper has their answer: a daemon answers a forward in
	 * milliseconds (one group commit), and one slower than this, which would hold the shop's PHP
	 * worker meanwhile, is left to collect the code with its poll (the intake takes a code once,
	 * however many times it arrives).
	 */
	const AFTER_ANSWER_TIMEOUT = 1;

	/** Seconds after a timed-out forward during which codes wait in the queue for the daemon's poll. */
	const HUNG_PAUSE = 30;

	/** What a code not forwarded for that reason says in the queue. */
	const LEFT_FOR_POLL = 'not forwarded: the daemon let a forward time out moments ago; waiting for its poll';

	/** Until when (a Unix time) the daemon is taken for hung. */
	const HUNG_UNTIL_OPTION = 'igsync_daemon_hung_until';

	/**
	 * Forwards a queued code once the shopper's answer is sent: the code is already kept, so
	 * the shopper need not wait for the daemon (a forward that fails leaves it to the catch-up).
	 *
	 * @param int                  $queued       The code's row in the queue.
	 * @param string               $code         The authorization code.
	 * @param string               $redirect_uri The redirect URI it was issued for.
	 * @param array<string, mixed> $context      wp_user_id, email, return_url, source.
	 */
	public static function after_answer( int $queued, string $code, string $redirect_uri, array $context ): void {
		add_action(
			'shutdown',
			static function () use ( $queued, $code, $redirect_uri, $context ): void {
				self::finish_answer();
				if ( (int) get_option( self::HUNG_UNTIL_OPTION, 0 ) > time() ) {
					// Kept in the queue: the daemon's catch-up poll takes it once it answers.
					Igsync_Queue::left_for_poll( $queued, self::LEFT_FOR_POLL );
					return;
				}
				$forwarded = self::forward( $code, $redirect_uri, $context, self::AFTER_ANSWER_TIMEOUT );
				if ( $forwarded['ok'] ) {
					Igsync_Queue::ack( array( $queued ), $forwarded['daemon_id'] );
				} else {
					Igsync_Queue::forward_failed( $queued, $forwarded['error'] );
				}
			},
			PHP_INT_MAX // After every other shutdown hook: nothing is printed once the answer is finished.
		);
	}

	/**
	 * Sends the answer and ends the request for the client where the server can (PHP-FPM,
	 * LiteSpeed); elsewhere the answer is at least flushed.
	 */
	private static function finish_answer(): void {
		ignore_user_abort( true );
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
			return;
		}
		if ( function_exists( 'litespeed_finish_request' ) ) {
			litespeed_finish_request();
			return;
		}
		while ( ob_get_level() > 0 ) {
			ob_end_flush();
		}
		flush();
	}

	/**
	 * Forwards one code.
	 *
	 * @param string               $code         The authorization code.
	 * @param string               $redirect_uri The redirect URI it was issued for.
	 * @param array<string, mixed> $context      wp_user_id, email, return_url, source.
	 * @param int                  $timeout      Seconds to wait for the daemon's answer.
	 * @return array{ok: bool, daemon_id: int|null, error: string}
	 */
	public static function forward( string $code, string $redirect_uri, array $context, int $timeout = self::TIMEOUT ): array {
		$started  = microtime( true );
		$response = Igsync_Daemon::post_signed(
			'/v1/codes',
			array(
				'code'         => $code,
				'redirect_uri' => $redirect_uri,
				'received_at'  => gmdate( 'Y-m-d\TH:i:s\Z' ),
				'context'      => (object) $context,
			),
			$timeout
		);
		Igsync_Health::observe_forward( $response );
		if ( is_wp_error( $response ) && microtime( true ) - $started >= $timeout * 0.8 ) {
			update_option( self::HUNG_UNTIL_OPTION, time() + self::HUNG_PAUSE, false ); // Timed out, not refused.
		}
		if ( is_wp_error( $response ) ) {
			return array(
				'ok'        => false,
				'daemon_id' => null,
				'error'     => 'daemon unreachable (' . $response->get_error_code() . ')',
			);
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$answer = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 === $status || 202 === $status ) {
			$id = is_array( $answer ) && isset( $answer['id'] ) ? (int) $answer['id'] : null;
			return array(
				'ok'        => true,
				'daemon_id' => $id,
				'error'     => '',
			);
		}
		$reason = is_array( $answer ) && isset( $answer['error'] ) ? (string) $answer['error'] : 'no reason';
		return array(
			'ok'        => false,
			'daemon_id' => null,
			'error'     => "daemon answered {$status} ({$reason})",
		);
	}
}
