<?php
/**
 * The igsync setup in WooCommerce's own task list (WooCommerce > Home, "Things to do next"): the
 * same checklist as Settings > igsync, complete when every step of it holds.
 *
 * Loaded only when WooCommerce's task list API is there (the class below extends it).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

use Automattic\WooCommerce\Admin\Features\OnboardingTasks\Task;
use Automattic\WooCommerce\Admin\Features\OnboardingTasks\TaskLists;

/**
 * "Get your first Instagram lead": links to Settings > igsync, says what is left.
 */
final class Igsync_Setup_Task extends Task {

	/**
	 * The checklist, worked out once per request (title, content and completion all read it).
	 *
	 * @var array<int, array{id: string, label: string, done: bool, todo: string}>|null
	 */
	private $items = null;

	/**
	 * Adds the task to the "Things to do next" list (on init, once WooCommerce made its lists).
	 */
	public static function register(): void {
		$list = TaskLists::get_list( 'extended' );
		if ( null !== $list ) { // WooCommerce makes its lists only where wp-admin's features load.
			TaskLists::add_task( 'extended', new self( $list ) );
		}
	}

	/**
	 * ID.
	 *
	 * @return string
	 */
	public function get_id() {
		return 'igsync-setup';
	}

	/**
	 * Title.
	 *
	 * @return string
	 */
	public function get_title() {
		return $this->is_complete()
			? __( 'igsync is set up: Instagram leads arrive', 'igsync-bridge' )
			: __( 'Get your first Instagram lead with igsync', 'igsync-bridge' );
	}

	/**
	 * What is done, and the next step.
	 *
	 * @return string
	 */
	public function get_content() {
		$items = $this->items();
		$done  = array_filter( array_column( $items, 'done' ) );
		$next  = current( array_filter( $items, static fn( array $item ): bool => ! $item['done'] ) );
		/* translators: 1: steps done, 2: steps in all */
		$count = sprintf( __( '%1$d of %2$d steps done.', 'igsync-bridge' ), count( $done ), count( $items ) );
		return false === $next ? $count : $count . ' ' . $next['todo'];
	}

	/**
	 * Time.
	 *
	 * @return string
	 */
	public function get_time() {
		return __( '5 minutes', 'igsync-bridge' );
	}

	/**
	 * Settings > igsync, where the checklist and the Pair button are.
	 *
	 * @return string
	 */
	public function get_action_url() {
		return admin_url( 'options-general.php?page=igsync' );
	}

	/**
	 * Done when every checklist step holds.
	 *
	 * @return bool
	 */
	public function is_complete() {
		return ! in_array( false, array_column( $this->items(), 'done' ), true );
	}

	/**
	 * The setup checklist's steps (a few queries), once.
	 *
	 * @return array<int, array{id: string, label: string, done: bool, todo: string}>
	 */
	private function items(): array {
		if ( null === $this->items ) {
			$this->items = Igsync_Setup_Checklist::items();
		}
		return $this->items;
	}

	/**
	 * Only for those who may change igsync's settings.
	 *
	 * @return bool
	 */
	public function can_view() {
		return current_user_can( 'manage_options' );
	}
}
