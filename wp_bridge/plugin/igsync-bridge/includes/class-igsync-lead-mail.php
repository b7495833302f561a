<?php
/**
 * Settings > igsync > New lead emails: the site's admin hears of each new lead by email
 * (wp_mail, so the site's own mail setup and plugins apply).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The new lead email.
 */
final class Igsync_Lead_Mail {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'igsync_lead_received', array( __CLASS__, 'send' ), 10, 2 );
	}

	/**
	 * Emails the admin about a new lead, when the setting is on.
	 *
	 * @param array<string, mixed> $lead       The stored lead.
	 * @param int                  $wp_user_id Its WordPress user, 0 for a guest.
	 */
	public static function send( $lead, $wp_user_id ): void {
		if ( '1' !== Igsync_Settings::get( 'notify_leads' ) || ! is_array( $lead ) ) {
			return;
		}
		$site = wp_specialchars_decode( (string) get_option( 'blogname' ), ENT_QUOTES );
		$user = $wp_user_id ? get_userdata( (int) $wp_user_id ) : false;
		/* translators: 1: site name, 2: Instagram username */
		$subject = sprintf( __( '[%1$s] New Instagram lead: @%2$s', 'igsync-bridge' ), $site, (string) $lead['username'] );
		if ( Igsync_Lead_Format::is_sandbox_lead( $lead ) ) {
			/* translators: 1: site name, 2: Instagram username */
			$subject = sprintf( __( '[%1$s] New sandbox lead (not Instagram): @%2$s', 'igsync-bridge' ), $site, (string) $lead['username'] );
		}
		$lines = array(
			/* translators: %s: Instagram username */
			sprintf( __( 'A shopper connected the Instagram account @%s.', 'igsync-bridge' ), (string) $lead['username'] ),
			'',
			/* translators: %s: the person's name on Instagram */
			sprintf( __( 'Name: %s', 'igsync-bridge' ), (string) ( $lead['name'] ?? '' ) ),
			/* translators: %s: email address */
			sprintf( __( 'Email: %s', 'igsync-bridge' ), (string) ( $lead['email'] ?? '' ) ),
			/* translators: %s: a WordPress user's display name, or "guest" */
			sprintf( __( 'Customer: %s', 'igsync-bridge' ), $user ? $user->display_name : __( 'guest', 'igsync-bridge' ) ),
			/* translators: %s: the page the shopper connected from */
			sprintf( __( 'Page: %s', 'igsync-bridge' ), (string) ( $lead['return_url'] ?? '' ) ),
			'',
			/* translators: %s: the Leads screen's address */
			sprintf( __( 'All leads: %s', 'igsync-bridge' ), admin_url( 'admin.php?page=igsync-leads' ) ),
			__( 'You receive this because "New lead emails" is on under Settings > igsync.', 'igsync-bridge' ),
		);
		if ( Igsync_Lead_Format::is_sandbox_lead( $lead ) ) {
			array_splice( $lines, 1, 0, array( __( 'Sandbox mode: this account was made up on the igsync sandbox\'s page, not on Instagram.', 'igsync-bridge' ) ) );
		}
		wp_mail( (string) get_option( 'admin_email' ), $subject, implode( "\n", $lines ) );
	}
}
