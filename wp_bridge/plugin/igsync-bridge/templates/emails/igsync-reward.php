<?php
/**
 * The reward email (HTML). Override it by copying it to
 * yourtheme/woocommerce/emails/igsync-reward.php.
 *
 * Variables: email_heading, coupon_code, coupon_terms, expires, shop_url, additional_content,
 * sent_to_admin, plain_text, email.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

do_action( 'woocommerce_email_header', $email_heading, $email ); // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- WooCommerce's own hook.
?>
<p><?php esc_html_e( 'Thank you for connecting your Instagram account with us. Here is your reward:', 'igsync-bridge' ); ?></p>
<p style="font-size: 1.4em; letter-spacing: 0.1em;"><strong><?php echo esc_html( $coupon_code ); ?></strong></p>
<p>
	<?php echo esc_html( $coupon_terms ); ?>.
	<?php if ( '' !== $expires ) : ?>
		<?php
		/* translators: %s: date */
		echo esc_html( sprintf( __( 'Use it before %s.', 'igsync-bridge' ), $expires ) );
		?>
	<?php endif; ?>
</p>
<p><a href="<?php echo esc_url( $shop_url ); ?>"><?php esc_html_e( 'Visit the shop', 'igsync-bridge' ); ?></a></p>
<?php
if ( $additional_content ) {
	echo wp_kses_post( wpautop( wptexturize( $additional_content ) ) );
}
do_action( 'woocommerce_email_footer', $email ); // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- WooCommerce's own hook.
