<?php
/**
 * The creators screen's reads: a page of creators by status, tier and a search (a username
 * or a code, by its beginning: both indexed), sorted by an indexed column; counts per status.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads of the creators table for wp-admin.
 */
final class Igsync_Creators_Query {

	/** The columns one can sort by, and the SQL each sorts on. */
	const ORDER_BY = array(
		'username'   => 'username',
		'tier'       => 'tier',
		'followers'  => 'followers_count',
		'engagement' => 'engagement_rate',
		'orders'     => 'orders_count',
		'revenue'    => 'revenue',
		'commission' => 'commission',
		'code'       => 'code',
		'last_order' => 'last_order_at',
	);

	const STATUSES = array( Igsync_Creators::ACTIVE, Igsync_Creators::PENDING, Igsync_Creators::INVITED, Igsync_Creators::DECLINED );

	/**
	 * A page of creators.
	 *
	 * @param array{search?: string, status?: string, tier?: string, country?: string, orderby?: string, order?: string, page?: int, per_page?: int} $args What to read.
	 * @return array{rows: array<int, array<string, mixed>>, total: int}
	 */
	public static function query( array $args ): array {
		global $wpdb;
		$table    = Igsync_Schema::table( 'creators' );
		$where    = self::where( $args );
		$orderby  = self::ORDER_BY[ $args['orderby'] ?? '' ] ?? 'revenue';
		$order    = 'asc' === ( $args['order'] ?? '' ) ? 'ASC' : 'DESC';
		$per_page = max( 1, (int) ( $args['per_page'] ?? 20 ) );
		$offset   = ( max( 1, (int) ( $args['page'] ?? 1 ) ) - 1 ) * $per_page;
		// phpcs:disable WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our table; every value in $where is prepared, the order is from a list.
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE {$where} ORDER BY {$orderby} {$order}, id DESC LIMIT %d OFFSET %d", $per_page, $offset ), ARRAY_A );
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE {$where}" );
		// phpcs:enable WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return array(
			'rows'  => is_array( $rows ) ? $rows : array(),
			'total' => $total,
		);
	}

	/**
	 * Every creator matching the filters, for the export (in pages of 500).
	 *
	 * @param array{search?: string, status?: string, tier?: string, country?: string} $args Filters.
	 * @return Generator<int, array<string, mixed>>
	 */
	public static function each( array $args ): Generator {
		for ( $page = 1; ; ++$page ) {
			$rows = self::query(
				array_merge(
					$args,
					array(
						'page'     => $page,
						'per_page' => 500,
						'orderby'  => 'username',
						'order'    => 'asc',
					)
				)
			)['rows'];
			foreach ( $rows as $row ) {
				yield $row;
			}
			if ( count( $rows ) < 500 ) {
				return;
			}
		}
	}

	/**
	 * Creators per status.
	 *
	 * @return array<string, int>
	 */
	public static function count_by_status(): array {
		global $wpdb;
		$table    = Igsync_Schema::table( 'creators' );
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- by index.
		$rows = $wpdb->get_results( "SELECT status, COUNT(*) AS n FROM {$table} GROUP BY status", ARRAY_A );
		$wpdb->suppress_errors( $suppress );
		$counts = array_fill_keys( self::STATUSES, 0 );
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			if ( isset( $counts[ $row['status'] ] ) ) {
				$counts[ $row['status'] ] = (int) $row['n'];
			}
		}
		return $counts;
	}

	/**
	 * The top countries creators have, for the filter (from the index alone).
	 *
	 * @return array<int, string>
	 */
	public static function top_countries(): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'creators' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our table; a filter's options are read live.
		$codes = $wpdb->get_col( "SELECT DISTINCT top_country FROM {$table} WHERE top_country IS NOT NULL AND CHAR_LENGTH(top_country) = 2 ORDER BY top_country" );
		return array_values( array_filter( array_map( 'strval', (array) $codes ), static fn( string $code ): bool => (bool) preg_match( '/^[A-Z]{2}$/', $code ) ) );
	}

	/**
	 * The WHERE clause of the filters, values prepared.
	 *
	 * @param array{search?: string, status?: string, tier?: string, country?: string} $args Filters.
	 * @return string
	 */
	private static function where( array $args ): string {
		global $wpdb;
		$where  = array( '1=1' );
		$status = (string) ( $args['status'] ?? '' );
		if ( in_array( $status, self::STATUSES, true ) ) {
			$where[] = $wpdb->prepare( 'status = %s', $status );
		}
		$tier = (string) ( $args['tier'] ?? '' );
		if ( '' !== $tier ) {
			$where[] = $wpdb->prepare( 'tier = %s', $tier );
		}
		$country = (string) ( $args['country'] ?? '' );
		if ( '' !== $country ) {
			$where[] = $wpdb->prepare( 'top_country = %s', $country );
		}
		$search = ltrim( trim( (string) ( $args['search'] ?? '' ) ), '@' );
		if ( '' !== $search ) {
			$like    = $wpdb->esc_like( $search ) . '%';
			$where[] = $wpdb->prepare( '(username LIKE %s OR code LIKE %s)', $like, $like );
		}
		return implode( ' AND ', $where );
	}
}
