<?php
/**
 * The connection's health: a signed round trip both ways (Test connection), and what the
 * plugin's own tables say (queued codes, the last lead). Said in plain words, for the owner.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Connection tests and the health snapshot.
 */
final class Igsync_Health {

	const RESULT          = 'igsync_health';
	const REFUSED         = 'igsync_leads_refused';
	const INSTAGRAM       = 'igsync_instagram'; // What the daemon last said of the Instagram side.
	const STALE_QUEUE_AGE = 600; // Ten minutes: a code waiting longer is in danger (it dies at one hour).

	/**
	 * POST {daemon}/v1/ping, signed: the daemon checks our signature, then calls us back signed.
	 * The outcome is kept (for the settings page and the admin notice) and returned.
	 *
	 * @param string $source  "test" (the button) or "pairing" (the first look after one).
	 * @param int    $timeout Seconds.
	 * @return array{ok: bool, message: string, version: string, checked_at: int, source: string, instagram: array<string, mixed>}
	 */
	public static function test( string $source = 'test', int $timeout = 10 ): array {
		$response = Igsync_Daemon::post_signed( '/v1/ping', new stdClass(), $timeout );
		$result   = self::verdict( Igsync_Daemon::url(), $response, $source );
		update_option( self::RESULT, $result, false );
		if ( array() !== $result['instagram'] ) {
			update_option( self::INSTAGRAM, $result['instagram'] + array( 'checked_at' => $result['checked_at'] ), false );
		}
		return $result;
	}

	/**
	 * What a shopper's forward showed, kept like a test's outcome so the owner hears of a
	 * broken connection without testing: the daemon unreachable or refusing our signature, and
	 * later that it accepts codes again.
	 *
	 * @param array<string, mixed>|WP_Error $response The daemon's answer to POST /v1/codes.
	 */
	public static function observe_forward( $response ): void {
		$status = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
		if ( 0 === $status || 401 === $status ) {
			update_option( self::RESULT, self::verdict( Igsync_Daemon::url(), $response, 'forward' ), false );
			return;
		}
		$last = self::last();
		if ( ( 200 === $status || 202 === $status ) && null !== $last && ! $last['ok'] && in_array( $last['source'] ?? '', array( 'forward', 'pairing' ), true ) ) {
			$result = array(
				'ok'         => true,
				'message'    => __( 'The daemon accepts codes again: the last one was forwarded at once.', 'igsync-bridge' ),
				'version'    => '',
				'checked_at' => time(),
				'source'     => 'forward',
			);
			update_option( self::RESULT, $result, false );
		}
	}

	/**
	 * In sandbox mode the authorize page is the daemon's own sandbox: a shopper clicking Connect
	 * while the daemon is stopped would land on the browser's "This site can't be reached".
	 * Whether the page answers (any HTTP answer will do; a loopback call of a few milliseconds,
	 * made only in sandbox mode). When it does not, the owner hears of it as of a failed forward.
	 *
	 * @param string $url The authorize page.
	 * @return bool
	 */
	public static function sandbox_answers( string $url ): bool {
		$response = wp_remote_get(
			$url,
			array(
				'timeout'     => 3,
				'redirection' => 0,
			)
		);
		if ( ! is_wp_error( $response ) ) {
			return true;
		}
		$result = array(
			'ok'         => false,
			/* translators: %s: the sandbox's address */
			'message'    => sprintf( __( 'The igsync sandbox at %s does not answer: is the daemon running? Until it is, shoppers who click Connect with Instagram are told it is not available right now.', 'igsync-bridge' ), $url ),
			'version'    => '',
			'checked_at' => time(),
			'source'     => 'forward',
		);
		update_option( self::RESULT, $result, false );
		return false;
	}

	/**
	 * Counts a lead the daemon pushed and WordPress refused (4xx): the daemon will not send it
	 * again, so the owner must hear of it.
	 *
	 * @param string $reason Why, as answered to the daemon (field names, no values).
	 */
	public static function lead_refused( string $reason ): void {
		$refused = self::refused();
		$refused = array(
			'count'  => $refused['count'] + 1,
			'reason' => substr( $reason, 0, 255 ),
			'at'     => time(),
		);
		update_option( self::REFUSED, $refused, false );
	}

	/**
	 * Leads refused so far, and the last one's reason and time.
	 *
	 * @return array{count: int, reason: string, at: int}
	 */
	public static function refused(): array {
		$refused = get_option( self::REFUSED );
		$refused = is_array( $refused ) ? $refused : array();
		return array(
			'count'  => (int) ( $refused['count'] ?? 0 ),
			'reason' => (string) ( $refused['reason'] ?? '' ),
			'at'     => (int) ( $refused['at'] ?? 0 ),
		);
	}

	/**
	 * The last test's or forward's outcome, or null when there was none.
	 *
	 * @return array{ok: bool, message: string, version: string, checked_at: int, source?: string}|null
	 */
	public static function last(): ?array {
		$result = get_option( self::RESULT );
		return is_array( $result ) && isset( $result['ok'], $result['message'] ) ? $result : null;
	}

	/**
	 * What the daemon said of the Instagram side at its last Test connection (empty before one,
	 * or from a daemon older than 0.4).
	 *
	 * @return array<string, mixed>
	 */
	public static function instagram(): array {
		$view = get_option( self::INSTAGRAM );
		return is_array( $view ) ? $view : array();
	}

	/**
	 * What the plugin's tables say: queued codes, the oldest one's age, the last lead.
	 *
	 * @return array{queued: int, oldest_at: int|null, oldest_age: int|null, unreadable: int, last_lead: string|null}
	 */
	public static function snapshot(): array {
		global $wpdb;
		$codes = Igsync_Schema::table( 'codes' );
		$leads = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; live counts.
		$queue = $wpdb->get_row( $wpdb->prepare( "SELECT COUNT(*) AS queued, MIN(received_at) AS oldest FROM {$codes} WHERE acked_at IS NULL AND code_enc IS NOT NULL AND received_at > %s", gmdate( 'Y-m-d H:i:s', time() - Igsync_Queue::CODE_LIFETIME ) ), ARRAY_A );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; live value.
		$last   = $wpdb->get_var( "SELECT MAX(updated_at) FROM {$leads}" );
		$oldest = empty( $queue['oldest'] ) ? null : (int) strtotime( $queue['oldest'] . ' UTC' );
		return array(
			'queued'     => (int) ( $queue['queued'] ?? 0 ),
			'oldest_at'  => $oldest,
			'oldest_age' => null === $oldest ? null : max( 0, time() - $oldest ),
			'unreadable' => Igsync_Queue::unreadable(),
			'last_lead'  => $last ? (string) $last : null,
		);
	}

	/**
	 * The outcome of a ping, in words.
	 *
	 * @param string                        $url      The daemon's address.
	 * @param array<string, mixed>|WP_Error $response The HTTP answer.
	 * @param string                        $source   "test" or "forward".
	 * @return array{ok: bool, message: string, version: string, checked_at: int, source: string, instagram: array<string, mixed>}
	 */
	private static function verdict( string $url, $response, string $source ): array {
		$ok        = false;
		$version   = '';
		$instagram = array();
		if ( is_wp_error( $response ) ) {
			/* translators: 1: the daemon's URL, 2: why, in plain words */
			$message = sprintf( __( 'The daemon is not reachable at %1$s: %2$s', 'igsync-bridge' ), $url, self::plain_reason( $response->get_error_message() ) );
		} else {
			$status = (int) wp_remote_retrieve_response_code( $response );
			$answer = json_decode( (string) wp_remote_retrieve_body( $response ), true );
			$answer = is_array( $answer ) ? $answer : array();
			if ( 401 === $status ) {
				$message = __( 'The daemon refused our signature: the shared secrets differ (Settings > igsync and the daemon\'s IGSYNC_SHARED_SECRET).', 'igsync-bridge' );
			} elseif ( 200 !== $status || 'ok' !== ( $answer['status'] ?? '' ) ) {
				/* translators: 1: the daemon's URL, 2: HTTP status code */
				$message = sprintf( __( 'Something answers at %1$s (HTTP %2$d), but not an igsync daemon that knows this test.', 'igsync-bridge' ), $url, $status );
			} else {
				$version   = (string) ( $answer['version'] ?? '' );
				$back      = is_array( $answer['wordpress'] ?? null ) ? $answer['wordpress'] : array();
				$instagram = self::instagram_view( $answer['instagram'] ?? null );
				$ok        = ! empty( $back['ok'] );
				$message   = $ok
					/* translators: %s: the daemon's version */
					? sprintf( __( 'The connection works both ways: the daemon (version %s) accepted our signature, and we accepted its call back.', 'igsync-bridge' ), $version )
					/* translators: %s: what the daemon reported about its call to WordPress */
					: sprintf( __( 'The daemon accepted our signature, but its call back to WordPress failed: %s', 'igsync-bridge' ), (string) ( $back['detail'] ?? '' ) );
			}
		}
		return array(
			'ok'         => $ok,
			'message'    => $message,
			'version'    => $version,
			'checked_at' => time(),
			'source'     => $source,
			'instagram'  => $instagram,
		);
	}

	/**
	 * What the daemon reported of the Instagram side (daemon.golive), kept as plain values:
	 * the app id and redirect URI it uses, the scopes, Instagram's verdict on the credentials
	 * and the Graph API version's end. Older daemons report nothing.
	 *
	 * @param mixed $reported The ping answer's "instagram" object.
	 * @return array<string, mixed>
	 */
	private static function instagram_view( $reported ): array {
		if ( ! is_array( $reported ) ) {
			return array();
		}
		$credentials = is_array( $reported['credentials'] ?? null ) ? $reported['credentials'] : array();
		$graph       = is_array( $reported['graph_api'] ?? null ) ? $reported['graph_api'] : array();
		$text        = static fn( $value, int $max = 300 ): string => substr( sanitize_text_field( is_scalar( $value ) ? (string) $value : '' ), 0, $max );
		return array(
			'app_id'       => $text( $reported['app_id'] ?? '', 32 ),
			'sandbox'      => ! empty( $reported['sandbox'] ),
			'redirect_uri' => $text( $reported['redirect_uri'] ?? '', 2048 ),
			'scopes'       => implode( ',', array_map( $text, is_array( $reported['scopes'] ?? null ) ? $reported['scopes'] : array() ) ),
			'credentials'  => array(
				'verdict'        => sanitize_key( (string) ( $credentials['verdict'] ?? '' ) ),
				'instagram_said' => $text( $credentials['instagram_said'] ?? '' ),
			),
			'graph_api'    => array(
				'version'         => $text( $graph['version'] ?? '', 16 ),
				'available_until' => $text( $graph['available_until'] ?? '', 10 ),
				'days_left'       => isset( $graph['days_left'] ) && is_numeric( $graph['days_left'] ) ? (int) $graph['days_left'] : null,
				'verdict'         => sanitize_key( (string) ( $graph['verdict'] ?? '' ) ),
			),
		);
	}

	/**
	 * The HTTP library's error in the owner's words (cURL's numbers mean nothing to them).
	 *
	 * @param string $error The WP_Error message.
	 * @return string
	 */
	private static function plain_reason( string $error ): string {
		$plain = array(
			'6'  => __( 'that host name does not resolve', 'igsync-bridge' ),
			'7'  => __( 'connection refused (is the daemon running, and listening at that address?)', 'igsync-bridge' ),
			'28' => __( 'no answer in time', 'igsync-bridge' ),
			'35' => __( 'the secure connection failed', 'igsync-bridge' ),
			'60' => __( 'its HTTPS certificate is not trusted', 'igsync-bridge' ),
		);
		if ( preg_match( '/cURL error (\d+)/', $error, $match ) && isset( $plain[ $match[1] ] ) ) {
			return $plain[ $match[1] ];
		}
		return $error;
	}
}
