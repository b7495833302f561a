<?php
/**
 * The "Connect with Instagram" block: the connection's status for a logged-in shopper, and the
 * button. Override it by copying it to yourtheme/igsync-bridge/connect.php.
 *
 * $args: status ('', 'connecting', 'connected', 'needs_reconnect', 'interrupted' or
 * 'disconnected'), username
 * (once known), start_url (the
 * button's link, '' when connecting is not available), label (the button's text),
 * button_class (the theme's or WooCommerce's button classes), consent (what connecting
 * shares, plain text: keep it shown, its hash is recorded with each connection), privacy_url
 * (the privacy policy page, '' when none).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="igsync-connect-block">
	<?php if ( Igsync_Status::CONNECTED === $args['status'] ) : ?>
		<p class="igsync-status igsync-status--connected">
			<?php
			/* translators: %s: the shopper's Instagram username */
			echo esc_html( sprintf( __( 'Connected to Instagram as @%s.', 'igsync-bridge' ), (string) $args['username'] ) );
			?>
		</p>
	<?php elseif ( Igsync_Status::CONNECTING === $args['status'] ) : ?>
		<p class="igsync-status igsync-status--connecting"><?php esc_html_e( 'Connecting your Instagram account. This takes a moment; reload the page to see it.', 'igsync-bridge' ); ?></p>
	<?php elseif ( Igsync_Status::NEEDS_RECONNECT === $args['status'] ) : ?>
		<p class="igsync-status igsync-status--needs-reconnect">
			<?php
			/* translators: %s: the shopper's Instagram username */
			echo esc_html( sprintf( __( 'Your Instagram connection (@%s) has expired. Connect again to keep it.', 'igsync-bridge' ), (string) $args['username'] ) );
			?>
		</p>
	<?php elseif ( Igsync_Status::INTERRUPTED === $args['status'] ) : ?>
		<p class="igsync-status igsync-status--needs-reconnect"><?php esc_html_e( 'We could not finish connecting your Instagram account. Please connect again.', 'igsync-bridge' ); ?></p>
	<?php endif; ?>
	<?php if ( '' !== $args['start_url'] && ! in_array( $args['status'], array( Igsync_Status::CONNECTED, Igsync_Status::CONNECTING ), true ) ) : ?>
		<div class="wp-block-buttons">
			<div class="wp-block-button">
				<a class="<?php echo esc_attr( (string) $args['button_class'] ); ?>" id="igsync-connect" href="<?php echo esc_url( (string) $args['start_url'] ); ?>"><?php echo esc_html( (string) $args['label'] ); ?></a>
			</div>
		</div>
		<p class="igsync-consent"><small><?php echo esc_html( (string) $args['consent'] ); ?>
		<?php if ( '' !== (string) $args['privacy_url'] ) : ?>
			<a href="<?php echo esc_url( (string) $args['privacy_url'] ); ?>"><?php esc_html_e( 'Privacy policy', 'igsync-bridge' ); ?></a>
		<?php endif; ?>
		</small></p>
	<?php endif; ?>
</div>
