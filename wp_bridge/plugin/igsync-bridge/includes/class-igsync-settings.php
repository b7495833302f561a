<?php
/**
 * Typed access to the plugin's settings (the page that edits them is admin/).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Options live in one array option, `igsync_settings`.
 */
final class Igsync_Settings {

	const OPTION = 'igsync_settings';

	const DEFAULT_AUTHORIZE = array(
		'instagram_login' => 'https://www.instagram.com/oauth/authorize',
		'basic_display'   => 'https://api.instagram.com/oauth/authorize',
	);

	const SCOPES = array(
		'instagram_login' => 'instagram_business_basic',
		'basic_display'   => 'user_profile,user_media',
	);

	/**
	 * One setting, with its default.
	 *
	 * @param string $key Setting name.
	 * @return string
	 */
	public static function get( string $key ): string {
		$defaults = array(
			'daemon_url'       => 'http://127.0.0.1:8765',
			'shared_secret'    => '',
			'app_id'           => '',
			'api_flavour'      => 'instagram_login',
			'authorize_url'    => '',
			'sandbox'          => '',
			'notify_leads'     => '',
			'thank_you_prompt' => '',
			'reward_enabled'   => '',
			'reward_type'      => 'percent',
			'reward_amount'    => '10',
			'reward_minimum'   => '',
			'reward_days'      => '30',
			'reward_paid_only' => '',
			'reward_sandbox'   => '',
			'peer_bound'       => '',
		);
		$options  = get_option( self::OPTION, array() );
		$options  = is_array( $options ) ? $options : array();
		$value    = isset( $options[ $key ] ) ? (string) $options[ $key ] : ( $defaults[ $key ] ?? '' );
		if ( 'authorize_url' === $key && '' === $value ) {
			$value = self::DEFAULT_AUTHORIZE[ self::get( 'api_flavour' ) ] ?? self::DEFAULT_AUTHORIZE['instagram_login'];
		}
		return $value;
	}

	/**
	 * The redirect URI to register in the Meta dashboard: this site's callback route.
	 *
	 * @return string
	 */
	public static function redirect_uri(): string {
		return rest_url( 'igsync/v1/callback' );
	}

	/**
	 * Writes the whole settings array as given, past the settings form's sanitizer (which keeps
	 * a saved secret when the form leaves it blank): for pairing, which checked what it writes.
	 *
	 * @param array<string, string> $settings The settings.
	 */
	public static function replace( array $settings ): void {
		$form     = array( 'Igsync_Settings_Page', 'sanitize' );
		$hook     = 'sanitize_option_' . self::OPTION;
		$priority = has_filter( $hook, $form );
		if ( false !== $priority ) {
			remove_filter( $hook, $form, $priority );
		}
		update_option( self::OPTION, $settings );
		if ( false !== $priority ) {
			add_filter( $hook, $form, $priority );
		}
	}

	/**
	 * Whether the Connect button goes to the igsync sandbox (paired with `igsync pair --sandbox`).
	 *
	 * @return bool
	 */
	public static function is_sandbox(): bool {
		return '1' === self::get( 'sandbox' );
	}

	/**
	 * Whether the shop owner has filled in what the connect flow needs.
	 *
	 * @return bool
	 */
	public static function is_configured(): bool {
		return '' !== self::get( 'app_id' ) && '' !== self::get( 'shared_secret' ) && '' !== self::get( 'daemon_url' );
	}
}
