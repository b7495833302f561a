<?php
/**
 * Tells the shop owner, on the Dashboard, the Plugins screen and igsync's own pages, what needs
 * them: queued codes this site cannot read (kept, not skipped), codes waiting for the daemon
 * for more than ten minutes (they die an hour after the shopper connected), and a broken
 * connection (from a test, or from a shopper's code that could not be forwarded).
 *
 * The last two can be dismissed: each for a day, and only as long as the problem stays the
 * same (a new problem is shown at once).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The admin notices and their dismissal.
 */
final class Igsync_Health_Notice {

	const SCREENS = array( 'dashboard', 'plugins', 'settings_page_igsync' );

	const DISMISSED = 'igsync_dismissed_notices';

	const DISMISS_FOR = DAY_IN_SECONDS;

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_notices', array( __CLASS__, 'render' ) );
		add_action( 'wp_ajax_igsync_dismiss_notice', array( __CLASS__, 'dismiss' ) );
	}

	/**
	 * The notices, when there is something to say.
	 */
	public static function render(): void {
		$screen = get_current_screen();
		if ( ! current_user_can( 'manage_options' ) || null === $screen || ! in_array( $screen->id, array_merge( self::SCREENS, array( Igsync_Leads_Screen::screen_id() ) ), true ) ) {
			return;
		}
		$snapshot = Igsync_Health::snapshot();
		if ( null !== $snapshot['oldest_age'] && $snapshot['oldest_age'] > Igsync_Health::STALE_QUEUE_AGE ) {
			$waiting = sprintf(
				/* translators: 1: number of connections, 2: how long the oldest has waited */
				_n(
					'igsync: %1$d Instagram connection has waited %2$s for the daemon. Codes expire an hour after the shopper connected: use Test connection under Settings > igsync.',
					'igsync: %1$d Instagram connections are waiting for the daemon, the oldest for %2$s. Codes expire an hour after the shopper connected: use Test connection under Settings > igsync.',
					$snapshot['queued'],
					'igsync-bridge'
				),
				$snapshot['queued'],
				human_time_diff( time() - (int) $snapshot['oldest_age'] )
			);
			// The same oldest code is the same problem; a newer one after it is another.
			self::dismissible( 'igsync-queue-stale', (string) $snapshot['oldest_at'], esc_html( $waiting ) );
		}
		$last = Igsync_Health::last();
		if ( null !== $last && ! $last['ok'] && 'settings_page_igsync' !== $screen->id ) {
			$text = 'forward' === ( $last['source'] ?? '' )
				/* translators: %s: what went wrong, in plain words */
				? sprintf( __( 'igsync could not hand a shopper\'s Instagram connection to its daemon (it stays queued). %s', 'igsync-bridge' ), $last['message'] )
				/* translators: %s: what the connection test found */
				: sprintf( __( 'igsync: the last connection test failed. %s', 'igsync-bridge' ), $last['message'] );
			$link = sprintf( '<a href="%s">%s</a>', esc_url( admin_url( 'options-general.php?page=igsync' ) ), esc_html__( 'Open the igsync settings', 'igsync-bridge' ) );
			self::dismissible( 'igsync-connection-broken', md5( $last['message'] ), esc_html( $text ) . ' ' . $link );
		}
		$unreadable = $snapshot['unreadable'];
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

	/**
	 * A warning the user may dismiss; not shown while a dismissal of the same problem holds.
	 *
	 * @param string $id          The notice's id.
	 * @param string $fingerprint What identifies the problem it is about.
	 * @param string $html        Its text, escaped.
	 */
	private static function dismissible( string $id, string $fingerprint, string $html ): void {
		$dismissed = get_user_meta( get_current_user_id(), self::DISMISSED, true );
		$dismissed = is_array( $dismissed ) ? $dismissed : array();
		$earlier   = $dismissed[ $id ] ?? null;
		if ( is_array( $earlier ) && ( $earlier['fingerprint'] ?? '' ) === $fingerprint && (int) ( $earlier['at'] ?? 0 ) > time() - self::DISMISS_FOR ) {
			return;
		}
		self::dismiss_script();
		printf(
			'<div class="notice notice-warning is-dismissible" data-igsync-notice="%1$s" data-igsync-fingerprint="%2$s" data-igsync-nonce="%3$s" id="%1$s"><p>%4$s</p></div>',
			esc_attr( $id ),
			esc_attr( $fingerprint ),
			esc_attr( wp_create_nonce( 'igsync_dismiss_notice' ) ),
			$html // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped by the caller.
		);
	}

	/**
	 * Remembers a dismissal when the notice's close button is pressed (WordPress's own
	 * is-dismissible only hides it until the next page).
	 */
	private static function dismiss_script(): void {
		static $added = false;
		if ( $added ) {
			return;
		}
		$added = true;
		wp_add_inline_script(
			'common',
			"document.addEventListener( 'click', function ( event ) {
				var notice = event.target.closest( '.notice-dismiss' ) && event.target.closest( '[data-igsync-notice]' );
				if ( ! notice ) { return; }
				var body = new URLSearchParams( { action: 'igsync_dismiss_notice', notice: notice.dataset.igsyncNotice, fingerprint: notice.dataset.igsyncFingerprint, _ajax_nonce: notice.dataset.igsyncNonce } );
				window.fetch( window.ajaxurl, { method: 'POST', credentials: 'same-origin', body: body } );
			} );"
		);
	}

	/**
	 * Ajax: records that this user dismissed this notice about this problem.
	 */
	public static function dismiss(): void {
		check_ajax_referer( 'igsync_dismiss_notice' );
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_send_json_error( null, 403 );
		}
		$id          = isset( $_POST['notice'] ) ? sanitize_key( wp_unslash( $_POST['notice'] ) ) : '';
		$fingerprint = isset( $_POST['fingerprint'] ) ? sanitize_text_field( wp_unslash( $_POST['fingerprint'] ) ) : '';
		if ( ! in_array( $id, array( 'igsync-queue-stale', 'igsync-connection-broken' ), true ) ) {
			wp_send_json_error( null, 400 );
		}
		$dismissed        = get_user_meta( get_current_user_id(), self::DISMISSED, true );
		$dismissed        = is_array( $dismissed ) ? $dismissed : array();
		$dismissed[ $id ] = array(
			'fingerprint' => $fingerprint,
			'at'          => time(),
		);
		update_user_meta( get_current_user_id(), self::DISMISSED, $dismissed );
		wp_send_json_success();
	}
}
