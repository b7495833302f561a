<?php
/**
 * With WooCommerce active: the button on the My Account dashboard, the Instagram tab, and
 * shopper notices in WooCommerce's own notice markup (so the shop's theme styles them like its
 * other notices).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce integration (loaded only when WooCommerce is active).
 */
final class Igsync_WooCommerce {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'woocommerce_account_dashboard', array( __CLASS__, 'my_account' ) );
		add_filter( 'igsync_shopper_notice_html', array( __CLASS__, 'notice_html' ), 10, 3 );
		Igsync_Account_Tab::register();
		Igsync_Thank_You::register();
		Igsync_Checkout_Field::register();
		Igsync_Orders::register();
		Igsync_Reward::register();
		Igsync_Wc_Settings::register();
		Igsync_Creator_Program::register();
		Igsync_Marketing::register();
		Igsync_Inbox::register();
		add_action( 'init', array( __CLASS__, 'add_setup_task' ) );
	}

	/**
	 * The igsync checklist as a task in WooCommerce > Home, where WooCommerce has its task list.
	 */
	public static function add_setup_task(): void {
		if ( ! class_exists( 'Automattic\WooCommerce\Admin\Features\OnboardingTasks\TaskLists' ) || ! class_exists( 'Automattic\WooCommerce\Admin\Features\OnboardingTasks\Task' ) ) {
			return;
		}
		Igsync_Setup_Task::register();
	}

	/**
	 * The button on the My Account dashboard.
	 */
	public static function my_account(): void {
		echo Igsync_Connect::render( __( 'Connect with Instagram', 'igsync-bridge' ), 'my-account', 'woocommerce-button button wp-element-button' ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped templates.
	}

	/**
	 * A shopper notice as WooCommerce renders its own (wc_print_notice's templates).
	 *
	 * @param string $html Markup so far.
	 * @param string $text The notice.
	 * @param string $kind success, info or error.
	 * @return string
	 */
	public static function notice_html( $html, $text, $kind ): string {
		if ( ! function_exists( 'wc_print_notice' ) ) {
			return (string) $html;
		}
		$types = array(
			'success' => 'success',
			'info'    => 'notice',
			'error'   => 'error',
		);
		return (string) wc_print_notice( esc_html( $text ), $types[ $kind ] ?? 'notice', array(), true );
	}
}
