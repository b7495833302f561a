<?php
/**
 * Plugin Name:          igsync bridge
 * Description:          Connect with Instagram: checks the OAuth state, keeps the authorization code safe and forwards it, signed, to the igsync daemon; receives the leads it sends back.
 * Version:              0.4.0
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

define( 'IGSYNC_BRIDGE_VERSION', '0.4.0' );
define( 'IGSYNC_BRIDGE_FILE', __FILE__ );
define( 'IGSYNC_BRIDGE_DIR', __DIR__ );

require_once __DIR__ . '/includes/class-igsync-sites.php';
require_once __DIR__ . '/includes/class-igsync-settings.php';
require_once __DIR__ . '/includes/class-igsync-schema.php';
require_once __DIR__ . '/includes/class-igsync-signature.php';
require_once __DIR__ . '/includes/class-igsync-throttle.php';
require_once __DIR__ . '/includes/class-igsync-pairing.php';
require_once __DIR__ . '/includes/class-igsync-daemon.php';
require_once __DIR__ . '/includes/class-igsync-cookie.php';
require_once __DIR__ . '/includes/class-igsync-code-box.php';
require_once __DIR__ . '/includes/class-igsync-template.php';
require_once __DIR__ . '/includes/class-igsync-queue.php';
require_once __DIR__ . '/includes/class-igsync-state.php';
require_once __DIR__ . '/includes/class-igsync-consent.php';
require_once __DIR__ . '/includes/class-igsync-forwarder.php';
require_once __DIR__ . '/includes/class-igsync-health.php';
require_once __DIR__ . '/includes/class-igsync-go-live.php';
require_once __DIR__ . '/includes/class-igsync-leads.php';
require_once __DIR__ . '/includes/class-igsync-lead-mail.php';
require_once __DIR__ . '/includes/class-igsync-shopper-notices.php';
require_once __DIR__ . '/includes/class-igsync-connect.php';
require_once __DIR__ . '/includes/class-igsync-meta-queue.php';
require_once __DIR__ . '/includes/class-igsync-meta.php';
require_once __DIR__ . '/includes/class-igsync-rest.php';
require_once __DIR__ . '/includes/class-igsync-lifecycle.php';
require_once __DIR__ . '/privacy/class-igsync-privacy.php';

register_activation_hook( __FILE__, array( 'Igsync_Lifecycle', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Igsync_Lifecycle', 'deactivate' ) );

add_action( 'plugins_loaded', array( 'Igsync_Lifecycle', 'maybe_upgrade' ) );
add_action( 'init', array( 'Igsync_Lifecycle', 'load_textdomain' ) );
add_action( 'rest_api_init', array( 'Igsync_Rest', 'register_routes' ) );
add_filter( 'rest_post_dispatch', array( 'Igsync_Rest', 'announce_signing' ), 10, 3 );
Igsync_Privacy::register();
Igsync_Lead_Mail::register();
add_action( 'init', array( 'Igsync_Connect', 'register' ) );
add_action( Igsync_Lifecycle::PRUNE_HOOK, array( 'Igsync_Queue', 'prune' ) );
add_action( Igsync_Lifecycle::PRUNE_HOOK, array( 'Igsync_Throttle', 'prune' ) );
add_action( Igsync_Lifecycle::PRUNE_HOOK, array( 'Igsync_Meta_Queue', 'prune' ) );
add_action( 'before_woocommerce_init', array( 'Igsync_Lifecycle', 'declare_woocommerce_compatibility' ) );
add_action(
	'plugins_loaded',
	static function (): void {
		if ( class_exists( 'WooCommerce' ) ) {
			require_once __DIR__ . '/woocommerce/class-igsync-woocommerce.php';
			Igsync_WooCommerce::register();
		}
	}
);

if ( is_admin() ) {
	require_once __DIR__ . '/admin/class-igsync-settings-page.php';
	require_once __DIR__ . '/admin/class-igsync-setup-checklist.php';
	require_once __DIR__ . '/admin/class-igsync-go-live-page.php';
	require_once __DIR__ . '/admin/class-igsync-admin.php';
	require_once __DIR__ . '/admin/class-igsync-leads-table.php';
	require_once __DIR__ . '/admin/class-igsync-leads-screen.php';
	require_once __DIR__ . '/admin/class-igsync-health-notice.php';
	require_once __DIR__ . '/admin/class-igsync-site-health.php';
	Igsync_Settings_Page::register();
	Igsync_Go_Live_Page::register();
	Igsync_Admin::register();
	Igsync_Leads_Screen::register();
	Igsync_Health_Notice::register();
	Igsync_Site_Health::register();
}
