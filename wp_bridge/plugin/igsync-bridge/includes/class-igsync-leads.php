<?php
/**
 * Leads the daemon pushes back: validated against a schema whose limits are the columns',
 * upserted by idempotency key in one statement, and read back before anyone is told they are
 * stored. A lead that could not be stored is an error the daemon sees (503: retry later; 422:
 * this field cannot be stored), never a 2xx.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lead storage and reads.
 */
final class Igsync_Leads {

	const FIELDS = array( 'idempotency_key', 'ig_user_id', 'username', 'name', 'account_type', 'api', 'email', 'wp_user_id', 'source', 'return_url', 'version', 'connected_at' );

	const USER_META = array( 'igsync_ig_user_id', 'igsync_ig_username', 'igsync_connected_at' );

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
			'idempotency_key' => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[A-Za-z0-9_.:-]{1,64}$',
			),
			'ig_user_id'      => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[0-9]{1,64}$',
			),
			'username'        => array(
				'type'     => 'string',
				'required' => true,
				'pattern'  => '^[A-Za-z0-9._]{1,30}$',
			),
			'name'            => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 255,
				)
			),
			'account_type'    => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 32,
				)
			),
			'api'             => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 32,
				)
			),
			'email'           => $optional(
				array(
					'type'      => 'string',
					'format'    => 'email',
					'maxLength' => 254,
				)
			),
			'wp_user_id'      => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
				)
			),
			'source'          => $optional(
				array(
					'type'      => 'string',
					'maxLength' => 64,
				)
			),
			'return_url'      => $optional(
				array(
					'type'      => 'string',
					'format'    => 'uri',
					'maxLength' => 2048,
				)
			),
			'version'         => $optional(
				array(
					'type'    => 'integer',
					'minimum' => 1,
					'maximum' => 4294967295,
				)
			),
			'connected_at'    => $optional(
				array(
					'type'   => 'string',
					'format' => 'date-time',
				)
			),
		);
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
	 * Stores a validated lead and reads it back: "created" or "updated", or why not.
	 *
	 * @param array<string, mixed> $lead Validated lead.
	 * @return string|WP_Error
	 */
	public static function store( array $lead ) {
		$row     = self::row( $lead );
		$written = Igsync_Schema::write( static fn() => self::upsert( $row ) );
		if ( null === $written ) {
			return self::unavailable( 'the database did not take the write (' . self::$database_error . ')' );
		}
		$stored = self::find( $row['idempotency_key'] );
		if ( null === $stored ) {
			return self::unavailable( 'the lead could not be read back after the write' );
		}
		foreach ( $row as $field => $value ) {
			if ( null !== $value && (string) $value !== (string) $stored[ $field ] ) {
				return self::invalid( $field, "WordPress could not store {$field} as sent" );
			}
		}
		if ( $row['wp_user_id'] ) {
			self::attach_to_user( (int) $row['wp_user_id'], $row );
		}
		$wp_user_id = $row['wp_user_id'] ? (int) $row['wp_user_id'] : 0;
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
		return array(
			'idempotency_key' => (string) $lead['idempotency_key'],
			'ig_user_id'      => (string) $lead['ig_user_id'],
			'username'        => (string) $lead['username'],
			'name'            => self::text( $lead['name'] ?? null ),
			'account_type'    => self::text( $lead['account_type'] ?? null ),
			'api'             => self::text( $lead['api'] ?? null ),
			'email'           => self::text( $lead['email'] ?? null ),
			'wp_user_id'      => $user ? (int) $user->ID : null,
			'source'          => self::text( $lead['source'] ?? null ),
			'return_url'      => self::text( $lead['return_url'] ?? null ),
			'version'         => isset( $lead['version'] ) ? (int) $lead['version'] : null,
			'connected_at'    => gmdate( 'Y-m-d H:i:s', $at ? $at : time() ),
		);
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
			if ( 'created_at' !== $column ) {
				$updates[] = "{$column} = VALUES({$column})";
			}
		}
		$sql      = 'INSERT INTO ' . Igsync_Schema::table( 'leads' ) . ' (' . implode( ', ', array_keys( $row ) ) . ') VALUES (' . implode( ', ', $values ) . ') ON DUPLICATE KEY UPDATE ' . implode( ', ', $updates );
		$suppress = $wpdb->suppress_errors( true );
		$affected = $wpdb->query( $sql ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared -- each value prepared above, the names are ours.
		$wpdb->suppress_errors( $suppress );
		if ( false === $affected ) {
			// The reason without the values it may quote (an email, a name).
			self::$database_error = substr( (string) preg_replace( "/'[^']*'/", "'…'", (string) $wpdb->last_error ), 0, 200 );
			return null;
		}
		return 1 === $affected ? 'created' : 'updated';
	}

	/**
	 * A stored lead by its idempotency key.
	 *
	 * @param string $key Idempotency key.
	 * @return array<string, mixed>|null
	 */
	public static function find( string $key ): ?array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the read-back must see the database, not a cache.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE idempotency_key = %s", $key ), ARRAY_A );
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
			'igsync_status'       => 'connected',
			'igsync_status_at'    => time(),
		);
		foreach ( $meta as $key => $value ) {
			update_user_meta( $user_id, $key, $value );
		}
	}

	/**
	 * A page of leads, newest first, and the total.
	 *
	 * @param int $page     1-based page.
	 * @param int $per_page Rows per page.
	 * @return array{rows: array<int, array<string, mixed>>, total: int}
	 */
	public static function page( int $page, int $per_page ): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} ORDER BY id DESC LIMIT %d OFFSET %d", $per_page, max( 0, $page - 1 ) * $per_page ), ARRAY_A );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name.
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table}" );
		return array(
			'rows'  => (array) $rows,
			'total' => $total,
		);
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
