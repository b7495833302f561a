<?php
/**
 * My Account > Instagram. Override it by copying it to yourtheme/igsync-bridge/account-instagram.php.
 *
 * $args (as variables): status, username, picture (URL, '' until known), since (UTC),
 * connect (the status and connect button, escaped markup), disconnect (whether to offer it),
 * offer (what connecting earns, plain text, '' for nothing), extra (escaped markup for under
 * the connection).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="igsync-account">
	<p><?php esc_html_e( 'Connect your Instagram account to this shop. We see your public profile (your username, and for business and creator accounts their public figures), never your password or your messages.', 'igsync-bridge' ); ?></p>
	<?php if ( '' !== $picture ) : ?>
		<?php // phpcs:ignore PluginCheck.CodeAnalysis.ImageFunctions.NonEnqueuedImage -- the shopper's Instagram picture is a remote URL, not an attachment wp_get_attachment_image() could show. ?>
		<img class="igsync-account__picture" src="<?php echo esc_url( $picture ); ?>" alt="" width="64" height="64">
	<?php endif; ?>
	<?php if ( Igsync_Status::DISCONNECTED === $status ) : ?>
		<p class="igsync-status igsync-status--disconnected"><?php esc_html_e( 'You disconnected your Instagram account. Connect it again whenever you like.', 'igsync-bridge' ); ?></p>
	<?php endif; ?>
	<?php if ( '' !== $offer ) : ?>
		<p class="igsync-reward-offer"><strong><?php echo esc_html( $offer ); ?></strong></p>
	<?php endif; ?>
	<?php echo $connect; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped templates. ?>
	<?php echo $extra; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped by its filter's callbacks. ?>
	<?php if ( $disconnect ) : ?>
		<form method="post" class="igsync-disconnect">
			<?php wp_nonce_field( 'igsync_disconnect' ); ?>
			<p><?php esc_html_e( 'Disconnecting ends our access to your Instagram account at once.', 'igsync-bridge' ); ?></p>
			<p><label for="igsync-erase"><input type="checkbox" id="igsync-erase" name="igsync_erase" value="1"> <?php esc_html_e( 'Also erase the Instagram details this shop keeps about me', 'igsync-bridge' ); ?></label></p>
			<button type="submit" class="woocommerce-button button<?php echo esc_attr( function_exists( 'wc_wp_theme_get_element_class_name' ) && wc_wp_theme_get_element_class_name( 'button' ) ? ' ' . wc_wp_theme_get_element_class_name( 'button' ) : '' ); ?>" name="igsync_disconnect" value="1"><?php esc_html_e( 'Disconnect Instagram', 'igsync-bridge' ); ?></button>
		</form>
	<?php endif; ?>
</div>
