<?php
/**
 * Creators' tiers, worked out from what changes them and only then: a profile sync's push
 * (verified followers, engagement) and a change to one of their orders (sales over the
 * owner's window, queued to WooCommerce's Action Scheduler so that no checkout waits for it),
 * plus a daily pass for sales that have aged out of the window. Never on a page view. A new
 * tier rewrites the creator's coupon, goes into their history and fires
 * `igsync_creator_tier_changed`.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Tier changes.
 */
final class Igsync_Creator_Tiers {

	const RECOMPUTE_HOOK = 'igsync_creator_recompute';
	const DAILY_HOOK     = 'igsync_creator_tiers_daily';
	const GROUP          = 'igsync';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'igsync_lead_received', array( __CLASS__, 'on_lead' ), 20 );
		add_action( 'igsync_lead_updated', array( __CLASS__, 'on_lead' ), 20 );
		add_action( 'igsync_lead_restored', array( __CLASS__, 'on_lead' ), 20 );
		add_action( 'igsync_creator_order_changed', array( __CLASS__, 'queue' ) );
		add_action( self::RECOMPUTE_HOOK, array( __CLASS__, 'recompute' ) );
		add_action( self::DAILY_HOOK, array( __CLASS__, 'recompute_all' ) );
	}

	/**
	 * The tier a creator's figures earn: the last of the owner's tiers (lowest first) whose
	 * every threshold they meet; the first tier, where everyone starts, otherwise. A figure
	 * Instagram did not give (null) meets no threshold above 0.
	 *
	 * @param array<int, array<string, mixed>> $tiers      The tiers.
	 * @param int|null                         $followers  Verified followers.
	 * @param float|null                       $engagement Engagement rate, percent.
	 * @param float                            $revenue    Sales with their code in the window.
	 * @return string The tier's slug.
	 */
	public static function earned( array $tiers, ?int $followers, ?float $engagement, float $revenue ): string {
		$earned = (string) $tiers[0]['slug'];
		foreach ( array_slice( $tiers, 1 ) as $tier ) {
			$meets = (int) ( $followers ?? 0 ) >= (int) $tier['min_followers']
				&& (float) ( $engagement ?? 0 ) >= (float) $tier['min_engagement']
				&& $revenue >= (float) $tier['min_revenue'];
			if ( $meets ) {
				$earned = (string) $tier['slug'];
			}
		}
		return $earned;
	}

	/**
	 * A lead pushed (a profile sync among them): the creator's figures follow it, today's
	 * follower count goes into their history, and the tier is worked out again.
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 */
	public static function on_lead( $lead ): void {
		if ( ! is_array( $lead ) || empty( $lead['ig_user_id'] ) ) {
			return;
		}
		$creator = Igsync_Creators::of_account( (string) $lead['ig_user_id'] );
		if ( null === $creator ) {
			return;
		}
		Igsync_Creators::update( (int) $creator['id'], Igsync_Creators::figures_of( $lead ) );
		if ( isset( $lead['followers_count'] ) && '' !== $lead['followers_count'] ) {
			Igsync_Creators::count_followers( (int) $creator['id'], (int) $lead['followers_count'] );
		}
		self::recompute( (int) $creator['id'] );
	}

	/**
	 * An order of a creator's changed: their tier is worked out in the background, once
	 * however many changes come at once.
	 *
	 * @param int $creator_id The creator.
	 */
	public static function queue( $creator_id ): void {
		$args = array( (int) $creator_id );
		if ( ! function_exists( 'as_enqueue_async_action' ) ) {
			self::recompute( (int) $creator_id );
			return;
		}
		if ( ! as_has_scheduled_action( self::RECOMPUTE_HOOK, $args, self::GROUP ) ) {
			as_enqueue_async_action( self::RECOMPUTE_HOOK, $args, self::GROUP );
		}
	}

	/**
	 * The daily pass, scheduled with Action Scheduler when the owner saves the program's
	 * terms (not looked up on every request).
	 */
	public static function schedule_daily(): void {
		if ( function_exists( 'as_has_scheduled_action' ) && ! as_has_scheduled_action( self::DAILY_HOOK, array(), self::GROUP ) ) {
			as_schedule_recurring_action( time() + HOUR_IN_SECONDS, DAY_IN_SECONDS, self::DAILY_HOOK, array(), self::GROUP );
		}
	}

	/**
	 * Every active creator's tier again (sales age out of the window).
	 */
	public static function recompute_all(): void {
		foreach ( Igsync_Creators::active_ids() as $creator_id ) {
			self::recompute( $creator_id );
		}
	}

	/**
	 * Works a creator's tier out from their figures now; a change rewrites their coupon,
	 * goes into their history and fires `igsync_creator_tier_changed`.
	 *
	 * @param int $creator_id The creator.
	 */
	public static function recompute( $creator_id ): void {
		$creator = Igsync_Creators::find( (int) $creator_id );
		if ( null === $creator || Igsync_Creators::ACTIVE !== $creator['status'] ) {
			return;
		}
		$terms  = Igsync_Creator_Terms::all();
		$before = Igsync_Creator_Terms::tier( (string) $creator['tier'] )['slug'];
		$after  = self::earned(
			$terms['tiers'],
			null === $creator['followers_count'] ? null : (int) $creator['followers_count'],
			null === $creator['engagement_rate'] ? null : (float) $creator['engagement_rate'],
			Igsync_Creator_Orders::revenue_since( (int) $creator['id'], time() - $terms['window_days'] * DAY_IN_SECONDS )
		);
		if ( $after === $creator['tier'] ) {
			return;
		}
		$tier = Igsync_Creator_Terms::tier( $after );
		Igsync_Creators::update( (int) $creator['id'], array( 'tier' => $after ) );
		Igsync_Creators::log( (int) $creator['id'], 'tier', $after );
		if ( ! empty( $creator['coupon_id'] ) ) {
			Igsync_Creator_Coupon::apply_tier( (int) $creator['coupon_id'], $tier );
		}
		/**
		 * Fires when a creator moves to another tier (their followers, engagement or sales
		 * changed); their coupon already gives the new tier's discount.
		 *
		 * @since 0.7.0
		 *
		 * @param array<string, mixed> $creator The creator, as they were.
		 * @param string               $before  The old tier's slug.
		 * @param string               $after   The new tier's slug.
		 */
		do_action( 'igsync_creator_tier_changed', $creator, $before, $after );
	}
}
