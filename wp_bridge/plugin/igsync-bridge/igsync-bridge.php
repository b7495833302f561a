<?php
/**
 * Plugin Name:       igsync bridge
 * Description:       Connect with Instagram: checks the OAuth state, keeps the authorization code safe and forwards it, signed, to the igsync daemon; receives the leads it sends back.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * Author:            igsync
 * License:           Proprietary
 * Text Domain:       igsync-bridge
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

define( 'IGSYNC_BRIDGE_VERSION', '0.1.0' );
define( 'IGSYNC_BRIDGE_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-igsync-settings.php';
require_once __DIR__ . '/includes/class-igsync-signature.php';
require_once __DIR__ . '/includes/class-igsync-queue.php';
require_once __DIR__ . '/includes/class-igsync-state.php';
require_once __DIR__ . '/includes/class-igsync-forwarder.php';
require_once __DIR__ . '/includes/class-igsync-leads.php';
require_once __DIR__ . '/includes/class-igsync-connect.php';
require_once __DIR__ . '/includes/class-igsync-meta.php';
require_once __DIR__ . '/includes/class-igsync-rest.php';
require_once __DIR__ . '/includes/class-igsync-admin.php';

register_activation_hook( __FILE__, array( 'Igsync_Queue', 'install' ) );

add_action( 'plugins_loaded', array( 'Igsync_Queue', 'maybe_upgrade' ) );
add_action( 'rest_api_init', array( 'Igsync_Rest', 'register_routes' ) );
add_action( 'init', array( 'Igsync_Connect', 'register' ) );
add_action( 'igsync_prune', array( 'Igsync_Queue', 'prune' ) );

if ( is_admin() ) {
	Igsync_Settings::register();
	Igsync_Admin::register();
}
