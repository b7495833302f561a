<?php
/**
 * A reward for connecting (Settings > igsync, off by default): the first time an Instagram
 * account connects, a single-use WooCommerce coupon restricted to the customer's email, shown
 * on My Account > Instagram and sent with WooCommerce's own mailer. The same Instagram account
 * never earns a second one, whichever user or email connects it again: the claim is a row only
 * one request can add.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The reward coupon.
 */
final class Igsync_Reward {

	const CLAIM_PREFIX = 'igsync_reward_';
	const META_ACCOUNT = '_igsync_ig_user_id';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'igsync_lead_received', array( __CLASS__, 'grant' ), 20, 2 );
		add_filter( 'woocommerce_email_classes', array( __CLASS__, 'add_email' ) );
		add_filter( 'igsync_account_tab_extra', array( __CLASS__, 'on_account_tab' ), 10, 2 );
	}

	/**
	 * The reward's settings, with their defaults.
	 *
	 * @return array{type: string, amount: string, minimum: string, days: int}
	 */
	public static function terms(): array {
		$type = Igsync_Settings::get( 'reward_type' );
		return array(
			'type'    => in_array( $type, array( 'percent', 'fixed_cart' ), true ) ? $type : 'percent',
			'amount'  => '' === Igsync_Settings::get( 'reward_amount' ) ? '10' : Igsync_Settings::get( 'reward_amount' ),
			'minimum' => Igsync_Settings::get( 'reward_minimum' ),
			'days'    => max( 1, (int) ( '' === Igsync_Settings::get( 'reward_days' ) ? 30 : Igsync_Settings::get( 'reward_days' ) ) ),
		);
	}

	/**
	 * A new lead: the coupon, if the reward is on and this Instagram account never earned one.
	 *
	 * @param array<string, mixed> $lead       The stored lead.
	 * @param int                  $wp_user_id Its customer, 0 for a guest.
	 */
	public static function grant( $lead, $wp_user_id ): void {
		if ( '1' !== Igsync_Settings::get( 'reward_enabled' ) || ! is_array( $lead ) || 'connected' !== ( $lead['status'] ?? '' ) ) {
			return;
		}
		$user  = $wp_user_id ? get_userdata( (int) $wp_user_id ) : false;
		$email = $user ? (string) $user->user_email : (string) ( $lead['email'] ?? '' );
		if ( ! is_email( $email ) ) {
			return; // A guest WordPress knows no email of: a coupon for nobody in particular is not a reward.
		}
		$account = (string) $lead['ig_user_id'];
		if ( null !== self::coupon_of( $account ) ) {
			return; // Its coupon outlived a reinstall of the plugin: still earned once.
		}
		if ( ! add_option( self::CLAIM_PREFIX . hash( 'sha256', $account ), (string) time(), '', false ) ) {
			return; // Earned before (or being earned by another request right now).
		}
		$coupon_id = self::create_coupon( $account, (string) $lead['username'], $email );
		/**
		 * Fires once the reward coupon for a new Instagram connection exists (and before its
		 * email is sent).
		 *
		 * @param int                  $coupon_id The coupon.
		 * @param array<string, mixed> $lead      The lead that earned it.
		 */
		do_action( 'igsync_reward_granted', $coupon_id, $lead );
		$emails = WC()->mailer()->get_emails();
		if ( isset( $emails['Igsync_Email_Reward'] ) ) {
			$emails['Igsync_Email_Reward']->trigger( $coupon_id, $email );
		}
	}

	/**
	 * The single-use coupon, for this email only.
	 *
	 * @param string $account  Instagram user id.
	 * @param string $username Instagram username.
	 * @param string $email    Whose it is.
	 * @return int
	 */
	private static function create_coupon( string $account, string $username, string $email ): int {
		$terms  = self::terms();
		$coupon = new WC_Coupon();
		$coupon->set_code( 'IG-' . strtoupper( wp_generate_password( 8, false ) ) );
		/* translators: %s: Instagram username */
		$coupon->set_description( sprintf( __( 'igsync: reward for connecting Instagram @%s', 'igsync-bridge' ), $username ) );
		$coupon->set_discount_type( $terms['type'] );
		$coupon->set_amount( $terms['amount'] );
		if ( '' !== $terms['minimum'] ) {
			$coupon->set_minimum_amount( $terms['minimum'] );
		}
		$coupon->set_date_expires( time() + $terms['days'] * DAY_IN_SECONDS );
		$coupon->set_usage_limit( 1 );
		$coupon->set_usage_limit_per_user( 1 );
		$coupon->set_email_restrictions( array( $email ) );
		$coupon->update_meta_data( self::META_ACCOUNT, $account );
		return (int) $coupon->save();
	}

	/**
	 * The reward coupon of an Instagram account, if it earned one.
	 *
	 * @param string $account Instagram user id.
	 * @return WC_Coupon|null
	 */
	public static function coupon_of( string $account ): ?WC_Coupon {
		$ids = get_posts(
			array(
				'post_type'   => 'shop_coupon',
				'post_status' => 'publish',
				'meta_key'    => self::META_ACCOUNT, // phpcs:ignore WordPress.DB.SlowDBQuery -- one account's coupon, rarely.
				'meta_value'  => $account, // phpcs:ignore WordPress.DB.SlowDBQuery
				'fields'      => 'ids',
				'numberposts' => 1,
			)
		);
		return $ids ? new WC_Coupon( (int) $ids[0] ) : null;
	}

	/**
	 * What the coupon gives, in words ("10% off", "$5.00 off", with the minimum spend).
	 *
	 * @param WC_Coupon $coupon The coupon.
	 * @return string
	 */
	public static function describe( WC_Coupon $coupon ): string {
		$amount = 'percent' === $coupon->get_discount_type()
			? wc_format_decimal( $coupon->get_amount(), 2, true ) . '%'
			: wp_strip_all_tags( wc_price( (float) $coupon->get_amount() ) );
		/* translators: %s: an amount, "10%" or "$5.00" */
		$text    = sprintf( __( '%s off your next order', 'igsync-bridge' ), $amount );
		$minimum = (float) $coupon->get_minimum_amount();
		if ( $minimum > 0 ) {
			/* translators: %s: the minimum spend */
			$text .= ' ' . sprintf( __( '(orders of %s or more)', 'igsync-bridge' ), wp_strip_all_tags( wc_price( $minimum ) ) );
		}
		return $text;
	}

	/**
	 * The coupon on My Account > Instagram.
	 *
	 * @param string $html    Markup so far.
	 * @param int    $user_id The customer.
	 * @return string
	 */
	public static function on_account_tab( $html, $user_id ): string {
		$account = (string) get_user_meta( (int) $user_id, 'igsync_ig_user_id', true );
		$coupon  = '' === $account ? null : self::coupon_of( $account );
		if ( null === $coupon ) {
			return (string) $html;
		}
		$expires = $coupon->get_date_expires();
		$used    = $coupon->get_usage_count() >= max( 1, $coupon->get_usage_limit() );
		$state   = $used
			? __( 'used, thank you!', 'igsync-bridge' )
			/* translators: %s: date */
			: ( $expires ? sprintf( __( 'valid until %s', 'igsync-bridge' ), wc_format_datetime( $expires ) ) : '' );
		return (string) $html . sprintf(
			'<section class="igsync-reward"><h3>%1$s</h3><p>%2$s</p><p><code class="igsync-reward__code">%3$s</code> <span class="igsync-reward__state">%4$s</span></p></section>',
			esc_html__( 'Your reward for connecting', 'igsync-bridge' ),
			esc_html( self::describe( $coupon ) . '.' ),
			esc_html( strtoupper( $coupon->get_code() ) ),
			esc_html( $state )
		);
	}

	/**
	 * The reward email among WooCommerce's (WooCommerce > Settings > Emails can switch it off).
	 *
	 * @param array<string, WC_Email> $emails WooCommerce's emails.
	 * @return array<string, WC_Email>
	 */
	public static function add_email( $emails ): array {
		require_once __DIR__ . '/class-igsync-email-reward.php';
		$emails                        = is_array( $emails ) ? $emails : array();
		$emails['Igsync_Email_Reward'] = new Igsync_Email_Reward();
		return $emails;
	}
}
