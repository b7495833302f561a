<?php
/**
 * Loads the plugin's classes on first use, the way WooCommerce's WC_Autoloader does: a class
 * Igsync_Foo_Bar lives in class-igsync-foo-bar.php, in the first of the plugin's folders that
 * has it. Nothing lists its files by hand; the WooCommerce and admin classes are read only
 * where they are used.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's class autoloader.
 */
final class Igsync_Autoloader {

	/** Where the classes are, searched in this order. */
	const FOLDERS = array( 'includes', 'includes/leads', 'admin', 'woocommerce', 'creators', 'privacy', 'cli' );

	/**
	 * Registers the autoloader (once).
	 */
	public static function register(): void {
		spl_autoload_register( array( __CLASS__, 'load' ) );
	}

	/**
	 * Loads an igsync class, if it is one.
	 *
	 * @param string $class_name The class asked for.
	 */
	public static function load( string $class_name ): void {
		if ( 0 !== strpos( $class_name, 'Igsync_' ) ) {
			return;
		}
		$file = 'class-' . str_replace( '_', '-', strtolower( $class_name ) ) . '.php';
		$root = dirname( __DIR__ );
		foreach ( self::FOLDERS as $folder ) {
			$path = "{$root}/{$folder}/{$file}";
			if ( is_readable( $path ) ) {
				require_once $path;
				return;
			}
		}
	}
}
