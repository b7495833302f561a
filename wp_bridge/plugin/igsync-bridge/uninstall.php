<?php
/**
 * Removes everything the plugin created: its tables, options and user meta.
 *
 * @package igsync-bridge
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-igsync-queue.php';

Igsync_Queue::uninstall();
