<?php
/**
 * A reward for connecting (Settings > igsync, off by default): the first time an Instagram
 * account connects, a single-use WooCommerce coupon restricted to the customer's email, shown
 * on My Account > Instagram and sent with WooCommerce's own mailer. One reward per Instagram
 * account, per WordPress user, per email (normalised) and per order: each is a claim row only
 * one request can add, keyed by a keyed hash so that the row names nobody. None in sandbox mode
 * (made-up accounts), unless the owner turns it on for a test; optionally only once the
 * customer has a paid order.
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
	const META_CLAIM   = '_igsync_claim';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'igsync_lead_received', array( __CLASS__, 'grant' ), 20, 2 );
		add_action( 'woocommerce_order_status_changed', array( __CLASS__, 'on_order_paid' ), 20, 4 );
		add_filter( 'woocommerce_email_classes', array( __CLASS__, 'add_email' ) );
		add_filter( 'igsync_account_tab_extra', array( __CLASS__, 'on_account_tab' ), 10, 2 );
		add_action( 'igsync_lead_erased', array( __CLASS__, 'scrub' ) );
		add_filter( 'igsync_privacy_export_fields', array( __CLASS__, 'export_fields' ), 10, 2 );
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
	 * A new lead: the coupon, if the reward is on and neither this Instagram account, nor this
	 * customer, nor this email, nor this order ever earned one.
	 *
	 * @param array<string, mixed> $lead       The stored lead.
	 * @param int                  $wp_user_id Its customer, 0 for a guest.
	 */
	public static function grant( $lead, $wp_user_id ): void {
		if ( '1' !== Igsync_Settings::get( 'reward_enabled' ) || ! is_array( $lead ) || Igsync_Status::CONNECTED !== ( $lead['status'] ?? '' ) ) {
			return;
		}
		if ( Igsync_Settings::is_sandbox() && '1' !== Igsync_Settings::get( 'reward_sandbox' ) ) {
			return; // The sandbox's accounts are made up: a reward for each would be free money.
		}
		$user     = $wp_user_id ? get_userdata( (int) $wp_user_id ) : false;
		$email    = $user ? (string) $user->user_email : (string) ( $lead['email'] ?? '' );
		$order_id = $user ? 0 : (int) ( $lead['wc_order_id'] ?? 0 );
		if ( ! is_email( $email ) ) {
			return; // A guest WordPress knows no email of: a coupon for nobody in particular is not a reward.
		}
		if ( '1' === Igsync_Settings::get( 'reward_paid_only' ) && ! self::has_paid_order( $user ? (int) $user->ID : 0, $order_id ) ) {
			return; // Granted by on_order_paid() once an order of theirs is paid.
		}
		$account = (string) $lead['ig_user_id'];
		$claims  = self::claims( $account, $user ? (int) $user->ID : 0, $email, $order_id );
		if ( false !== get_option( self::CLAIM_PREFIX . hash( 'sha256', $account ) ) ) {
			return; // Earned under igsync 0.2, whose claim named the account by a plain hash.
		}
		if ( null !== self::coupon_of_claim( $claims[0] ) || ! self::claim( $claims ) ) {
			return; // Earned before (the coupon outlives a reinstall), or by another request right now.
		}
		$coupon_id = self::create_coupon( $account, (string) $lead['username'], $email, $claims[0] );
		/**
		 * Fires once the reward coupon for a new Instagram connection exists (and before its
		 * email is sent).
		 *
		 * @since 0.3.0
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
	 * An order paid (processing or completed): with "only after a paid order" on, the lead of
	 * that order or its customer earns the reward it was waiting for.
	 *
	 * @param int      $order_id The order.
	 * @param string   $from     Its old status.
	 * @param string   $to       Its new status.
	 * @param WC_Order $order    The order.
	 */
	public static function on_order_paid( $order_id, $from, $to, $order = null ): void {
		if ( '1' !== Igsync_Settings::get( 'reward_paid_only' ) || ! in_array( (string) $to, wc_get_is_paid_statuses(), true ) ) {
			return;
		}
		$order = $order instanceof WC_Order ? $order : wc_get_order( (int) $order_id );
		$lead  = $order instanceof WC_Order ? Igsync_Order_Leads::newest_matching( $order->get_id(), $order->get_customer_id() ) : null;
		if ( null !== $lead ) {
			self::grant( $lead, (int) ( $lead['wp_user_id'] ?? 0 ) );
		}
	}

	/**
	 * Whether this customer (or, for a guest, the order they connected from) has paid.
	 *
	 * @param int $user_id  The customer, 0 for a guest.
	 * @param int $order_id The guest's order.
	 * @return bool
	 */
	private static function has_paid_order( int $user_id, int $order_id ): bool {
		if ( ! $user_id ) {
			$order = $order_id ? wc_get_order( $order_id ) : false;
			return $order instanceof WC_Order && $order->is_paid();
		}
		$paid = wc_get_orders(
			array(
				'customer_id' => $user_id,
				'status'      => wc_get_is_paid_statuses(),
				'limit'       => 1,
				'return'      => 'ids',
			)
		);
		return ! empty( $paid );
	}

	/**
	 * The claim keys a reward takes: the account's first (it names the coupon), then the
	 * customer's, the email's and the guest order's. Keyed hashes: they prevent a second claim
	 * without telling whose it was.
	 *
	 * @param string $account  Instagram user id.
	 * @param int    $user_id  The customer, 0 for a guest.
	 * @param string $email    Their email.
	 * @param int    $order_id A guest's order, 0 for a customer.
	 * @return array<int, string>
	 */
	private static function claims( string $account, int $user_id, string $email, int $order_id ): array {
		$what = array( 'account:' . $account, 'email:' . self::normalise_email( $email ) );
		if ( $user_id ) {
			$what[] = 'user:' . $user_id;
		}
		if ( $order_id ) {
			$what[] = 'order:' . $order_id;
		}
		return array_map(
			static function ( string $subject ): string {
				return self::CLAIM_PREFIX . substr( hash_hmac( 'sha256', $subject, wp_salt( 'auth' ) ), 0, 40 );
			},
			$what
		);
	}

	/**
	 * One person's address however it is typed: case, spaces and a "+tag" do not make a new one.
	 *
	 * @param string $email The email.
	 * @return string
	 */
	public static function normalise_email( string $email ): string {
		$email = strtolower( trim( $email ) );
		$at    = strrpos( $email, '@' );
		if ( false === $at ) {
			return $email;
		}
		$local = substr( $email, 0, $at );
		$plus  = strpos( $local, '+' );
		return ( false === $plus ? $local : substr( $local, 0, $plus ) ) . substr( $email, $at );
	}

	/**
	 * Take every claim, or none: one INSERT IGNORE per claim (the options table's unique name
	 * lets only one request add a row; add_option() would report success to both), and the
	 * ones taken given back when a later one is already held.
	 *
	 * @param array<int, string> $claims Claim keys.
	 * @return bool
	 */
	private static function claim( array $claims ): bool {
		global $wpdb;
		$taken = array();
		foreach ( $claims as $claim ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- an atomic claim; WordPress's option API has none.
			$added = (int) $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'off')", $claim, (string) time() ) );
			if ( 1 !== $added ) {
				foreach ( $taken as $given_back ) {
					// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the claim's own row.
					$wpdb->delete( $wpdb->options, array( 'option_name' => $given_back ) );
				}
				return false;
			}
			$taken[] = $claim;
		}
		return true;
	}

	/**
	 * The single-use coupon, for this email only.
	 *
	 * @param string $account  Instagram user id.
	 * @param string $username Instagram username.
	 * @param string $email    Whose it is.
	 * @param string $claim    The account's claim key, kept on the coupon past a reinstall.
	 * @return int
	 */
	private static function create_coupon( string $account, string $username, string $email, string $claim ): int {
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
		$coupon->update_meta_data( self::META_CLAIM, $claim );
		return (int) $coupon->save();
	}

	/**
	 * The coupon that holds an account's claim, if any (trashed ones too: still earned).
	 *
	 * @param string $claim The account's claim key.
	 * @return int|null
	 */
	private static function coupon_of_claim( string $claim ): ?int {
		return self::coupon_id( self::META_CLAIM, $claim, 'any' );
	}

	/**
	 * The coupon whose meta $key is $value, if any.
	 *
	 * @param string $key    Meta key.
	 * @param string $value  Its value.
	 * @param string $status Post status to look in.
	 * @return int|null
	 */
	private static function coupon_id( string $key, string $value, string $status ): ?int {
		$ids = get_posts(
			array(
				'post_type'   => 'shop_coupon',
				'post_status' => $status,
				'meta_key'    => $key, // phpcs:ignore WordPress.DB.SlowDBQuery -- one account's coupon, rarely.
				'meta_value'  => $value, // phpcs:ignore WordPress.DB.SlowDBQuery
				'fields'      => 'ids',
				'numberposts' => 1,
			)
		);
		return $ids ? (int) $ids[0] : null;
	}

	/**
	 * The reward coupon of an Instagram account, if it earned one.
	 *
	 * @param string $account Instagram user id.
	 * @return WC_Coupon|null
	 */
	public static function coupon_of( string $account ): ?WC_Coupon {
		$id = self::coupon_id( self::META_ACCOUNT, $account, 'publish' );
		return null === $id ? null : new WC_Coupon( $id );
	}

	/**
	 * The reward offered to a shopper who has not connected yet ("Connect and get 10% off your
	 * next order."), or '' when there is none to offer (off, or sandbox mode without the
	 * owner's test switch).
	 *
	 * @return string
	 */
	public static function offer(): string {
		if ( '1' !== Igsync_Settings::get( 'reward_enabled' ) || ( Igsync_Settings::is_sandbox() && '1' !== Igsync_Settings::get( 'reward_sandbox' ) ) ) {
			return '';
		}
		$terms = self::terms();
		/* translators: %s: an amount, "10%" or "$5.00" */
		$text = sprintf( __( 'Connect and get %s off your next order.', 'igsync-bridge' ), self::amount_text( $terms['type'], (string) $terms['amount'] ) );
		if ( (float) $terms['minimum'] > 0 ) {
			/* translators: %s: the minimum spend */
			$text .= ' ' . sprintf( __( '(Orders of %s or more.)', 'igsync-bridge' ), wp_strip_all_tags( wc_price( (float) $terms['minimum'] ) ) );
		}
		return $text;
	}

	/**
	 * A coupon's amount as shoppers read it: "10%" or "$5.00".
	 *
	 * @param string $type   percent or fixed_cart.
	 * @param string $amount The amount.
	 * @return string
	 */
	public static function amount_text( string $type, string $amount ): string {
		return 'percent' === $type
			? wc_format_decimal( $amount, 2, true ) . '%'
			: wp_strip_all_tags( wc_price( (float) $amount ) );
	}

	/**
	 * What the coupon gives, in words ("10% off", "$5.00 off", with the minimum spend).
	 *
	 * @param WC_Coupon $coupon The coupon.
	 * @return string
	 */
	public static function describe( WC_Coupon $coupon ): string {
		/* translators: %s: an amount, "10%" or "$5.00" */
		$text    = sprintf( __( '%s off your next order', 'igsync-bridge' ), self::amount_text( $coupon->get_discount_type(), (string) $coupon->get_amount() ) );
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
	 * A person erased: their reward coupon no longer names them. Unused, it goes; used, it
	 * stays for the shop's books with a description that names nobody, no email and no account
	 * on it. The claim rows (keyed hashes) stay, so the account earns no second one. Plain post
	 * and meta functions: the uninstaller calls it too, with WooCommerce perhaps not loaded.
	 *
	 * @param string|null $account Instagram user id; null for every reward coupon (uninstall).
	 */
	public static function scrub( $account = null ): void {
		$query = array(
			'post_type'   => 'shop_coupon',
			'post_status' => 'any',
			'meta_key'    => self::META_ACCOUNT, // phpcs:ignore WordPress.DB.SlowDBQuery -- one person's coupon, or uninstall.
			'fields'      => 'ids',
			'numberposts' => -1,
		);
		if ( null !== $account ) {
			$query['meta_value'] = (string) $account; // phpcs:ignore WordPress.DB.SlowDBQuery
		}
		foreach ( get_posts( $query ) as $coupon_id ) {
			if ( (int) get_post_meta( (int) $coupon_id, 'usage_count', true ) < 1 ) {
				wp_delete_post( (int) $coupon_id, true );
				continue;
			}
			wp_update_post(
				array(
					'ID'           => (int) $coupon_id,
					'post_excerpt' => __( 'igsync: reward for connecting Instagram (erased)', 'igsync-bridge' ),
				)
			);
			foreach ( array( self::META_ACCOUNT, 'customer_email', '_used_by' ) as $key ) {
				delete_post_meta( (int) $coupon_id, $key );
			}
		}
	}

	/**
	 * The reward coupon in the person's data export.
	 *
	 * @param array<int, array{name: string, value: string}> $fields The export's fields.
	 * @param array<string, mixed>                           $lead   The lead.
	 * @return array<int, array{name: string, value: string}>
	 */
	public static function export_fields( $fields, $lead ): array {
		$fields = is_array( $fields ) ? $fields : array();
		$coupon = is_array( $lead ) ? self::coupon_of( (string) ( $lead['ig_user_id'] ?? '' ) ) : null;
		if ( null !== $coupon ) {
			$fields[] = array(
				'name'  => __( 'Reward coupon', 'igsync-bridge' ),
				'value' => strtoupper( $coupon->get_code() ) . ' (' . self::describe( $coupon ) . ')',
			);
		}
		return $fields;
	}

	/**
	 * The reward email among WooCommerce's (WooCommerce > Settings > Emails can switch it off).
	 *
	 * @param array<string, WC_Email> $emails WooCommerce's emails.
	 * @return array<string, WC_Email>
	 */
	public static function add_email( $emails ): array {
		$emails                        = is_array( $emails ) ? $emails : array();
		$emails['Igsync_Email_Reward'] = new Igsync_Email_Reward();
		return $emails;
	}
}
