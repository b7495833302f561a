<?php
/**
 * The WooCommerce fields of Settings > igsync (the thank-you prompt, the reward), shown only
 * where WooCommerce is active; they are fields of the igsync option, sanitized with the rest.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce's part of the settings page.
 */
final class Igsync_Wc_Settings {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'igsync_settings_fields', array( __CLASS__, 'render' ) );
	}

	/**
	 * The fields.
	 *
	 * @param string $name The option's name.
	 */
	public static function render( string $name ): void { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.Found -- the view reads it.
		include __DIR__ . '/views/settings-fields.php';
	}
}
