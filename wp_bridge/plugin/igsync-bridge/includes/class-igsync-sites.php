<?php
/**
 * The sites a network-wide task runs on. Self-contained, because uninstall.php runs it with
 * the rest of the plugin not loaded.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Runs a task on one site or on every site of a network.
 */
final class Igsync_Sites {

	/**
	 * Runs $task on the current site, or, when $every_site on a network, on each of its sites.
	 *
	 * @param bool     $every_site Every site of the network.
	 * @param callable $task       What to run (no arguments).
	 */
	public static function each( bool $every_site, callable $task ): void {
		if ( ! $every_site || ! is_multisite() ) {
			$task();
			return;
		}
		$sites = get_sites(
			array(
				'fields' => 'ids',
				'number' => 0,
			)
		);
		foreach ( $sites as $site_id ) {
			switch_to_blog( (int) $site_id );
			$task();
			restore_current_blog();
		}
	}
}
