<?php
/**
 * Templates: the plugin's own, or a theme's copy in yourtheme/igsync-bridge/.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders a template to a string.
 */
final class Igsync_Template {

	/**
	 * The rendered template.
	 *
	 * @param string               $name Template name, without .php.
	 * @param array<string, mixed> $args What the template shows (as $args).
	 * @return string
	 */
	public static function render( string $name, array $args ): string {
		$file = locate_template( 'igsync-bridge/' . $name . '.php' );
		if ( '' === $file ) {
			$file = IGSYNC_BRIDGE_DIR . '/templates/' . $name . '.php';
		}
		wp_enqueue_style( 'igsync-bridge', plugins_url( 'assets/igsync-bridge.css', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION );
		ob_start();
		load_template( $file, false, $args );
		return (string) ob_get_clean();
	}
}
