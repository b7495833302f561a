<?php
/**
 * The creator program's flows: a connected customer applies from My Account > Instagram (or
 * the owner invites a lead), the owner approves where the terms ask for it, and an approved
 * creator gets their code. An erased person's creator record, history and unused code go.
 * Only with WooCommerce (coupons and orders are its own).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Becoming a creator, and leaving.
 */
final class Igsync_Creator_Program {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'template_redirect', array( __CLASS__, 'handle_application' ) );
		add_action( 'igsync_lead_erased', array( __CLASS__, 'erase' ) );
		add_action( 'woocommerce_update_coupon', array( __CLASS__, 'on_coupon_saved' ), 10, 2 );
		add_filter( 'woocommerce_coupon_is_valid', array( __CLASS__, 'not_for_its_creator' ), 10, 2 );
		add_filter( 'igsync_account_tab_extra', array( 'Igsync_Creator_Tab', 'render' ), 20, 2 );
		add_filter( 'igsync_lead_row_actions', array( __CLASS__, 'invite_action' ), 10, 2 );
		add_action( 'igsync_order_box', array( 'Igsync_Creator_Order_Box', 'render' ) );
		add_filter( 'woocommerce_get_settings_pages', array( __CLASS__, 'add_settings_page' ) );
		Igsync_Creator_Orders::register();
		Igsync_Creator_Tiers::register();
		Igsync_Creators_Rest::register();
		add_filter( 'igsync_privacy_export_fields', array( __CLASS__, 'export_fields' ), 10, 2 );
		if ( is_admin() ) {
			Igsync_Creators_Screen::register();
		}
	}

	/**
	 * WooCommerce > Settings > Instagram creators.
	 *
	 * @param array<int, WC_Settings_Page> $pages WooCommerce's settings pages.
	 * @return array<int, WC_Settings_Page>
	 */
	public static function add_settings_page( $pages ): array {
		$pages   = is_array( $pages ) ? $pages : array();
		$pages[] = new Igsync_Creator_Settings();
		return $pages;
	}

	/**
	 * The customer's connected lead, if they have one.
	 *
	 * @param int $user_id The customer.
	 * @return array<string, mixed>|null
	 */
	public static function lead_of_user( int $user_id ): ?array {
		$account = (string) get_user_meta( $user_id, 'igsync_ig_user_id', true );
		if ( '' === $account || Igsync_Status::CONNECTED !== Igsync_Shopper_Status::get( $user_id ) ) {
			return null;
		}
		foreach ( Igsync_Leads::of_instagram_user( $account ) as $lead ) {
			if ( Igsync_Status::CONNECTED === $lead['status'] ) {
				return $lead;
			}
		}
		return null;
	}

	/**
	 * A customer applies: a creator at once, or pending the owner's approval.
	 *
	 * @param int $user_id The customer.
	 * @return array<string, mixed>|WP_Error The creator.
	 */
	public static function apply( int $user_id ) {
		$lead = self::lead_of_user( $user_id );
		if ( null === $lead ) {
			return new WP_Error( 'igsync_not_connected', __( 'Connect your Instagram account first.', 'igsync-bridge' ) );
		}
		if ( ! Igsync_Creator_Terms::admits( $lead ) ) {
			return new WP_Error( 'igsync_program_closed', __( 'The creator program is not open.', 'igsync-bridge' ) );
		}
		$invited = Igsync_Creators::of_user( $user_id );
		if ( null !== $invited && Igsync_Creators::INVITED === $invited['status'] ) {
			return self::approve( (int) $invited['id'] ); // Accepting the shop's invitation.
		}
		$terms   = Igsync_Creator_Terms::all();
		$creator = Igsync_Creators::add( $lead, $user_id, $terms['approval'] ? Igsync_Creators::PENDING : Igsync_Creators::ACTIVE, (string) $terms['tiers'][0]['slug'] );
		if ( null === $creator ) {
			return new WP_Error( 'igsync_already_creator', __( 'Your Instagram account or your customer account already has a creator code.', 'igsync-bridge' ) );
		}
		return Igsync_Creators::ACTIVE === $creator['status'] ? self::activate( $creator ) : $creator;
	}

	/**
	 * The owner approves a pending creator (or one they invited accepts).
	 *
	 * @param int $creator_id The creator.
	 * @return array<string, mixed>|WP_Error The creator.
	 */
	public static function approve( int $creator_id ) {
		$creator = Igsync_Creators::find( $creator_id );
		if ( null === $creator || Igsync_Creators::ACTIVE === $creator['status'] ) {
			return new WP_Error( 'igsync_no_such_application', __( 'There is no such application.', 'igsync-bridge' ) );
		}
		Igsync_Creators::update( $creator_id, array( 'status' => Igsync_Creators::ACTIVE ) );
		Igsync_Creators::log( $creator_id, Igsync_Creators::ACTIVE );
		$creator['status'] = Igsync_Creators::ACTIVE;
		return self::activate( $creator );
	}

	/**
	 * The owner invites a connected lead that has a customer account: the customer sees the
	 * invitation on My Account > Instagram and accepts it there.
	 *
	 * @param int $lead_id The lead's row id.
	 * @return array<string, mixed>|WP_Error The creator, invited.
	 */
	public static function invite( int $lead_id ) {
		$lead = Igsync_Leads_Query::by_id( $lead_id );
		if ( null === $lead || empty( $lead['wp_user_id'] ) || Igsync_Status::CONNECTED !== $lead['status'] ) {
			return new WP_Error( 'igsync_cannot_invite', __( 'Only a connected lead with a customer account can be invited.', 'igsync-bridge' ) );
		}
		if ( ! Igsync_Creator_Terms::admits( $lead ) ) {
			return new WP_Error( 'igsync_program_closed', __( 'The creator program is not open.', 'igsync-bridge' ) );
		}
		$creator = Igsync_Creators::add( $lead, (int) $lead['wp_user_id'], Igsync_Creators::INVITED, (string) Igsync_Creator_Terms::all()['tiers'][0]['slug'] );
		return $creator ?? new WP_Error( 'igsync_already_creator', __( 'This Instagram account or this customer already has a creator record.', 'igsync-bridge' ) );
	}

	/**
	 * "Invite as creator" on the Leads screen, for a connected customer who is not one yet.
	 *
	 * @param array<string, string> $actions Row actions.
	 * @param array<string, mixed>  $lead    The lead.
	 * @return array<string, string>
	 */
	public static function invite_action( $actions, $lead ): array {
		$actions = is_array( $actions ) ? $actions : array();
		if ( ! is_array( $lead ) || empty( $lead['wp_user_id'] ) || Igsync_Status::CONNECTED !== ( $lead['status'] ?? '' ) || ! current_user_can( Igsync_Creators_Screen::MANAGE_CAPABILITY ) ) {
			return $actions;
		}
		if ( ! Igsync_Creator_Terms::admits( $lead ) || null !== Igsync_Creators::of_account( (string) $lead['ig_user_id'] ) ) {
			return $actions;
		}
		$actions['invite'] = sprintf( '<a href="%1$s">%2$s</a>', esc_url( Igsync_Creators_Screen::invite_url( (int) $lead['id'] ) ), esc_html__( 'Invite as creator', 'igsync-bridge' ) );
		return $actions;
	}

	/**
	 * The owner declines an application: the customer cannot apply again with this account.
	 *
	 * @param int $creator_id The creator.
	 */
	public static function decline( int $creator_id ): void {
		Igsync_Creators::update( $creator_id, array( 'status' => Igsync_Creators::DECLINED ) );
		Igsync_Creators::log( $creator_id, Igsync_Creators::DECLINED );
	}

	/**
	 * An active creator gets their code (once: a second call finds it).
	 *
	 * @param array<string, mixed> $creator The creator.
	 * @return array<string, mixed>|WP_Error The creator, with its coupon.
	 */
	private static function activate( array $creator ) {
		if ( empty( $creator['coupon_id'] ) ) {
			$coupon_id = Igsync_Creator_Coupon::create( $creator, Igsync_Creator_Terms::tier( (string) $creator['tier'] ) );
			if ( ! $coupon_id ) {
				return new WP_Error( 'igsync_no_code', __( 'We could not make your creator code just now. Please try again later.', 'igsync-bridge' ) );
			}
			$code = strtoupper( ( new WC_Coupon( $coupon_id ) )->get_code() );
			Igsync_Creators::update(
				(int) $creator['id'],
				array(
					'coupon_id' => $coupon_id,
					'code'      => $code,
				)
			);
			Igsync_Creators::log( (int) $creator['id'], 'code', $code );
			Igsync_Creator_Tiers::recompute( (int) $creator['id'] ); // Big accounts start higher.
			$creator = Igsync_Creators::find( (int) $creator['id'] ) ?? $creator;
			/**
			 * Fires when someone becomes a creator: their code exists.
			 *
			 * @since 0.7.0
			 *
			 * @param array<string, mixed> $creator The creator.
			 */
			do_action( 'igsync_became_creator', $creator );
		}
		return $creator;
	}

	/**
	 * The "Become a creator" form of My Account > Instagram.
	 */
	public static function handle_application(): void {
		if ( ! isset( $_POST['igsync_become_creator'] ) || ! is_user_logged_in() ) {
			return;
		}
		$nonce = isset( $_POST['_wpnonce'] ) ? sanitize_key( wp_unslash( $_POST['_wpnonce'] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, 'igsync_become_creator' ) ) {
			wc_add_notice( __( 'That link has expired. Please try again.', 'igsync-bridge' ), 'error' );
		} else {
			$creator = self::apply( get_current_user_id() );
			if ( is_wp_error( $creator ) ) {
				wc_add_notice( $creator->get_error_message(), 'error' );
			} elseif ( Igsync_Creators::ACTIVE === $creator['status'] ) {
				/* translators: %s: the creator's coupon code */
				wc_add_notice( sprintf( __( 'Welcome to the creator program! Your code is %s.', 'igsync-bridge' ), (string) $creator['code'] ), 'success' );
			} else {
				wc_add_notice( __( 'Thank you! The shop will look at your application soon.', 'igsync-bridge' ), 'success' );
			}
		}
		wp_safe_redirect( wc_get_account_endpoint_url( Igsync_Account_Tab::ENDPOINT ) );
		exit;
	}

	/**
	 * A person erased (Meta's data deletion, the privacy eraser, the shopper's "erase"): their
	 * creator record, history and attribution go; their code goes too, or, if orders used it,
	 * stays for those orders, expired and naming nobody.
	 *
	 * @param string $ig_user_id Instagram user id.
	 */
	public static function erase( $ig_user_id ): void {
		$creator = Igsync_Creators::of_account( (string) $ig_user_id );
		if ( null === $creator ) {
			return;
		}
		Igsync_Creator_Coupon::retire( (int) $creator['coupon_id'] );
		Igsync_Creator_Orders::forget( Igsync_Creators::delete( (int) $creator['id'] ) );
	}

	/**
	 * The creator record in the person's data export (Tools > Export Personal Data).
	 *
	 * @param array<int, array{name: string, value: string}> $fields The export's fields.
	 * @param array<string, mixed>                           $lead   The lead.
	 * @return array<int, array{name: string, value: string}>
	 */
	public static function export_fields( $fields, $lead ): array {
		$fields  = is_array( $fields ) ? $fields : array();
		$creator = is_array( $lead ) ? Igsync_Creators::of_account( (string) ( $lead['ig_user_id'] ?? '' ) ) : null;
		if ( null === $creator ) {
			return $fields;
		}
		$tier     = Igsync_Creator_Terms::tier( (string) $creator['tier'] );
		$fields[] = array(
			'name'  => __( 'Creator program', 'igsync-bridge' ),
			/* translators: 1: status, 2: tier, 3: code, 4: orders, 5: sales, 6: commission */
			'value' => sprintf( __( '%1$s, %2$s tier, code %3$s: %4$d orders, %5$s in sales, %6$s commission', 'igsync-bridge' ), (string) $creator['status'], (string) $tier['name'], (string) ( $creator['code'] ?? '' ), (int) $creator['orders_count'], wp_strip_all_tags( wc_price( (float) $creator['revenue'] ) ), wp_strip_all_tags( wc_price( (float) $creator['commission'] ) ) ),
		);
		return $fields;
	}

	/**
	 * Uninstall: every creator's code retired as erase() retires one, and the orders'
	 * attribution meta gone from both order stores. Plain SQL and post functions: WooCommerce
	 * may not be loaded.
	 */
	public static function uninstall(): void {
		global $wpdb;
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared -- our table, once.
		$coupons = (array) $wpdb->get_col( 'SELECT coupon_id FROM ' . Igsync_Schema::table( 'creators' ) . ' WHERE coupon_id IS NOT NULL' );
		foreach ( $coupons as $coupon_id ) {
			Igsync_Creator_Coupon::retire( (int) $coupon_id );
		}
		$like = $wpdb->esc_like( '_igsync_creator_' ) . '%';
		foreach ( array( $wpdb->postmeta, $wpdb->prefix . 'wc_orders_meta' ) as $meta ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- a sweep at uninstall; the HPOS table may not exist.
			$wpdb->query( $wpdb->prepare( "DELETE FROM {$meta} WHERE meta_key LIKE %s", $like ) );
		}
		$wpdb->suppress_errors( $suppress );
		if ( function_exists( 'as_unschedule_all_actions' ) ) {
			as_unschedule_all_actions( Igsync_Creator_Tiers::DAILY_HOOK );
			as_unschedule_all_actions( Igsync_Creator_Tiers::RECOMPUTE_HOOK );
		}
	}

	/**
	 * The owner edited a creator's coupon: a new code is the creator's new code.
	 *
	 * @param int            $coupon_id The coupon.
	 * @param WC_Coupon|null $coupon    The coupon.
	 */
	public static function on_coupon_saved( $coupon_id, $coupon = null ): void {
		$coupon  = $coupon instanceof WC_Coupon ? $coupon : new WC_Coupon( (int) $coupon_id );
		$creator = Igsync_Creators::of_coupon( (int) $coupon_id );
		$code    = strtoupper( $coupon->get_code() );
		if ( null !== $creator && '' !== $code && $code !== (string) $creator['code'] ) {
			Igsync_Creators::update( (int) $creator['id'], array( 'code' => $code ) );
			Igsync_Creators::log( (int) $creator['id'], 'code', $code );
		}
	}

	/**
	 * A creator cannot use their own code: it is for their followers.
	 *
	 * @param bool      $valid  Whether WooCommerce found it valid.
	 * @param WC_Coupon $coupon The coupon.
	 * @return bool
	 * @throws Exception With the reason, which WooCommerce shows the shopper.
	 */
	public static function not_for_its_creator( $valid, $coupon ): bool {
		if ( ! $valid || ! $coupon instanceof WC_Coupon || ! is_user_logged_in() ) {
			return (bool) $valid;
		}
		$creator_id = Igsync_Creator_Coupon::creator_id( $coupon );
		$creator    = $creator_id ? Igsync_Creators::of_user( get_current_user_id() ) : null;
		if ( null !== $creator && (int) $creator['id'] === $creator_id ) {
			throw new Exception( esc_html__( 'This is your own creator code: it is for your followers.', 'igsync-bridge' ) );
		}
		return true;
	}
}
