<?php
/**
 * Tells the shop owner about queued codes this site cannot read: they are kept, not skipped,
 * and somebody has to know (they die an hour after the shopper connected).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * An admin notice on the Dashboard, the Plugins screen and igsync's own pages.
 */
final class Igsync_Queue_Notice {

	const SCREENS = array( 'dashboard', 'plugins', 'settings_page_igsync', 'toplevel_page_igsync-leads' );

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_notices', array( __CLASS__, 'render' ) );
	}

	/**
	 * The notice, when there is something to say.
	 */
	public static function render(): void {
		$screen = get_current_screen();
		if ( ! current_user_can( 'manage_options' ) || null === $screen || ! in_array( $screen->id, self::SCREENS, true ) ) {
			return;
		}
		$unreadable = Igsync_Queue::unreadable();
		if ( 0 === $unreadable ) {
			return;
		}
		$text = sprintf(
			/* translators: %d: number of queued Instagram connections */
			_n(
				'igsync: %d Instagram connection is waiting in the queue but cannot be decrypted with this site\'s queue key (the igsync_queue_key option was changed or restored from another copy of the site). Restore the key to deliver it; otherwise the shopper has to connect again.',
				'igsync: %d Instagram connections are waiting in the queue but cannot be decrypted with this site\'s queue key (the igsync_queue_key option was changed or restored from another copy of the site). Restore the key to deliver them; otherwise these shoppers have to connect again.',
				$unreadable,
				'igsync-bridge'
			),
			$unreadable
		);
		printf( '<div class="notice notice-error" id="igsync-queue-unreadable"><p>%s</p></div>', esc_html( $text ) );
	}
}
