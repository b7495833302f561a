<?php
/**
 * The owner's reads of the leads table: the list screen's page of leads (search, filters,
 * sorting), the counts by status, the export's batches.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads of the leads table for wp-admin.
 */
final class Igsync_Leads_Query {

	/** InnoDB's full-text index keeps words of at least this many letters (innodb_ft_min_token_size). */
	const MIN_WORD = 3;

	/**
	 * One page of leads for the Leads screen, and how many match.
	 *
	 * @param array{search?: string, status?: string, min_followers?: int, tier?: string, orderby?: string, order?: string, page?: int, per_page?: int} $query What to show.
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
			$where[] = self::matching( ltrim( $search, '@' ) );
		}
		if ( in_array( $status, Igsync_Status::LEAD, true ) ) {
			$where[] = $wpdb->prepare( 'status = %s', $status );
		}
		if ( isset( $query['min_followers'] ) ) {
			$where[] = $wpdb->prepare( 'followers_count >= %d', (int) $query['min_followers'] );
		}
		if ( '' !== (string) ( $query['tier'] ?? '' ) ) {
			$where[] = $wpdb->prepare( 'ig_user_id IN (SELECT ig_user_id FROM ' . Igsync_Schema::table( 'creators' ) . ' WHERE tier = %s)', (string) $query['tier'] ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- our table's name.
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
	 * The search's condition, answered from an index at any table size: each word of the search
	 * starts a word of the username, name or email (the full-text index: "bakes" finds
	 *
	 * @anna.bakes, "example.net" an address at it, "costa" Bruno Costa); a search with a word
	 * shorter than the index keeps (three letters) starts the username, name or email instead.
	 *
	 * @param string $search What the owner typed.
	 * @return string
	 */
	private static function matching( string $search ): string {
		global $wpdb;
		$words = preg_split( '/[^\p{L}\p{N}_]+/u', $search, -1, PREG_SPLIT_NO_EMPTY );
		$words = is_array( $words ) ? array_slice( $words, 0, 8 ) : array();
		$short = array_filter( $words, static fn( string $word ): bool => mb_strlen( $word ) < self::MIN_WORD );
		if ( $words && ! $short ) {
			$terms = implode( ' ', array_map( static fn( string $word ): string => '+' . $word . '*', $words ) );
			return $wpdb->prepare( 'MATCH (username, name, email) AGAINST (%s IN BOOLEAN MODE)', $terms );
		}
		$like = $wpdb->esc_like( $search ) . '%';
		return $wpdb->prepare( '(username LIKE %s OR name LIKE %s OR email LIKE %s)', $like, $like, $like );
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
		$counts = array_fill_keys( Igsync_Status::LEAD, 0 );
		foreach ( $rows as $row ) {
			$counts[ (string) $row['status'] ] = (int) $row['leads'];
		}
		return $counts;
	}

	/**
	 * One lead by its row id.
	 *
	 * @param int $id The lead's row id.
	 * @return array<string, mixed>|null
	 */
	public static function by_id( int $id ): ?array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by primary key.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * The newest lead of an Instagram username (a username can move to another account, and
	 * an account can connect more than once).
	 *
	 * @param string $username The username, without @.
	 * @return array<string, mixed>|null
	 */
	public static function by_username( string $username ): ?array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by the username index.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE username = %s ORDER BY id DESC LIMIT 1", $username ), ARRAY_A );
		return is_array( $row ) ? $row : null;
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
}
