<?php
/**
 * The connection's named values, once (WooCommerce's src/Enums do the same for its own): the
 * statuses a lead and a shopper go through, and the events the daemon pushes. The daemon names
 * the same values in daemon/store/statuses.py (ConnectionStatus, LeadEvent).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Connection statuses and lead events.
 */
final class Igsync_Status {

	/** The lead arrived: the shopper's Instagram is connected. */
	const CONNECTED = 'connected';

	/** The token died (a password change, the app removed): the shopper must connect again. */
	const NEEDS_RECONNECT = 'needs_reconnect';

	/** The shopper disconnected on My Account. */
	const DISCONNECTED = 'disconnected';

	/** A shopper's only: their code is on its way to the daemon (at most a code's hour). */
	const CONNECTING = 'connecting';

	/** A shopper's only: their code's exchange could not finish; they must connect again. */
	const INTERRUPTED = 'interrupted';

	/** What a lead's status can be (the daemon's ConnectionStatus). */
	const LEAD = array( self::CONNECTED, self::NEEDS_RECONNECT, self::DISCONNECTED );

	/** A push's event: a new connection (the lead itself). */
	const EVENT_CONNECTED = 'connected';

	/** A push's event: the profile changed. */
	const EVENT_UPDATED = 'updated';

	/** A push's event: the token died. */
	const EVENT_CONNECTION_LOST = 'connection_lost';

	/** A push's event: a new connection of an account whose old one was not live. */
	const EVENT_RECONNECTED = 'reconnected';

	/** What a push's event can be (the daemon's LeadEvent). */
	const EVENTS = array( self::EVENT_CONNECTED, self::EVENT_UPDATED, self::EVENT_CONNECTION_LOST, self::EVENT_RECONNECTED );

	/**
	 * A status in the owner's words.
	 *
	 * @param string $status One of the constants above.
	 * @return string
	 */
	public static function label( string $status ): string {
		$labels = array(
			self::CONNECTING      => __( 'Connecting', 'igsync-bridge' ),
			self::CONNECTED       => __( 'Connected', 'igsync-bridge' ),
			self::NEEDS_RECONNECT => __( 'Needs reconnect', 'igsync-bridge' ),
			self::DISCONNECTED    => __( 'Disconnected', 'igsync-bridge' ),
			self::INTERRUPTED     => __( 'Interrupted: connect again', 'igsync-bridge' ),
		);
		return $labels[ $status ] ?? $status;
	}
}
