<?php
/**
 * The editor script's dependencies and version (what a build step would generate; this block
 * has no build step).
 *
 * @package igsync-bridge
 */

return array(
	'dependencies' => array( 'wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-server-side-render', 'wp-i18n' ),
	'version'      => '0.2.0',
);
