<?php
/**
 * `wp igsync leads`: the Leads screen's list, a lead and the export, for a terminal.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lists, shows and exports the Instagram leads WordPress holds.
 */
final class Igsync_CLI_Leads {

	const FIELDS = array( 'id', 'username', 'name', 'email', 'status', 'followers_count', 'connected_at' );
	const PAGE   = 500;

	/**
	 * Lists leads, newest first.
	 *
	 * ## OPTIONS
	 *
	 * [--status=<status>]
	 * : Only leads of this status.
	 * ---
	 * options:
	 *   - connected
	 *   - needs_reconnect
	 *   - disconnected
	 *   - deauthorized
	 * ---
	 *
	 * [--search=<search>]
	 * : Words a username, name or email starts with, as the Leads screen's search.
	 *
	 * [--fields=<fields>]
	 * : The columns, comma separated (any column of the leads table).
	 *
	 * [--format=<format>]
	 * : How to print them.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 *   - count
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync leads list --status=needs_reconnect
	 *     wp igsync leads list --search=anna --fields=username,email --format=csv
	 *     wp igsync leads list --format=count
	 *
	 * @subcommand list
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args The options.
	 */
	public function list_( $args, $assoc_args ): void {
		$format = $assoc_args['format'] ?? 'table';
		$filter = self::filter( $assoc_args );
		if ( 'count' === $format ) {
			WP_CLI::line( (string) Igsync_Leads_Query::query( $filter + array( 'per_page' => 1 ) )['total'] );
			return;
		}
		$rows = self::each( $filter );
		if ( in_array( $format, array( 'table', 'csv' ), true ) ) {
			$rows = self::as_text( $rows ); // An empty cell, not null: WP-CLI's table warns of null on PHP 8.
		}
		WP_CLI\Utils\format_items( $format, $rows, self::fields( $assoc_args ) );
	}

	/**
	 * Rows with every empty column as '' (JSON and YAML keep null).
	 *
	 * @param iterable $rows Rows of the leads table.
	 * @return Generator<int, array<string, string>>
	 */
	private static function as_text( iterable $rows ): Generator {
		foreach ( $rows as $row ) {
			yield array_map( 'strval', (array) $row );
		}
	}

	/**
	 * Shows one lead.
	 *
	 * ## OPTIONS
	 *
	 * <id>
	 * : The lead's id (the first column of `wp igsync leads list`).
	 *
	 * [--fields=<fields>]
	 * : The fields, comma separated.
	 *
	 * [--format=<format>]
	 * : How to print it.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync leads get 42
	 *     wp igsync leads get 42 --format=json
	 *
	 * @param array<int, string>    $args       The lead's id.
	 * @param array<string, string> $assoc_args The options.
	 */
	public function get( $args, $assoc_args ): void {
		$lead = ctype_digit( (string) $args[0] ) ? Igsync_Leads_Query::by_id( (int) $args[0] ) : null;
		if ( null === $lead ) {
			WP_CLI::error( sprintf( 'No lead with id %s.', $args[0] ) );
		}
		$fields = isset( $assoc_args['fields'] ) ? self::fields( $assoc_args ) : array_keys( $lead );
		$format = $assoc_args['format'] ?? 'table';
		if ( 'table' === $format ) { // One lead reads best as field and value, as `wp post get` prints.
			$rows = array_map(
				static fn( string $field ): array => array(
					'Field' => $field,
					'Value' => (string) ( $lead[ $field ] ?? '' ),
				),
				$fields
			);
			WP_CLI\Utils\format_items( 'table', $rows, array( 'Field', 'Value' ) );
			return;
		}
		if ( in_array( $format, array( 'json', 'yaml' ), true ) ) { // One object, not a list of one.
			$shown = array();
			foreach ( $fields as $field ) {
				$shown[ $field ] = $lead[ $field ] ?? null;
			}
			WP_CLI::print_value( $shown, array( 'format' => $format ) );
			return;
		}
		WP_CLI\Utils\format_items( $format, array( $lead ), $fields );
	}

	/**
	 * Exports leads as the Leads screen's CSV does (every column, headings in words, cells a
	 * spreadsheet will not run as formulas), to standard output.
	 *
	 * ## OPTIONS
	 *
	 * [--status=<status>]
	 * : Only leads of this status.
	 *
	 * [--search=<search>]
	 * : Only leads this search finds.
	 *
	 * ## EXAMPLES
	 *
	 *     wp igsync leads export > leads.csv
	 *
	 * @param array<int, string>    $args       Positional arguments (none).
	 * @param array<string, string> $assoc_args The options.
	 */
	public function export( $args, $assoc_args ): void {
		$headings = Igsync_Leads_Screen::csv_headings();
		echo Igsync_Leads_Screen::csv_line( array_values( $headings ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- CSV on a terminal, quoted by csv_line().
		foreach ( Igsync_Leads_Screen::csv_rows( self::each( self::filter( $assoc_args ) ), array_keys( $headings ) ) as $cells ) {
			echo Igsync_Leads_Screen::csv_line( $cells ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- as above.
		}
	}

	/**
	 * The list's filters from the options; an unknown status is an error.
	 *
	 * @param array<string, string> $assoc_args The options.
	 * @return array{status: string, search: string}
	 */
	private static function filter( array $assoc_args ): array {
		$status = (string) ( $assoc_args['status'] ?? '' );
		if ( '' !== $status && ! in_array( $status, Igsync_Status::LEAD, true ) ) {
			WP_CLI::error( sprintf( 'Unknown status "%s": one of %s.', $status, implode( ', ', Igsync_Status::LEAD ) ) );
		}
		return array(
			'status' => $status,
			'search' => (string) ( $assoc_args['search'] ?? '' ),
		);
	}

	/**
	 * The columns asked for; an unknown one is an error.
	 *
	 * @param array<string, string> $assoc_args The options.
	 * @return array<int, string>
	 */
	private static function fields( array $assoc_args ): array {
		if ( empty( $assoc_args['fields'] ) ) {
			return self::FIELDS;
		}
		$fields  = array_map( 'trim', explode( ',', (string) $assoc_args['fields'] ) );
		$unknown = array_diff( $fields, self::columns() );
		if ( $unknown ) {
			WP_CLI::error( sprintf( 'Unknown field "%s": the fields are the leads table\'s columns (%s).', reset( $unknown ), implode( ', ', self::columns() ) ) );
		}
		return $fields;
	}

	/**
	 * The leads table's columns.
	 *
	 * @return array<int, string>
	 */
	private static function columns(): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table's columns.
		return array_map( 'strval', (array) $wpdb->get_col( "SHOW COLUMNS FROM {$table}" ) );
	}

	/**
	 * Every lead the filters find, newest first, read a page at a time.
	 *
	 * @param array{status: string, search: string} $filter The filters.
	 * @return Generator<int, array<string, mixed>>
	 */
	private static function each( array $filter ): Generator {
		$page = 1;
		do {
			$rows = Igsync_Leads_Query::query(
				$filter + array(
					'page'     => $page++,
					'per_page' => self::PAGE,
				)
			)['rows'];
			foreach ( $rows as $row ) {
				yield $row;
			}
			$fetched = count( $rows );
		} while ( self::PAGE === $fetched );
	}
}
