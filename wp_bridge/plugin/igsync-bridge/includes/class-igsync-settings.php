<?php
/**
 * Typed access to the plugin's settings (the page that edits them is admin/).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Options live in one array option, `igsync_settings`, loaded with every request; the shared
 * secrets in another, `igsync_secrets`, read only when a message is signed or verified (not
 * autoloaded, so not in every request's copy of the options, nor in a persistent object cache's
 * copy of them). `secret_set` in the first says whether there is one, for the pages that only
 * need to know.
 */
final class Igsync_Settings {

	const OPTION      = 'igsync_settings';
	const SECRETS     = 'igsync_secrets';
	const SECRET_KEYS = array( 'shared_secret', 'previous_secret', 'previous_until' );

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
			'checkout_field'   => '',
			'reward_enabled'   => '',
			'reward_type'      => 'percent',
			'reward_amount'    => '10',
			'reward_minimum'   => '',
			'reward_days'      => '30',
			'reward_paid_only' => '',
			'reward_sandbox'   => '',
			'peer_bound'       => '',
			'scopes'           => '',
			'enable_fb_login'  => '',
		);
		$options  = in_array( $key, self::SECRET_KEYS, true ) ? self::all() : get_option( self::OPTION, array() );
		$options  = is_array( $options ) ? $options : array();
		$value    = isset( $options[ $key ] ) ? (string) $options[ $key ] : ( $defaults[ $key ] ?? '' );
		if ( 'authorize_url' === $key && '' === $value ) {
			$value = self::DEFAULT_AUTHORIZE[ self::get( 'api_flavour' ) ] ?? self::DEFAULT_AUTHORIZE['instagram_login'];
		}
		return $value;
	}

	/**
	 * The permissions shoppers are asked for: the daemon's IGSYNC_SCOPES as pairing told us,
	 * else the flavour's own.
	 *
	 * @return string Comma separated.
	 */
	public static function scopes(): string {
		$scopes = self::get( 'scopes' );
		return '' !== $scopes ? $scopes : ( self::SCOPES[ self::get( 'api_flavour' ) ] ?? self::SCOPES['instagram_login'] );
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
		update_option( self::OPTION, self::keep_secrets( $settings ) );
		if ( false !== $priority ) {
			add_filter( $hook, $form, $priority );
		}
	}

	/**
	 * Every setting, the secrets included (igsync_secrets over what igsync_settings held before
	 * version 0.3.0 kept them apart).
	 *
	 * @return array<string, mixed>
	 */
	public static function all(): array {
		$settings = get_option( self::OPTION, array() );
		$secrets  = get_option( self::SECRETS, array() );
		return array_merge( is_array( $settings ) ? $settings : array(), is_array( $secrets ) ? $secrets : array() );
	}

	/**
	 * Writes the secrets of $settings to their own option (not autoloaded); the rest, with
	 * `secret_set`, to be stored as igsync_settings.
	 *
	 * @param array<string, mixed> $settings Every setting.
	 * @return array<string, mixed>
	 */
	public static function keep_secrets( array $settings ): array {
		$secrets = array_intersect_key( $settings, array_flip( self::SECRET_KEYS ) );
		update_option( self::SECRETS, $secrets, false );
		$rest               = array_diff_key( $settings, $secrets );
		$rest['secret_set'] = '' !== (string) ( $secrets['shared_secret'] ?? '' ) ? '1' : '';
		return $rest;
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
		return '' !== self::get( 'app_id' ) && self::has_secret() && '' !== self::get( 'daemon_url' );
	}

	/**
	 * Whether a shared secret is set, without reading it (igsync_secrets is not autoloaded).
	 *
	 * @return bool
	 */
	public static function has_secret(): bool {
		$settings = get_option( self::OPTION, array() );
		if ( is_array( $settings ) && isset( $settings['secret_set'] ) ) {
			return '1' === $settings['secret_set'];
		}
		return '' !== self::get( 'shared_secret' ); // Stored by 0.2, before the flag.
	}

	/**
	 * A non-negative amount as WooCommerce stores it, or the default when it is not one.
	 *
	 * @param mixed  $value    Submitted.
	 * @param string $fallback What to keep instead.
	 * @return string
	 */
	public static function decimal( $value, string $fallback ): string {
		$value = trim( (string) $value );
		return preg_match( '/^\d{1,9}(\.\d{1,2})?$/', $value ) ? $value : $fallback;
	}
}
