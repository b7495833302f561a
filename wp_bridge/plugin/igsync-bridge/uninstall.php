<?php
/**
 * Plugins > Delete: removes the plugin's tables, options, transients, scheduled events and user
 * meta, on every site of a network.
 *
 * @package igsync-bridge
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-igsync-autoloader.php';
Igsync_Autoloader::register();

Igsync_Uninstaller::run();
