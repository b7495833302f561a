<?php
/**
 * A notice for the shopper, on a site without WooCommerce (which has notices of its own).
 * Override it by copying it to yourtheme/igsync-bridge/notice.php.
 *
 * $args: kind (success, info or error), text (plain text).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

$igsync_kind = (string) $args['kind'];
?>
<div class="igsync-notice igsync-notice--<?php echo esc_attr( $igsync_kind ); ?>" role="<?php echo 'error' === $igsync_kind ? 'alert' : 'status'; ?>">
	<p><?php echo esc_html( (string) $args['text'] ); ?></p>
</div>
