<?php
/**
 * Leads the daemon pushes back: validated against a schema whose limits are the columns',
 * upserted by idempotency key in one statement, and read back before anyone is told they are
 * stored. A lead that could not be stored is an error the daemon sees (503: retry later; 422:
 * this field cannot be stored), never a 2xx.
 *
 * Every push carries an event. "connected" (the first lead of a connection) is upserted by its
 * idempotency key; the later events of the same Instagram account ("updated",
 * "connection_lost", "reconnected") update its leads in place, and one older than what is
 * stored (a lower version arriving late) changes nothing. "updated" and "connection_lost" for
 * an account WordPress has no lead of change nothing either (the lead may have been erased).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The leads table's write model: store, events, status, erase.
 */
final class Igsync_Leads {

	const USER_META = array( 'igsync_ig_user_id', 'igsync_ig_username', 'igsync_connected_at', 'igsync_ig_picture' );

	/** How long a push waits for another push of the same account before it is answered 409. */
	const LOCK_WAIT_SECONDS = 5;

	/**
	 * The database's last complaint about a lead write, quoted values left out.
	 *
	 * @var string
	 */
	private static $database_error = '';

	/**
	 * Whether the leads being stored are restored ones (Igsync_Reconcile), not new: their
	 * hooks, mails and rewards ran when they first arrived.
	 *
	 * @var bool
	 */
	private static $restoring = false;

	/**
	 * Stores a lead the daemon sends again to rebuild this table (the reconciliation read):
	 * exactly as a push is stored, but announced only by `igsync_lead_restored`.
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return string|WP_Error As store().
	 */
	public static function restore( array $lead ) {
		self::$restoring = true;
		try {
			return self::store( $lead );
		} finally {
			self::$restoring = false;
		}
	}

	/**
	 * Stores a validated lead and reads it back: "created", "updated" or "ignored" (older than
	 * what is stored), or why not. Pushes of the same Instagram account take turns (a named
	 * database lock): two that arrive together both land, in the order they got the lock, the
	 * newer version winning, instead of one reading back the other's write and refusing itself;
	 * one that waits too long is answered 409, which the daemon sends again.
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return string|WP_Error
	 */
	public static function store( array $lead ) {
		global $wpdb;
		$lock = 'igsync_lead_' . md5( DB_NAME . '|' . Igsync_Schema::table( 'leads' ) . '|' . (string) $lead['ig_user_id'] );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a lock, nothing to cache.
		if ( '1' !== (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $lock, self::LOCK_WAIT_SECONDS ) ) ) {
			return new WP_Error( 'igsync_lead_busy', 'another push of this Instagram account is being stored; try again', array( 'status' => 409 ) );
		}
		try {
			return self::store_in_turn( $lead );
		} finally {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the lock's release.
			$wpdb->query( $wpdb->prepare( 'DO RELEASE_LOCK(%s)', $lock ) );
		}
	}

	/**
	 * The store itself, holding the account's lock.
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return string|WP_Error
	 */
	private static function store_in_turn( array $lead ) {
		$row     = self::row( $lead );
		$event   = (string) ( $lead['event'] ?? Igsync_Status::EVENT_CONNECTED );
		$earlier = Igsync_Status::EVENT_CONNECTED === $event ? array() : self::of_instagram_user( $row['ig_user_id'] );
		if ( $earlier ) {
			return self::apply_event( $row, $earlier );
		}
		if ( in_array( $event, array( Igsync_Status::EVENT_CONNECTION_LOST, Igsync_Status::EVENT_UPDATED ), true ) ) {
			return 'ignored'; // Nothing to update: never a lead recreated by a later event (an erased one).
		}
		$earlier = self::find( $row['idempotency_key'] );
		if ( null !== $earlier && null !== $row['version'] && $row['version'] < (int) $earlier['version'] ) {
			return 'ignored'; // A late copy of this lead; a newer event has updated it since.
		}
		$written = Igsync_Schema::write( static fn() => self::upsert( $row ) );
		if ( null === $written ) {
			return self::unavailable( 'the database did not take the write (' . self::$database_error . ')' );
		}
		$stored = self::find( $row['idempotency_key'] );
		if ( null === $stored ) {
			return self::unavailable( 'the lead could not be read back after the write' );
		}
		foreach ( $row as $field => $value ) {
			$kept = 'updated' === $written && in_array( $field, array( 'status', 'status_reason' ), true );
			if ( ! $kept && null !== $value && (string) $value !== (string) $stored[ $field ] ) {
				return Igsync_Lead_Schema::invalid( $field, "WordPress could not store {$field} as sent" );
			}
		}
		if ( $row['wp_user_id'] ) {
			self::attach_to_user( (int) $row['wp_user_id'], $row );
		}
		$wp_user_id = $row['wp_user_id'] ? (int) $row['wp_user_id'] : 0;
		if ( 'created' === $written && Igsync_Status::CONNECTED === $row['status'] ) {
			self::reconnect_older( $row['ig_user_id'], (int) $stored['id'] );
		}
		if ( self::$restoring ) {
			if ( 'created' === $written ) {
				/**
				 * Fires when a lead the table had lost comes back from the daemon (Settings >
				 * igsync > Restore leads from the daemon, after a restore from an older backup);
				 * igsync_lead_received fired when it first arrived, and does not fire again.
				 *
				 * @since 0.5.0
				 *
				 * @param array<string, mixed> $lead       The stored lead.
				 * @param int                  $wp_user_id The WordPress user it belongs to, 0 for a guest.
				 */
				do_action( 'igsync_lead_restored', $stored, $wp_user_id );
			}
		} elseif ( 'created' === $written ) {
			/**
			 * Fires once a new lead from the igsync daemon is stored (and read back).
			 *
			 * @since 0.3.0
			 *
			 * @param array<string, mixed> $lead       The stored lead (a row of the leads table).
			 * @param int                  $wp_user_id The WordPress user it belongs to, 0 for a guest.
			 */
			do_action( 'igsync_lead_received', $stored, $wp_user_id );
		} else {
			/**
			 * Fires when the daemon sends a lead again or updates it (stored and read back).
			 *
			 * @since 0.3.0
			 *
			 * @param array<string, mixed> $lead       The stored lead.
			 * @param int                  $wp_user_id The WordPress user it belongs to, 0 for a guest.
			 */
			do_action( 'igsync_lead_updated', $stored, $wp_user_id );
		}
		return $written;
	}

	/**
	 * The row to write.
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return array<string, mixed>
	 */
	private static function row( array $lead ): array {
		$user = isset( $lead['wp_user_id'] ) ? get_userdata( (int) $lead['wp_user_id'] ) : false;
		$at   = isset( $lead['connected_at'] ) ? strtotime( (string) $lead['connected_at'] ) : false;
		return array_merge(
			array(
				'idempotency_key'       => (string) $lead['idempotency_key'],
				'ig_user_id'            => (string) $lead['ig_user_id'],
				'username'              => (string) $lead['username'],
				'name'                  => self::text( $lead['name'] ?? null ),
				'account_type'          => self::text( $lead['account_type'] ?? null ),
				'api'                   => self::text( $lead['api'] ?? null ),
				'email'                 => self::text( $lead['email'] ?? null ),
				'wp_user_id'            => $user ? (int) $user->ID : null,
				'source'                => self::text( $lead['source'] ?? null ),
				'sandbox'               => Igsync_Settings::is_sandbox() ? 1 : 0, // Made up on the sandbox's page, not Instagram.
				'return_url'            => null === self::http_url( $lead['return_url'] ?? null ) ? null : self::page_without_keys( (string) $lead['return_url'] ),
				'wc_order_id'           => isset( $lead['wc_order_id'] ) ? (int) $lead['wc_order_id'] : null,
				'profile_picture_url'   => self::http_url( $lead['profile_picture_url'] ?? null ),
				'followers_count'       => isset( $lead['followers_count'] ) ? (int) $lead['followers_count'] : null,
				'followers_change'      => isset( $lead['followers_change'] ) ? (int) $lead['followers_change'] : null,
				'followers_change_days' => isset( $lead['followers_change_days'] ) ? (int) $lead['followers_change_days'] : null,
				'engagement_rate'       => isset( $lead['engagement_rate'] ) ? number_format( (float) $lead['engagement_rate'], 2, '.', '' ) : null, // As the decimal(9,2) column reads back.
				'version'               => isset( $lead['version'] ) ? (int) $lead['version'] : null,
				'status'                => (string) ( $lead['status'] ?? ( Igsync_Status::EVENT_CONNECTION_LOST === ( $lead['event'] ?? '' ) ? Igsync_Status::NEEDS_RECONNECT : Igsync_Status::CONNECTED ) ),
				'status_reason'         => self::text( $lead['reason'] ?? null ),
				'connected_at'          => gmdate( 'Y-m-d H:i:s', $at ? $at : time() ),
				'permissions'           => self::text( $lead['permissions'] ?? null ),
				'unavailable_fields'    => self::text( $lead['unavailable_fields'] ?? null ),
				'insights'              => isset( $lead['insights'] ) && is_array( $lead['insights'] ) ? (string) wp_json_encode( $lead['insights'] ) : null, // Checked against the schema: numbers and group names only.
				'consent_version'       => null,
				'consent_hash'          => null,
				'consented_at'          => null,
			),
			Igsync_Queue::consent_for_lead( (string) $lead['idempotency_key'] )
		);
	}

	/**
	 * A later event of a connection WordPress already has a lead for: its leads take the new
	 * profile and status, unless they hold a newer version. "updated", "ignored" (older than
	 * what is stored), or why it could not be stored.
	 *
	 * @param array<string, mixed>             $row    The event, as a row.
	 * @param array<int, array<string, mixed>> $before The account's leads as they are now.
	 * @return string|WP_Error
	 */
	private static function apply_event( array $row, array $before ) {
		$newest = max( array_map( static fn( array $lead ): int => (int) $lead['version'], $before ) );
		if ( null !== $row['version'] && $row['version'] < $newest ) {
			return 'ignored';
		}
		$written = Igsync_Schema::write( static fn() => self::update_in_place( $row ) );
		if ( null === $written ) {
			return self::unavailable( 'the database did not take the write (' . self::$database_error . ')' );
		}
		$previous = array_column( $before, 'status', 'id' );
		foreach ( self::of_instagram_user( $row['ig_user_id'] ) as $stored ) {
			if ( $stored['status'] !== $row['status'] || $stored['username'] !== $row['username'] ) {
				return Igsync_Lead_Schema::invalid( 'status', 'WordPress could not store the event as sent' );
			}
			$wp_user_id = (int) $stored['wp_user_id'];
			if ( $wp_user_id ) {
				self::attach_to_user( $wp_user_id, $stored );
			}
			$was = (string) ( $previous[ $stored['id'] ] ?? '' );
			if ( self::$restoring ) {
				continue; // Its hooks ran when the event first arrived.
			}
			if ( Igsync_Status::CONNECTED === $was && Igsync_Status::NEEDS_RECONNECT === $stored['status'] ) {
				/**
				 * Fires when a connection is lost: the person's token died (a password change,
				 * the app removed on Instagram, an expiry), so the shop may ask them to
				 * connect again. Fires once per lead, not again for a retried push.
				 *
				 * @since 0.3.0
				 *
				 * @param array<string, mixed> $lead       The stored lead; status_reason says why.
				 * @param int                  $wp_user_id The WordPress user it belongs to, 0 for a guest.
				 */
				do_action( 'igsync_connection_lost', $stored, $wp_user_id );
			} else {
				/** This action is documented in includes/leads/class-igsync-leads.php */
				do_action( 'igsync_lead_updated', $stored, $wp_user_id );
			}
		}
		return 'updated';
	}

	/**
	 * Sets the status of an Instagram account's leads from WordPress itself (the shopper
	 * disconnected on My Account): "updated", or why not.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @param string $status     One of STATUSES.
	 * @param string $reason     Why, in words.
	 * @return string|WP_Error
	 */
	public static function set_status( string $ig_user_id, string $status, string $reason ) {
		$leads = self::of_instagram_user( $ig_user_id );
		if ( ! $leads ) {
			return Igsync_Lead_Schema::invalid( 'ig_user_id', 'no lead of this Instagram account' );
		}
		$row = array_merge(
			$leads[ count( $leads ) - 1 ],
			array(
				'status'        => $status,
				'status_reason' => $reason,
				'version'       => null,
			)
		);
		return self::apply_event( $row, $leads );
	}

	/**
	 * UPDATE the leads of one Instagram account with an event: the profile fields it carries,
	 * the status and the version. The rows changed, or null on a database error.
	 *
	 * @param array<string, mixed> $row The event, as a row.
	 * @return int|null
	 */
	private static function update_in_place( array $row ): ?int {
		global $wpdb;
		$set = array();
		foreach ( array( 'username', 'name', 'account_type', 'profile_picture_url', 'followers_count', 'followers_change', 'followers_change_days', 'engagement_rate', 'version', 'status', 'status_reason', 'unavailable_fields', 'insights', 'permissions', 'consent_version', 'consent_hash', 'consented_at' ) as $column ) {
			if ( null !== $row[ $column ] || in_array( $column, array( 'status_reason', 'unavailable_fields' ), true ) ) {
				$set[ $column ] = $row[ $column ];
			}
		}
		$set['updated_at'] = gmdate( 'Y-m-d H:i:s' );
		$suppress          = $wpdb->suppress_errors( true );
		$affected          = $wpdb->update( Igsync_Schema::table( 'leads' ), $set, array( 'ig_user_id' => $row['ig_user_id'] ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->suppress_errors( $suppress );
		if ( false === $affected ) {
			self::remember_database_error();
			return null;
		}
		return (int) $affected;
	}

	/**
	 * A new connection of an account whose older leads were lost or disconnected: they are
	 * connected again (one person, one status).
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @param int    $newest     The new lead's row id.
	 */
	private static function reconnect_older( string $ig_user_id, int $newest ): void {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET status = %s, status_reason = NULL WHERE ig_user_id = %s AND id <> %d AND status <> %s", Igsync_Status::CONNECTED, $ig_user_id, $newest, Igsync_Status::CONNECTED ) );
	}

	/**
	 * Every lead of one Instagram account, read from the database.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return array<int, array<string, mixed>>
	 */
	public static function of_instagram_user( string $ig_user_id ): array {
		global $wpdb;
		$table    = Igsync_Schema::table( 'leads' );
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- live rows of our own table.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE ig_user_id = %s ORDER BY id", $ig_user_id ), ARRAY_A );
		$wpdb->suppress_errors( $suppress );
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * One INSERT ... ON DUPLICATE KEY UPDATE: "created", "updated", or null on a database error
	 * (kept out of the PHP log, where the query would put shoppers' emails).
	 *
	 * @param array<string, mixed> $row The row.
	 * @return string|null
	 */
	private static function upsert( array $row ): ?string {
		global $wpdb;
		$now     = gmdate( 'Y-m-d H:i:s' );
		$row     = array_merge(
			$row,
			array(
				'created_at' => $now,
				'updated_at' => $now,
			)
		);
		$values  = array();
		$updates = array();
		foreach ( $row as $column => $value ) {
			if ( null === $value ) {
				$values[] = 'NULL';
			} elseif ( is_int( $value ) ) {
				$values[] = $wpdb->prepare( '%d', $value );
			} else {
				$values[] = $wpdb->prepare( '%s', $value );
			}
			// A re-sent event (same key) leaves alone the status a later event has set.
			if ( ! in_array( $column, array( 'created_at', 'status', 'status_reason', 'sandbox' ), true ) ) {
				$updates[] = "{$column} = VALUES({$column})";
			}
		}
		$sql      = 'INSERT INTO ' . Igsync_Schema::table( 'leads' ) . ' (' . implode( ', ', array_keys( $row ) ) . ') VALUES (' . implode( ', ', $values ) . ') ON DUPLICATE KEY UPDATE ' . implode( ', ', $updates );
		$suppress = $wpdb->suppress_errors( true );
		$affected = $wpdb->query( $sql ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared -- each value prepared above, the names are ours.
		$wpdb->suppress_errors( $suppress );
		if ( false === $affected ) {
			// The reason without the values it may quote (an email, a name).
			self::remember_database_error();
			return null;
		}
		return 1 === $affected ? 'created' : 'updated';
	}

	/**
	 * Keeps the database's last complaint for the 503, without the values it may quote (an
	 * email, a name), which must not reach the daemon's logs.
	 */
	private static function remember_database_error(): void {
		global $wpdb;
		self::$database_error = substr( (string) preg_replace( "/'[^']*'/", "'…'", (string) $wpdb->last_error ), 0, 200 );
	}

	/**
	 * A stored lead by its idempotency key.
	 *
	 * @param string $key Idempotency key.
	 * @return array<string, mixed>|null
	 */
	public static function find( string $key ): ?array {
		global $wpdb;
		$table    = Igsync_Schema::table( 'leads' );
		$suppress = $wpdb->suppress_errors( true ); // A missing table is repaired by the write.
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the read-back must see the database, not a cache.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE idempotency_key = %s", $key ), ARRAY_A );
		$wpdb->suppress_errors( $suppress );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Erases every lead and user meta igsync stored for this Instagram user (data deletion).
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return array{leads: int, users: int}
	 */
	public static function erase( string $ig_user_id ): array {
		global $wpdb;
		$leads = (int) $wpdb->delete( Igsync_Schema::table( 'leads' ), array( 'ig_user_id' => $ig_user_id ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$users = get_users(
			array(
				'meta_key'   => 'igsync_ig_user_id', // phpcs:ignore WordPress.DB.SlowDBQuery
				'meta_value' => $ig_user_id, // phpcs:ignore WordPress.DB.SlowDBQuery
				'fields'     => 'ID',
			)
		);
		foreach ( $users as $user_id ) {
			foreach ( self::USER_META as $key ) {
				delete_user_meta( (int) $user_id, $key );
			}
			Igsync_Shopper_Status::forget( (int) $user_id );
		}
		/**
		 * Fires when a person's Instagram connection is erased here (Meta's data deletion, the
		 * privacy eraser, the shopper's "also erase", the Leads screen): whatever else names the
		 * account goes too (the reward coupon does).
		 *
		 * @since 0.3.0
		 *
		 * @param string $ig_user_id Instagram user id.
		 */
		do_action( 'igsync_lead_erased', $ig_user_id );
		return array(
			'leads' => $leads,
			'users' => count( $users ),
		);
	}

	/**
	 * User meta for a logged-in shopper's lead (WooCommerce reads customers' meta from the
	 * same place), and their connection status.
	 *
	 * @param int                  $user_id The customer.
	 * @param array<string, mixed> $row     The stored lead.
	 */
	public static function attach_to_user( int $user_id, array $row ): void {
		$meta = array(
			'igsync_ig_user_id'   => $row['ig_user_id'],
			'igsync_ig_username'  => $row['username'],
			'igsync_connected_at' => $row['connected_at'],
			'igsync_ig_picture'   => (string) ( $row['profile_picture_url'] ?? '' ),
		);
		foreach ( $meta as $key => $value ) {
			update_user_meta( $user_id, $key, $value );
		}
		Igsync_Shopper_Status::set( $user_id, (string) ( $row['status'] ?? Igsync_Status::CONNECTED ) );
	}

	/**
	 * A non-empty string or null.
	 *
	 * @param mixed $value Value.
	 * @return string|null
	 */
	private static function text( $value ): ?string {
		return is_string( $value ) && '' !== $value ? $value : null;
	}

	/**
	 * An http(s) address, or null: the schema's `format: uri` is not checked by WordPress, and a
	 * javascript: picture or page has no business in a lead.
	 *
	 * @param mixed $value Value.
	 * @return string|null
	 */
	private static function http_url( $value ): ?string {
		$value = self::text( $value );
		return null !== $value && in_array( wp_parse_url( $value, PHP_URL_SCHEME ), array( 'http', 'https' ), true ) ? $value : null;
	}

	/**
	 * The page a shopper connected from, as leads keep it: without the order key an order
	 * received page carries (with the billing email beside it in a CSV or an email, it opens the
	 * guest's order: name, address, phone).
	 *
	 * @param string $url The page.
	 * @return string
	 */
	public static function page_without_keys( string $url ): string {
		return remove_query_arg( array( 'key', 'order_key', 'wc_order_key' ), $url );
	}

	/**
	 * A 503: the daemon keeps the lead and tries again.
	 *
	 * @param string $reason Why.
	 * @return WP_Error
	 */
	private static function unavailable( string $reason ): WP_Error {
		return new WP_Error( 'igsync_storage_unavailable', "WordPress could not store the lead: {$reason}; try again later", array( 'status' => 503 ) );
	}
}
