<?php
/**
 * The reward email (plain text). Override it by copying it to
 * yourtheme/woocommerce/emails/plain/igsync-reward.php.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

echo esc_html( wp_strip_all_tags( $email_heading ) ) . "\n\n";
echo esc_html__( 'Thank you for connecting your Instagram account with us. Here is your reward:', 'igsync-bridge' ) . "\n\n";
echo esc_html( $coupon_code ) . "\n\n";
echo esc_html( $coupon_terms ) . ".\n";
if ( '' !== $expires ) {
	/* translators: %s: date */
	echo esc_html( sprintf( __( 'Use it before %s.', 'igsync-bridge' ), $expires ) ) . "\n";
}
echo "\n" . esc_url_raw( $shop_url ) . "\n\n";
if ( $additional_content ) {
	echo esc_html( wp_strip_all_tags( wptexturize( $additional_content ) ) ) . "\n\n";
}
echo wp_kses_post( apply_filters( 'woocommerce_email_footer_text', get_option( 'woocommerce_email_footer_text' ) ) ); // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- WooCommerce's own filter.
