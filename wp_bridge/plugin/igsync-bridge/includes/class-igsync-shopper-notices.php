<?php
/**
 * What the shopper is told when they come back from the connect flow.
 *
 * The flow's routes never answer with JSON or an error page: they send the shopper back to the
 * page they started from and leave a one-time notice in a short-lived cookie. The page reads
 * and clears the cookie before any output, so the notice shows once (a refresh does not repeat
 * it) and the address bar stays clean (no query argument; Instagram's `#_` is removed).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * One-time notices for shoppers.
 */
final class Igsync_Shopper_Notices {

	const COOKIE = 'igsync_notice';
	const TTL    = 300;

	/**
	 * The notice due on this page view, once taken from the cookie.
	 *
	 * @var string
	 */
	private static $pending = '';

	/**
	 * Every notice: its kind (success, info, error) and its text.
	 *
	 * @return array<string, array{0: string, 1: string}>
	 */
	public static function all(): array {
		return array(
			'connecting'   => array( 'success', __( 'Thanks! We are connecting your Instagram account. It will show here in a moment.', 'igsync-bridge' ) ),
			'queued'       => array( 'info', __( 'Thanks! We received your Instagram authorization and will finish connecting your account shortly.', 'igsync-bridge' ) ),
			'denied'       => array( 'info', __( 'You cancelled the connection to Instagram. You can connect any time.', 'igsync-bridge' ) ),
			'expired'      => array( 'error', __( 'That Instagram connection link has expired or was already used. Please try again.', 'igsync-bridge' ) ),
			'expired_link' => array( 'error', __( 'This page was open for a long time and its connect button expired. Please try again.', 'igsync-bridge' ) ),
			'unavailable'  => array( 'error', __( 'Connecting with Instagram is not available right now. Please try again later.', 'igsync-bridge' ) ),
			'error'        => array( 'error', __( 'Instagram did not complete the connection. Please try again.', 'igsync-bridge' ) ),
			'failed'       => array( 'error', __( 'Sorry, we could not save your Instagram connection. Please try again in a few minutes.', 'igsync-bridge' ) ),
		);
	}

	/**
	 * Hooks: take the notice before the page is sent.
	 */
	public static function register(): void {
		add_action( 'template_redirect', array( __CLASS__, 'take' ) );
		add_action( 'wp_body_open', array( __CLASS__, 'print_unshown' ) );
		add_action( 'wp_footer', array( __CLASS__, 'print_unshown' ) );
	}

	/**
	 * A page without the connect button (the home page, after a callback whose state was
	 * unknown) still shows the notice: at the top of the page, or at the end for a theme
	 * without wp_body_open. A block theme has rendered its content, and so the shortcode,
	 * before either.
	 */
	public static function print_unshown(): void {
		$html = self::render();
		if ( '' !== $html ) {
			echo '<div class="igsync-notice-bar">' . $html . '</div>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped templates.
		}
	}

	/**
	 * Leaves a notice for the shopper's next page view (sets the cookie).
	 *
	 * @param string $key One of all()'s keys.
	 */
	public static function leave( string $key ): void {
		Igsync_Cookie::set( self::COOKIE, $key, time() + self::TTL );
	}

	/**
	 * Reads and clears the cookie (template_redirect: headers are not sent yet).
	 */
	public static function take(): void {
		$key = isset( $_COOKIE[ self::COOKIE ] ) ? sanitize_key( wp_unslash( $_COOKIE[ self::COOKIE ] ) ) : '';
		if ( '' === $key ) {
			return;
		}
		Igsync_Cookie::set( self::COOKIE, '', time() - YEAR_IN_SECONDS );
		unset( $_COOKIE[ self::COOKIE ] );
		if ( isset( self::all()[ $key ] ) ) {
			self::$pending = $key;
			nocache_headers(); // A page with a notice for one shopper must not be cached for all.
		}
	}

	/**
	 * The pending notice's markup (once per page view), or ''.
	 *
	 * @return string
	 */
	public static function render(): string {
		if ( '' === self::$pending ) {
			return '';
		}
		list( $kind, $text ) = self::all()[ self::$pending ];
		self::$pending       = '';
		/**
		 * Filters a shopper notice's markup (the WooCommerce integration uses WooCommerce's).
		 *
		 * @since 0.2.0
		 *
		 * @param string $html Markup, '' for the plugin's own.
		 * @param string $text The notice (plain text).
		 * @param string $kind success, info or error.
		 */
		$html = (string) apply_filters( 'igsync_shopper_notice_html', '', $text, $kind );
		if ( '' === $html ) {
			$html = Igsync_Template::render(
				'notice',
				array(
					'kind' => $kind,
					'text' => $text,
				)
			);
		}
		return $html . self::clean_address_bar();
	}

	/**
	 * A small script that takes Instagram's `#_` off the address (a redirect cannot: the
	 * browser carries the fragment over).
	 *
	 * @return string
	 */
	private static function clean_address_bar(): string {
		$script = "if(window.location.hash==='#_'&&window.history.replaceState){window.history.replaceState(null,'',window.location.pathname+window.location.search);}";
		return wp_get_inline_script_tag( $script );
	}
}
