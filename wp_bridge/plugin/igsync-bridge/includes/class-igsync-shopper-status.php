<?php
/**
 * The shopper's connection status as WordPress keeps it, in their user meta: the one writer of
 * `igsync_status` and `igsync_status_at` (the callback, the code's outcome, the stored lead and
 * the shopper's Disconnect all go through it), and the one reader.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * A shopper's connection status.
 */
final class Igsync_Shopper_Status {

	const META = 'igsync_status';

	const META_AT = 'igsync_status_at';

	const CONNECTING_FOR = 3600; // A code dies after an hour: "connecting" cannot outlive it.

	/**
	 * Records the shopper's status now.
	 *
	 * @param int    $user_id The shopper.
	 * @param string $status  One of Igsync_Status's.
	 */
	public static function set( int $user_id, string $status ): void {
		update_user_meta( $user_id, self::META, $status );
		update_user_meta( $user_id, self::META_AT, time() );
	}

	/**
	 * Records a status that says the shopper is still to connect (connecting, interrupted),
	 * unless they are connected already: a late word about an older code never hides a live
	 * connection.
	 *
	 * @param int    $user_id The shopper.
	 * @param string $status  Igsync_Status::CONNECTING or ::INTERRUPTED.
	 */
	public static function set_unless_connected( int $user_id, string $status ): void {
		if ( Igsync_Status::CONNECTED !== self::get( $user_id ) ) {
			self::set( $user_id, $status );
		}
	}

	/**
	 * The shopper's connection as far as WordPress knows it: 'connected' once the lead arrived,
	 * 'connecting' from the callback until then (at most a code's hour), else ''.
	 *
	 * @param int $user_id The shopper.
	 * @return string
	 */
	public static function get( int $user_id ): string {
		$status = (string) get_user_meta( $user_id, self::META, true );
		if ( Igsync_Status::CONNECTING === $status && (int) get_user_meta( $user_id, self::META_AT, true ) < time() - self::CONNECTING_FOR ) {
			$status = '';
		}
		if ( '' === $status && '' !== (string) get_user_meta( $user_id, 'igsync_ig_username', true ) ) {
			$status = Igsync_Status::CONNECTED; // Leads stored by version 0.1, before the status was kept.
		}
		return $status;
	}

	/**
	 * Forgets the shopper's status (their leads were erased).
	 *
	 * @param int $user_id The shopper.
	 */
	public static function forget( int $user_id ): void {
		delete_user_meta( $user_id, self::META );
		delete_user_meta( $user_id, self::META_AT );
	}
}
