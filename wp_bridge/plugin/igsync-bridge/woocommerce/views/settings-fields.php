<?php
/**
 * Settings > igsync, with WooCommerce active: the thank-you prompt, the checkout's box and the
 * reward for connecting, fields of the igsync option.
 *
 * @package igsync-bridge
 *
 * @var string $name The option's name.
 */

defined( 'ABSPATH' ) || exit;
?>
<h2><?php esc_html_e( 'WooCommerce', 'igsync-bridge' ); ?></h2>
<table class="form-table" role="presentation">
	<tr>
		<th scope="row"><?php esc_html_e( 'Order received page', 'igsync-bridge' ); ?></th>
		<td><fieldset>
			<label for="igsync_thank_you_prompt"><input id="igsync_thank_you_prompt" type="checkbox" name="<?php echo esc_attr( $name ); ?>[thank_you_prompt]" value="1" <?php checked( Igsync_Settings::get( 'thank_you_prompt' ), '1' ); ?>>
			<?php esc_html_e( 'Ask customers to connect their Instagram after they order', 'igsync-bridge' ); ?></label><br>
			<label for="igsync_checkout_field"><input id="igsync_checkout_field" type="checkbox" name="<?php echo esc_attr( $name ); ?>[checkout_field]" value="1" <?php checked( Igsync_Settings::get( 'checkout_field' ), '1' ); ?>>
			<?php esc_html_e( 'Offer "Connect my Instagram after the order" at checkout, and ask those who tick it', 'igsync-bridge' ); ?></label>
			<p class="description"><?php esc_html_e( 'The checkout\'s box is in the Checkout block\'s order information (the classic checkout has none). A guest\'s connection is linked to their order, and to their account once that order is theirs (an email typed at checkout proves nothing).', 'igsync-bridge' ); ?></p>
		</fieldset></td>
	</tr>
	<tr>
		<th scope="row"><?php esc_html_e( 'Reward for connecting', 'igsync-bridge' ); ?></th>
		<td><fieldset>
			<label for="igsync_reward_enabled"><input id="igsync_reward_enabled" type="checkbox" name="<?php echo esc_attr( $name ); ?>[reward_enabled]" value="1" <?php checked( Igsync_Settings::get( 'reward_enabled' ), '1' ); ?>>
			<?php esc_html_e( 'Give a single-use coupon the first time an Instagram account connects', 'igsync-bridge' ); ?></label>
			<p>
				<label for="igsync_reward_amount"><?php esc_html_e( 'Amount', 'igsync-bridge' ); ?></label>
				<input id="igsync_reward_amount" class="small-text" type="text" inputmode="decimal" name="<?php echo esc_attr( $name ); ?>[reward_amount]" value="<?php echo esc_attr( Igsync_Settings::get( 'reward_amount' ) ); ?>">
				<select id="igsync_reward_type" name="<?php echo esc_attr( $name ); ?>[reward_type]" aria-label="<?php esc_attr_e( 'Discount type', 'igsync-bridge' ); ?>">
					<option value="percent" <?php selected( Igsync_Settings::get( 'reward_type' ), 'percent' ); ?>><?php esc_html_e( 'percent off', 'igsync-bridge' ); ?></option>
					<option value="fixed_cart" <?php selected( Igsync_Settings::get( 'reward_type' ), 'fixed_cart' ); ?>><?php echo esc_html( get_woocommerce_currency_symbol() . ' ' . __( 'off the order', 'igsync-bridge' ) ); ?></option>
				</select>
			</p>
			<p>
				<label for="igsync_reward_minimum"><?php esc_html_e( 'Minimum spend', 'igsync-bridge' ); ?></label>
				<input id="igsync_reward_minimum" class="small-text" type="text" inputmode="decimal" name="<?php echo esc_attr( $name ); ?>[reward_minimum]" value="<?php echo esc_attr( Igsync_Settings::get( 'reward_minimum' ) ); ?>">
				<label for="igsync_reward_days"><?php esc_html_e( 'Valid for', 'igsync-bridge' ); ?></label>
				<input id="igsync_reward_days" class="small-text" type="number" min="1" max="3650" name="<?php echo esc_attr( $name ); ?>[reward_days]" value="<?php echo esc_attr( Igsync_Settings::get( 'reward_days' ) ); ?>">
				<?php esc_html_e( 'days', 'igsync-bridge' ); ?>
			</p>
			<p><label for="igsync_reward_paid_only"><input id="igsync_reward_paid_only" type="checkbox" name="<?php echo esc_attr( $name ); ?>[reward_paid_only]" value="1" <?php checked( Igsync_Settings::get( 'reward_paid_only' ), '1' ); ?>>
			<?php esc_html_e( 'Only once the customer has a paid order', 'igsync-bridge' ); ?></label></p>
			<?php if ( Igsync_Settings::is_sandbox() ) : ?>
				<p><label for="igsync_reward_sandbox"><input id="igsync_reward_sandbox" type="checkbox" name="<?php echo esc_attr( $name ); ?>[reward_sandbox]" value="1" <?php checked( Igsync_Settings::get( 'reward_sandbox' ), '1' ); ?>>
				<?php esc_html_e( 'Also in sandbox mode, to try it', 'igsync-bridge' ); ?></label></p>
				<div class="notice notice-warning inline"><p><?php esc_html_e( 'Sandbox mode: anyone can make up an account on the sandbox\'s page, so no reward is given unless you tick the box above, and every coupon it gives is real. Untick it before you share the shop.', 'igsync-bridge' ); ?></p></div>
			<?php endif; ?>
			<p class="description"><?php esc_html_e( 'The coupon is for the customer\'s email only, shown on My Account > Instagram and sent by email (WooCommerce > Settings > Emails > Instagram connection reward). One reward per Instagram account, per customer, per email and per order.', 'igsync-bridge' ); ?></p>
		</fieldset></td>
	</tr>
</table>
