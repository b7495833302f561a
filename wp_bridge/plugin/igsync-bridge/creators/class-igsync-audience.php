<?php
/**
 * A creator's audience as the daemon reads it with instagram_business_manage_insights
 * (opt-in, IGSYNC_SCOPES): followers by country, age and gender, read once a week, and the
 * day's reach. Each breakdown is a map of groups, or "suppressed" (Instagram withholds it,
 * as for accounts under 100 followers) or "unavailable" (the Graph API version no longer
 * serves it): never an empty chart or a 0 in their place. Stored with the lead, as pushed.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reading the audience off a lead.
 */
final class Igsync_Audience {

	const SUPPRESSED  = 'suppressed';
	const UNAVAILABLE = 'unavailable';
	const BREAKDOWNS  = array( 'country', 'age', 'gender' );

	/**
	 * The lead's insights, decoded; null when they were not asked for.
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return array<string, mixed>|null
	 */
	public static function insights( array $lead ): ?array {
		$insights = isset( $lead['insights'] ) && is_string( $lead['insights'] ) ? json_decode( $lead['insights'], true ) : null;
		return is_array( $insights ) ? $insights : null;
	}

	/**
	 * One breakdown: its groups with their share, largest first; SUPPRESSED, UNAVAILABLE,
	 * or null when the audience was not read.
	 *
	 * @param array<string, mixed> $lead      The stored lead.
	 * @param string               $breakdown One of BREAKDOWNS.
	 * @return array<string, float>|string|null
	 */
	public static function shares( array $lead, string $breakdown ) {
		$audience = self::insights( $lead )['audience'] ?? null;
		$groups   = is_array( $audience ) ? ( $audience[ $breakdown ] ?? null ) : null;
		if ( is_string( $groups ) ) {
			return self::UNAVAILABLE === $groups ? self::UNAVAILABLE : self::SUPPRESSED;
		}
		if ( ! is_array( $groups ) ) {
			return null;
		}
		$counts = array_filter( array_map( 'intval', $groups ), static fn( int $count ): bool => $count > 0 );
		$total  = array_sum( $counts );
		if ( ! $total ) {
			return self::SUPPRESSED;
		}
		uksort( $counts, static fn( $a, $b ): int => array( $counts[ $b ], (string) $a ) <=> array( $counts[ $a ], (string) $b ) ); // Largest first, then by name.
		return array_map( static fn( int $count ): float => 100 * $count / $total, $counts );
	}

	/**
	 * What the creators table stores and filters by: the top country's code, SUPPRESSED,
	 * UNAVAILABLE, or null (not read).
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return string|null
	 */
	public static function top_country( array $lead ): ?string {
		$shares = self::shares( $lead, 'country' );
		if ( ! is_array( $shares ) ) {
			return $shares;
		}
		$top = strtoupper( (string) array_key_first( $shares ) );
		return preg_match( '/^[A-Z]{2}$/', $top ) ? $top : null;
	}

	/**
	 * A country's name as WooCommerce spells it, else its code.
	 *
	 * @param string $code ISO 3166-1 alpha-2.
	 * @return string
	 */
	public static function country_name( string $code ): string {
		$countries = function_exists( 'WC' ) && WC()->countries ? WC()->countries->get_countries() : array();
		return isset( $countries[ $code ] ) ? html_entity_decode( (string) $countries[ $code ] ) : $code;
	}

	/**
	 * A group's name for people: a country's name, "Women" for F.
	 *
	 * @param string $breakdown One of BREAKDOWNS.
	 * @param string $group     The group, as Instagram names it.
	 * @return string
	 */
	public static function group_name( string $breakdown, string $group ): string {
		if ( 'country' === $breakdown ) {
			return self::country_name( $group );
		}
		$genders = array(
			'F' => __( 'Women', 'igsync-bridge' ),
			'M' => __( 'Men', 'igsync-bridge' ),
			'U' => __( 'Not said', 'igsync-bridge' ),
		);
		return 'gender' === $breakdown ? ( $genders[ $group ] ?? $group ) : $group;
	}

	/**
	 * Why there are no figures, in words.
	 *
	 * @param string|null $state SUPPRESSED, UNAVAILABLE or null.
	 * @return string
	 */
	public static function why_none( ?string $state ): string {
		if ( self::SUPPRESSED === $state ) {
			return __( 'Withheld by Instagram (accounts under 100 followers, or not enough data yet)', 'igsync-bridge' );
		}
		if ( self::UNAVAILABLE === $state ) {
			return __( 'Not served by the Graph API version igsync uses', 'igsync-bridge' );
		}
		return __( 'Not read: audience insights are off (instagram_business_manage_insights in IGSYNC_SCOPES), or not granted', 'igsync-bridge' );
	}

	/**
	 * The day the audience was read (Y-m-d), if it was.
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return string|null
	 */
	public static function read_on( array $lead ): ?string {
		$read = self::insights( $lead )['audience']['read_on'] ?? null;
		return is_string( $read ) && preg_match( '/^\d{4}-\d{2}-\d{2}$/', $read ) ? $read : null;
	}
}
