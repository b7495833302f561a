<?php
/**
 * The creator program on My Account > Instagram. Override it by copying it to
 * yourtheme/igsync-bridge/account-creator.php.
 *
 * $args (as variables): creator (their record, null before they apply), tier (their tier, or
 * the entry tier), coupon (their WC_Coupon once they have one, else null), share (the text to
 * share, plain), audience (whether the shop reads their followers' countries, ages and genders).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

$igsync_button = 'woocommerce-button button' . ( function_exists( 'wc_wp_theme_get_element_class_name' ) && wc_wp_theme_get_element_class_name( 'button' ) ? ' ' . wc_wp_theme_get_element_class_name( 'button' ) : '' );
$igsync_offer  = Igsync_Reward::amount_text( (string) $tier['discount_type'], (string) $tier['amount'] );
$igsync_rate   = (float) $tier['commission'];
?>
<section class="igsync-creator">
	<h3><?php esc_html_e( 'Creator program', 'igsync-bridge' ); ?></h3>
	<?php if ( null === $creator ) : ?>
		<p>
			<?php
			/* translators: %s: a discount, "10%" or "$5.00" */
			echo esc_html( sprintf( __( 'Share your own code with your followers: they get %s off their order.', 'igsync-bridge' ), $igsync_offer ) );
			if ( $igsync_rate > 0 ) {
				echo ' ';
				/* translators: %s: a percentage, "5%" */
				echo esc_html( sprintf( __( 'You earn %s of what they buy.', 'igsync-bridge' ), wc_format_decimal( $igsync_rate, 2, true ) . '%' ) );
			}
			?>
		</p>
		<form method="post" class="igsync-creator__apply">
			<?php wp_nonce_field( 'igsync_become_creator' ); ?>
			<button type="submit" class="<?php echo esc_attr( $igsync_button ); ?>" name="igsync_become_creator" value="1"><?php esc_html_e( 'Become a creator', 'igsync-bridge' ); ?></button>
		</form>
	<?php elseif ( Igsync_Creators::INVITED === $creator['status'] ) : ?>
		<p>
			<?php
			/* translators: %s: a discount, "10%" or "$5.00" */
			echo esc_html( sprintf( __( 'The shop invites you to its creator program: a code of your own that gives your followers %s off their order.', 'igsync-bridge' ), $igsync_offer ) );
			?>
		</p>
		<form method="post" class="igsync-creator__apply">
			<?php wp_nonce_field( 'igsync_become_creator' ); ?>
			<button type="submit" class="<?php echo esc_attr( $igsync_button ); ?>" name="igsync_become_creator" value="1"><?php esc_html_e( 'Accept the invitation', 'igsync-bridge' ); ?></button>
		</form>
	<?php elseif ( Igsync_Creators::PENDING === $creator['status'] ) : ?>
		<p class="igsync-creator__state"><?php esc_html_e( 'Your application is with the shop. Your code will be here once it is approved.', 'igsync-bridge' ); ?></p>
	<?php elseif ( Igsync_Creators::DECLINED === $creator['status'] ) : ?>
		<p class="igsync-creator__state"><?php esc_html_e( 'The shop did not take your application this time.', 'igsync-bridge' ); ?></p>
	<?php elseif ( null !== $coupon ) : ?>
		<p><?php esc_html_e( 'Your creator code', 'igsync-bridge' ); ?></p>
		<p><code class="igsync-creator__code"><?php echo esc_html( strtoupper( $coupon->get_code() ) ); ?></code>
			<?php
			/* translators: 1: what the code gives ("10% off"), 2: the tier's name */
			echo esc_html( sprintf( __( '%1$s for your followers · %2$s tier', 'igsync-bridge' ), Igsync_Creator_Coupon::describe( $coupon ), (string) $tier['name'] ) );
			?>
		</p>
		<p class="form-row form-row-wide">
			<label for="igsync-creator-share"><?php esc_html_e( 'Ready to share', 'igsync-bridge' ); ?></label>
			<textarea id="igsync-creator-share" class="input-text" rows="2" readonly><?php echo esc_textarea( $share ); ?></textarea>
		</p>
		<table class="woocommerce-table shop_table igsync-creator__figures">
			<tbody>
				<tr><th scope="row"><?php esc_html_e( 'Orders with your code', 'igsync-bridge' ); ?></th><td><?php echo esc_html( number_format_i18n( (int) $creator['orders_count'] ) ); ?></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'Their purchases', 'igsync-bridge' ); ?></th><td><?php echo wp_kses_post( wc_price( (float) $creator['revenue'] ) ); ?></td></tr>
				<?php if ( $igsync_rate > 0 || (float) $creator['commission'] > 0 ) : ?>
					<tr><th scope="row"><?php esc_html_e( 'Your commission', 'igsync-bridge' ); ?></th><td><?php echo wp_kses_post( wc_price( (float) $creator['commission'] ) ); ?></td></tr>
				<?php endif; ?>
				<?php foreach ( Igsync_Creator_Payouts::credits( (int) $creator['id'] ) as $igsync_credit ) : ?>
					<tr><th scope="row"><?php esc_html_e( 'Paid as store credit', 'igsync-bridge' ); ?></th><td><?php echo wp_kses_post( wc_price( (float) $igsync_credit['amount'] ) ); ?> <code class="igsync-creator__credit"><?php echo esc_html( $igsync_credit['code'] ); ?></code></td></tr>
				<?php endforeach; ?>
			</tbody>
		</table>
		<p class="igsync-creator__privacy">
			<?php esc_html_e( 'What the shop sees: your Instagram username, your follower count and engagement rate, and the orders placed with your code.', 'igsync-bridge' ); ?>
			<?php if ( ! empty( $audience ) ) : ?>
				<?php esc_html_e( 'As you allowed on Instagram, it also sees your reach and how many of your followers are in each country, age group and gender, as totals, never who they are.', 'igsync-bridge' ); ?>
			<?php endif; ?>
			<?php esc_html_e( 'Erasing your Instagram details ends your creator code.', 'igsync-bridge' ); ?>
		</p>
	<?php endif; ?>
</section>
