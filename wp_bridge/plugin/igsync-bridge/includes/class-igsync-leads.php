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
 * Lead storage and reads.
 */
final class Igsync_Leads {

	const EVENTS = array( 'connected', 'updated', 'connection_lost', 'reconnected' );

	const STATUSES = array( 'connected', 'needs_reconnect', 'disconnected' );

	const USER_META = array( 'igsync_ig_user_id', 'igsync_ig_username', 'igsync_connected_at', 'igsync_ig_picture' );

	/**
	 * The database's last complaint about a lead write, quoted values left out.
	 *
	 * @var string
	 */
	private static $database_error = '';

	/**
	 * The lead's JSON schema; every length is what its column holds (emails up to 254
	 * characters, Instagram usernames up to 30).
	 *
	 * @return array<string, array<string, mixed>>
	 */
	public static function schema(): array {
		$optional = static fn( array $schema ): array => array_merge( $schema, array( 'type' => array( $schema['type'], 'null' ) ) );
		return array(
			'idempotency_key'       => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[A-Za-z0-9_.:-]{1,64}$',
			),
			'ig_user_id'            => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[0-9]{1,64}$',
			),
			'username'              => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[A-Za-z0-9._]{1,30}$',
			),
			'name'                  => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 255,
				)
			),
			'account_type'          => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 32,
				)
			),
			'api'                   => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 32,
				)
			),
			'email'                 => $optional(
				array(
					'type'      => 'string',
					'format'    => 'email',
					'maxLength' => 254,
				)
			),
			'wp_user_id'            => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
				)
			),
			'source'                => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 64,
				)
			),
			'return_url'            => $optional(
				array(
					'type'      => 'string',
					'format'    => 'uri',
					'maxLength' => 2048,
				)
			),
			'wc_order_id'           => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
				)
			),
			'followers_count'       => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 0,
					'maximum' => 4294967295,
				)
			),
			'followers_change'      => $optional(
				array(
					'type'    => 'integer',
					'minimum' => -2147483648,
					'maximum' => 2147483647,
				)
			),
			'followers_change_days' => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 0,
					'maximum' => 65535,
				)
			),
			'engagement_rate'       => $optional(
				array(
					'type'    => 'number',
					'minimum' => 0,
					'maximum' => 9999999,
				)
			),
			'permissions'           => $optional(
				array(
					'type'    => 'string',
					'pattern' => '^[a-z0-9_,]{0,1024}$',
				)
			),
			'unavailable_fields'    => $optional(
				array(
					'type'    => 'string',
					'pattern' => '^[a-z0-9_,]{0,255}$',
				)
			),
			'profile_picture_url'   => $optional(
				array(
					'type'      => 'string',
					'format'    => 'uri',
					'maxLength' => 2048,
				)
			),
			'version'               => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
					'maximum' => 4294967295,
				)
			),
			'connected_at'          => $optional(
				array(
					'type'   => 'string',
					'format' => 'date-time',
				)
			),
			'event'                 => $optional(
				array(
					'type' => 'string',
					'enum' => self::EVENTS,
				)
			),
			'status'                => $optional(
				array(
					'type' => 'string',
					'enum' => self::STATUSES,
				)
			),
			'reason'                => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 255,
				)
			),
		);
	}

	/**
	 * The follower count ("1,234 followers", or the bare number under a Followers heading),
	 * with its trend where the daemon measured one ("+56 in 30 days", marked up or down);
	 * '' when the count is unknown.
	 *
	 * @param array<string, mixed> $lead     A stored lead.
	 * @param bool                 $in_words Whether to say "followers" after the number.
	 * @return string HTML, escaped.
	 */
	public static function followers_html( array $lead, bool $in_words = true ): string {
		if ( null === ( $lead['followers_count'] ?? null ) ) {
			return '';
		}
		$followers = (int) $lead['followers_count'];
		/* translators: %s: number of followers */
		$html   = esc_html( $in_words ? sprintf( _n( '%s follower', '%s followers', $followers, 'igsync-bridge' ), number_format_i18n( $followers ) ) : number_format_i18n( $followers ) );
		$change = $lead['followers_change'] ?? null;
		$days   = (int) ( $lead['followers_change_days'] ?? 0 );
		if ( null !== $change && $days > 0 ) {
			$change    = (int) $change;
			$direction = $change > 0 ? 'up' : ( $change < 0 ? 'down' : 'flat' );
			$signed    = ( $change > 0 ? '+' : ( $change < 0 ? '&minus;' : '' ) ) . esc_html( number_format_i18n( abs( $change ) ) );
			$html     .= sprintf(
				'<br><span class="igsync-trend igsync-trend--%1$s">%2$s</span>',
				esc_attr( $direction ),
				sprintf(
					/* translators: 1: a signed number of followers, e.g. +56, 2: number of days */
					esc_html( _n( '%1$s in %2$s day', '%1$s in %2$s days', $days, 'igsync-bridge' ) ),
					$signed,
					esc_html( number_format_i18n( $days ) )
				)
			);
		}
		return $html;
	}

	/**
	 * A status in the owner's words.
	 *
	 * @param string $status One of STATUSES.
	 * @return string
	 */
	public static function status_label( string $status ): string {
		$labels = array(
			'connecting'      => __( 'Connecting', 'igsync-bridge' ),
			'connected'       => __( 'Connected', 'igsync-bridge' ),
			'needs_reconnect' => __( 'Needs reconnect', 'igsync-bridge' ),
			'disconnected'    => __( 'Disconnected', 'igsync-bridge' ),
			'interrupted'     => __( 'Interrupted: connect again', 'igsync-bridge' ),
		);
		return $labels[ $status ] ?? $status;
	}

	/**
	 * Checks a pushed lead against the schema; the first field that does not fit, as a 422.
	 *
	 * @param mixed $lead The decoded JSON body.
	 * @return true|WP_Error
	 */
	public static function validate( $lead ) {
		if ( ! is_array( $lead ) ) {
			return new WP_Error( 'igsync_invalid_lead', 'the body is not a JSON object', array( 'status' => 400 ) );
		}
		foreach ( self::schema() as $field => $schema ) {
			if ( ! array_key_exists( $field, $lead ) ) {
				if ( ! empty( $schema['required'] ) ) {
					return self::invalid( $field, "{$field} is required" );
				}
				continue;
			}
			$valid = rest_validate_value_from_schema( $lead[ $field ], $schema, $field );
			if ( is_wp_error( $valid ) ) {
				return self::invalid( $field, "{$field}: " . $valid->get_error_message() );
			}
		}
		return true;
	}

	/**
	 * Stores a validated lead and reads it back: "created", "updated" or "ignored" (older than
	 * what is stored), or why not.
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return string|WP_Error
	 */
	public static function store( array $lead ) {
		$row     = self::row( $lead );
		$event   = (string) ( $lead['event'] ?? 'connected' );
		$earlier = 'connected' === $event ? array() : self::of_instagram_user( $row['ig_user_id'] );
		if ( $earlier ) {
			return self::apply_event( $row, $earlier );
		}
		if ( in_array( $event, array( 'connection_lost', 'updated' ), true ) ) {
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
				return self::invalid( $field, "WordPress could not store {$field} as sent" );
			}
		}
		if ( $row['wp_user_id'] ) {
			self::attach_to_user( (int) $row['wp_user_id'], $row );
		}
		$wp_user_id = $row['wp_user_id'] ? (int) $row['wp_user_id'] : 0;
		if ( 'created' === $written && 'connected' === $row['status'] ) {
			self::reconnect_older( $row['ig_user_id'], (int) $stored['id'] );
		}
		if ( 'created' === $written ) {
			/**
			 * Fires once a new lead from the igsync daemon is stored (and read back).
			 *
			 * @param array<string, mixed> $lead       The stored lead (a row of the leads table).
			 * @param int                  $wp_user_id The WordPress user it belongs to, 0 for a guest.
			 */
			do_action( 'igsync_lead_received', $stored, $wp_user_id );
		} else {
			/**
			 * Fires when the daemon sends a lead again or updates it (stored and read back).
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
				'status'                => (string) ( $lead['status'] ?? ( 'connection_lost' === ( $lead['event'] ?? '' ) ? 'needs_reconnect' : 'connected' ) ),
				'status_reason'         => self::text( $lead['reason'] ?? null ),
				'connected_at'          => gmdate( 'Y-m-d H:i:s', $at ? $at : time() ),
				'permissions'           => self::text( $lead['permissions'] ?? null ),
				'unavailable_fields'    => self::text( $lead['unavailable_fields'] ?? null ),
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
				return self::invalid( 'status', 'WordPress could not store the event as sent' );
			}
			$wp_user_id = (int) $stored['wp_user_id'];
			if ( $wp_user_id ) {
				self::attach_to_user( $wp_user_id, $stored );
			}
			$was = (string) ( $previous[ $stored['id'] ] ?? '' );
			if ( 'connected' === $was && 'needs_reconnect' === $stored['status'] ) {
				/**
				 * Fires when a connection is lost: the person's token died (a password change,
				 * the app removed on Instagram, an expiry), so the shop may ask them to
				 * connect again. Fires once per lead, not again for a retried push.
				 *
				 * @param array<string, mixed> $lead       The stored lead; status_reason says why.
				 * @param int                  $wp_user_id The WordPress user it belongs to, 0 for a guest.
				 */
				do_action( 'igsync_connection_lost', $stored, $wp_user_id );
			} else {
				/** This action is documented in includes/class-igsync-leads.php */
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
			return self::invalid( 'ig_user_id', 'no lead of this Instagram account' );
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
		foreach ( array( 'username', 'name', 'account_type', 'profile_picture_url', 'followers_count', 'followers_change', 'followers_change_days', 'engagement_rate', 'version', 'status', 'status_reason', 'unavailable_fields', 'permissions', 'consent_version', 'consent_hash', 'consented_at' ) as $column ) {
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
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET status = 'connected', status_reason = NULL WHERE ig_user_id = %s AND id <> %d AND status <> 'connected'", $ig_user_id, $newest ) );
	}

	/**
	 * The newest lead connected from this order's thank-you page, else this customer's.
	 *
	 * @param int $order_id The order.
	 * @param int $user_id  Its customer, 0 for a guest.
	 * @return array<string, mixed>|null
	 */
	public static function newest_matching( int $order_id, int $user_id ): ?array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		$match = array( $wpdb->prepare( 'wc_order_id = %d', $order_id ) );
		if ( $user_id ) {
			$match[] = $wpdb->prepare( 'wp_user_id = %d', $user_id );
		}
		$match = implode( ' OR ', $match );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; each condition prepared above.
		$row = $wpdb->get_row( "SELECT * FROM {$table} WHERE {$match} ORDER BY (wc_order_id = {$order_id}) DESC, id DESC LIMIT 1", ARRAY_A );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Guests' leads connected from this order (the thank-you page, where the order key vouched
	 * for the shopper) become its customer's. How many.
	 *
	 * @param int $order_id The order.
	 * @param int $user_id  Its customer.
	 * @return int
	 */
	public static function link_order_leads( int $order_id, int $user_id ): int {
		global $wpdb;
		if ( $order_id <= 0 || $user_id <= 0 ) {
			return 0;
		}
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
		$linked = (int) $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET wp_user_id = %d WHERE wp_user_id IS NULL AND wc_order_id = %d", $user_id, $order_id ) );
		if ( $linked ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
			$newest = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE wp_user_id = %d ORDER BY id DESC LIMIT 1", $user_id ), ARRAY_A );
			if ( is_array( $newest ) ) {
				self::attach_to_user( $user_id, $newest );
			}
		}
		return $linked;
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
			foreach ( array_merge( self::USER_META, array( 'igsync_status', 'igsync_status_at' ) ) as $key ) {
				delete_user_meta( (int) $user_id, $key );
			}
		}
		/**
		 * Fires when a person's Instagram connection is erased here (Meta's data deletion, the
		 * privacy eraser, the shopper's "also erase", the Leads screen): whatever else names the
		 * account goes too (the reward coupon does).
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
	private static function attach_to_user( int $user_id, array $row ): void {
		$meta = array(
			'igsync_ig_user_id'   => $row['ig_user_id'],
			'igsync_ig_username'  => $row['username'],
			'igsync_connected_at' => $row['connected_at'],
			'igsync_ig_picture'   => (string) ( $row['profile_picture_url'] ?? '' ),
			'igsync_status'       => (string) ( $row['status'] ?? 'connected' ),
			'igsync_status_at'    => time(),
		);
		foreach ( $meta as $key => $value ) {
			update_user_meta( $user_id, $key, $value );
		}
	}

	/**
	 * One page of leads for the Leads screen, and how many match.
	 *
	 * @param array{search?: string, status?: string, orderby?: string, order?: string, page?: int, per_page?: int} $query What to show.
	 * @return array{rows: array<int, array<string, mixed>>, total: int}
	 */
	public static function query( array $query ): array {
		global $wpdb;
		$table    = Igsync_Schema::table( 'leads' );
		$where    = array( '1 = 1' );
		$search   = trim( (string) ( $query['search'] ?? '' ) );
		$status   = (string) ( $query['status'] ?? '' );
		$per_page = max( 1, (int) ( $query['per_page'] ?? 20 ) );
		$offset   = ( max( 1, (int) ( $query['page'] ?? 1 ) ) - 1 ) * $per_page;
		if ( '' !== $search ) {
			$like    = '%' . $wpdb->esc_like( ltrim( $search, '@' ) ) . '%';
			$where[] = $wpdb->prepare( '(username LIKE %s OR name LIKE %s OR email LIKE %s)', $like, $like, $like );
		}
		if ( in_array( $status, self::STATUSES, true ) ) {
			$where[] = $wpdb->prepare( 'status = %s', $status );
		}
		$columns = array(
			'username'     => 'username',
			'name'         => 'name',
			'email'        => 'email',
			'status'       => 'status',
			'connected_at' => 'connected_at',
			'followers'    => 'followers_count',
			'engagement'   => 'engagement_rate',
		);
		$orderby = $columns[ (string) ( $query['orderby'] ?? '' ) ] ?? 'id';
		$order   = 'asc' === strtolower( (string) ( $query['order'] ?? '' ) ) ? 'ASC' : 'DESC';
		$where   = implode( ' AND ', $where );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; the conditions are prepared above, the order is from a fixed list.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE {$where} ORDER BY {$orderby} {$order}, id {$order} LIMIT %d OFFSET %d", $per_page, $offset ), ARRAY_A );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- as above.
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE {$where}" );
		return array(
			'rows'  => (array) $rows,
			'total' => $total,
		);
	}

	/**
	 * Whether any lead carries an engagement rate (the daemon measures it only when asked to).
	 *
	 * @return bool
	 */
	public static function any_engagement(): bool {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
		return null !== $wpdb->get_var( "SELECT id FROM {$table} WHERE engagement_rate IS NOT NULL LIMIT 1" );
	}

	/**
	 * How many leads have each status.
	 *
	 * @return array<string, int>
	 */
	public static function count_by_status(): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- live counts of our own table.
		$rows   = (array) $wpdb->get_results( "SELECT status, COUNT(*) AS leads FROM {$table} GROUP BY status", ARRAY_A );
		$counts = array_fill_keys( self::STATUSES, 0 );
		foreach ( $rows as $row ) {
			$counts[ (string) $row['status'] ] = (int) $row['leads'];
		}
		return $counts;
	}

	/**
	 * The Instagram accounts of some leads (by row id), for erasing them.
	 *
	 * @param array<int, int> $ids Lead row ids.
	 * @return array<int, string>
	 */
	public static function instagram_users_of( array $ids ): array {
		global $wpdb;
		$ids = array_values( array_filter( array_map( 'intval', $ids ) ) );
		if ( ! $ids ) {
			return array();
		}
		$table = Igsync_Schema::table( 'leads' );
		$marks = implode( ', ', array_fill( 0, count( $ids ), '%d' ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare -- one %d per id.
		return array_map( 'strval', (array) $wpdb->get_col( $wpdb->prepare( "SELECT DISTINCT ig_user_id FROM {$table} WHERE id IN ({$marks})", $ids ) ) );
	}

	/**
	 * Every lead in id order, a batch at a time (CSV export).
	 *
	 * @param int $batch Rows per query.
	 * @return Generator<int, array<string, mixed>>
	 */
	public static function all( int $batch = 500 ): Generator {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		$last  = 0;
		do {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
			$rows = (array) $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE id > %d ORDER BY id LIMIT %d", $last, $batch ), ARRAY_A );
			foreach ( $rows as $row ) {
				$last = (int) $row['id'];
				yield $row;
			}
			$full = count( $rows ) === $batch;
		} while ( $full );
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
	 * Whether a lead came while the site was paired in sandbox mode: an account made up on the
	 * sandbox's page, which must never pass for a real one (no link to instagram.com, where a
	 * stranger may own the name).
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return bool
	 */
	public static function is_sandbox_lead( array $lead ): bool {
		return ! empty( $lead['sandbox'] );
	}

	/**
	 * The "Sandbox" tag shown beside a sandbox lead's handle (escaped), or ''.
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return string
	 */
	public static function sandbox_tag( array $lead ): string {
		if ( ! self::is_sandbox_lead( $lead ) ) {
			return '';
		}
		return ' <span class="igsync-sandbox-tag" title="' . esc_attr__( 'Made up on the igsync sandbox\'s page: not a real Instagram account', 'igsync-bridge' ) . '">' . esc_html__( 'Sandbox', 'igsync-bridge' ) . '</span>';
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
	 * A 422 naming the field.
	 *
	 * @param string $field  Field.
	 * @param string $reason Why.
	 * @return WP_Error
	 */
	private static function invalid( string $field, string $reason ): WP_Error {
		return new WP_Error(
			'igsync_invalid_field',
			$reason,
			array(
				'status' => 422,
				'field'  => $field,
			)
		);
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
