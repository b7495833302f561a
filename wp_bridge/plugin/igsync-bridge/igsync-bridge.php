<?php
/**
 * Plugin Name:          igsync bridge
 * Description:          Connect with Instagram: checks the OAuth state, keeps the authorization code safe and forwards it, signed, to the igsync daemon; receives the leads it sends back.
 * Version:              0.8.0
 * Requires at least:    6.1
 * Requires PHP:         8.2
 * Author:               igsync
 * License:              GPL-2.0-or-later
 * License URI:          https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:          igsync-bridge
 * Domain Path:          /languages
 * WC requires at least: 8.0
 * WC tested up to:      10.0
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

define( 'IGSYNC_BRIDGE_VERSION', '0.8.0' );
define( 'IGSYNC_BRIDGE_FILE', __FILE__ );
define( 'IGSYNC_BRIDGE_DIR', __DIR__ );

require_once __DIR__ . '/includes/class-igsync-autoloader.php';
Igsync_Autoloader::register();

register_activation_hook( __FILE__, array( 'Igsync_Lifecycle', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Igsync_Lifecycle', 'deactivate' ) );

Igsync_Plugin::boot();
