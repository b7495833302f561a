<?php
/**
 * The creator program's terms, as the owner sets them: whether it is open, whether each
 * creator waits for approval, and the tiers (the first is where every creator starts), each
 * with its coupon's discount and its commission. One autoloaded option, `igsync_creators`.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Typed access to the program's terms.
 */
final class Igsync_Creator_Terms {

	const OPTION = 'igsync_creators';

	const DEFAULT_TIER = array(
		'slug'              => 'creator',
		'name'              => 'Creator',
		'min_followers'     => 0,
		'min_engagement'    => 0.0,
		'min_revenue'       => 0.0,
		'discount_type'     => 'percent',
		'amount'            => '10',
		'uses_per_customer' => 1,
		'commission'        => '0',
	);

	/**
	 * Every term, with its default.
	 *
	 * @return array{enabled: bool, approval: bool, sandbox: bool, window_days: int, tiers: array<int, array<string, mixed>>}
	 */
	public static function all(): array {
		$stored = get_option( self::OPTION, array() );
		$stored = is_array( $stored ) ? $stored : array();
		$tiers  = self::clean_tiers( is_array( $stored['tiers'] ?? null ) ? $stored['tiers'] : array() );
		return array(
			'enabled'     => self::is_on( $stored['enabled'] ?? '' ),
			'approval'    => self::is_on( $stored['approval'] ?? '' ),
			'sandbox'     => self::is_on( $stored['sandbox'] ?? '' ),
			'window_days' => max( 1, min( 3650, (int) ( $stored['window_days'] ?? 90 ) ) ),
			'tiers'       => $tiers,
		);
	}

	/**
	 * A switch as WooCommerce's settings store it ("yes"), or as a form or test gives it.
	 *
	 * @param mixed $value Stored.
	 * @return bool
	 */
	private static function is_on( $value ): bool {
		return in_array( $value, array( 'yes', '1', 1, true ), true );
	}

	/**
	 * Whether connected shoppers can become creators.
	 *
	 * @return bool
	 */
	public static function is_open(): bool {
		return self::all()['enabled'];
	}

	/**
	 * Whether a lead may become a creator: the program is open, and a sandbox account only
	 * while the owner tries the program out (its code then says TEST).
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return bool
	 */
	public static function admits( array $lead ): bool {
		$terms = self::all();
		return $terms['enabled'] && ( ! Igsync_Lead_Format::is_sandbox_lead( $lead ) || $terms['sandbox'] );
	}

	/**
	 * A tier by slug; the entry tier when there is no such tier (the owner removed it).
	 *
	 * @param string $slug The tier's slug.
	 * @return array<string, mixed>
	 */
	public static function tier( string $slug ): array {
		$tiers = self::all()['tiers'];
		foreach ( $tiers as $tier ) {
			if ( $tier['slug'] === $slug ) {
				return $tier;
			}
		}
		return $tiers[0];
	}

	/**
	 * Writes the terms (from the settings form or a test), cleaned.
	 *
	 * @param array<string, mixed> $terms The terms.
	 */
	public static function save( array $terms ): void {
		$clean          = array(
			'enabled'     => self::is_on( $terms['enabled'] ?? '' ) ? 'yes' : 'no',
			'approval'    => self::is_on( $terms['approval'] ?? '' ) ? 'yes' : 'no',
			'sandbox'     => self::is_on( $terms['sandbox'] ?? '' ) ? 'yes' : 'no',
			'window_days' => max( 1, min( 3650, (int) ( $terms['window_days'] ?? 90 ) ) ),
		);
		$clean['tiers'] = self::clean_tiers( is_array( $terms['tiers'] ?? null ) ? $terms['tiers'] : array() );
		update_option( self::OPTION, $clean, true );
		if ( 'yes' === $clean['enabled'] ) {
			Igsync_Creator_Tiers::schedule_daily();
		}
	}

	/**
	 * Tiers as stored: each with every field typed, named ones only, slugs unique; the
	 * default tier when none is left.
	 *
	 * @param array<int|string, mixed> $tiers Tiers as given.
	 * @return array<int, array<string, mixed>>
	 */
	public static function clean_tiers( array $tiers ): array {
		$clean = array();
		foreach ( $tiers as $tier ) {
			if ( ! is_array( $tier ) ) {
				continue;
			}
			$name = sanitize_text_field( (string) ( $tier['name'] ?? '' ) );
			$slug = sanitize_title( (string) ( $tier['slug'] ?? $name ) );
			if ( '' === $name || '' === $slug || isset( $clean[ $slug ] ) ) {
				continue;
			}
			$clean[ $slug ] = array(
				'slug'              => $slug,
				'name'              => $name,
				'min_followers'     => max( 0, (int) ( $tier['min_followers'] ?? 0 ) ),
				'min_engagement'    => max( 0.0, (float) ( $tier['min_engagement'] ?? 0 ) ),
				'min_revenue'       => max( 0.0, (float) ( $tier['min_revenue'] ?? 0 ) ),
				'discount_type'     => 'fixed_cart' === ( $tier['discount_type'] ?? '' ) ? 'fixed_cart' : 'percent',
				'amount'            => Igsync_Settings::decimal( $tier['amount'] ?? '', '10' ),
				'uses_per_customer' => max( 0, (int) ( $tier['uses_per_customer'] ?? 1 ) ),
				'commission'        => Igsync_Settings::decimal( $tier['commission'] ?? '', '0' ),
			);
		}
		return $clean ? array_values( $clean ) : array( self::DEFAULT_TIER );
	}
}
