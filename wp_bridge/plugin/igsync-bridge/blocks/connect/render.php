<?php
/**
 * The "Connect with Instagram" block, rendered on the server like the [igsync_connect]
 * shortcode: the shopper's status when logged in, and the button in the theme's style.
 *
 * $attributes: label (the button's text; blank for the default).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

$igsync_label = trim( (string) ( $attributes['label'] ?? '' ) );
printf(
	'<div %s>%s</div>',
	get_block_wrapper_attributes(), // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- WordPress escapes the wrapper's attributes.
	Igsync_Connect::render( '' === $igsync_label ? __( 'Connect with Instagram', 'igsync-bridge' ) : $igsync_label, 'block', Igsync_Connect::button_class() ) // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped templates.
);
