<?php
/**
 * The tiers' rows on WooCommerce > Settings > Instagram creators.
 *
 * @package igsync-bridge
 *
 * @var array<string, mixed>             $field The field.
 * @var string                           $name  The inputs' name.
 * @var array<int, array<string, mixed>> $tiers The tiers, then blank rows.
 */

defined( 'ABSPATH' ) || exit;
?>
<tr>
	<th scope="row" class="titledesc"><?php echo esc_html( (string) $field['name'] ); ?></th>
	<td class="forminp">
		<table class="widefat striped igsync-tiers">
			<thead>
				<tr>
					<th scope="col"><?php esc_html_e( 'Name', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Followers from', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Engagement from (%)', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php /* translators: %s: currency symbol */ echo esc_html( sprintf( __( 'Sales from (%s)', 'igsync-bridge' ), get_woocommerce_currency_symbol() ) ); ?></th>
					<th scope="col"><?php esc_html_e( 'Code gives', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Uses per customer', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Commission (%)', 'igsync-bridge' ); ?></th>
				</tr>
			</thead>
			<tbody>
				<?php foreach ( $tiers as $igsync_i => $igsync_tier ) : ?>
					<?php $igsync_row = $name . '[' . (int) $igsync_i . ']'; ?>
					<tr>
						<td>
							<input type="hidden" name="<?php echo esc_attr( $igsync_row ); ?>[slug]" value="<?php echo esc_attr( (string) $igsync_tier['slug'] ); ?>">
							<input type="text" name="<?php echo esc_attr( $igsync_row ); ?>[name]" value="<?php echo esc_attr( (string) $igsync_tier['name'] ); ?>" aria-label="<?php esc_attr_e( 'Tier name', 'igsync-bridge' ); ?>" placeholder="<?php echo 0 === $igsync_i ? '' : esc_attr__( 'New tier', 'igsync-bridge' ); ?>">
						</td>
						<td><input type="number" min="0" step="1" class="small-text" name="<?php echo esc_attr( $igsync_row ); ?>[min_followers]" value="<?php echo esc_attr( (string) $igsync_tier['min_followers'] ); ?>" aria-label="<?php esc_attr_e( 'Followers from', 'igsync-bridge' ); ?>" <?php disabled( 0 === $igsync_i ); ?>></td>
						<td><input type="number" min="0" step="0.01" class="small-text" name="<?php echo esc_attr( $igsync_row ); ?>[min_engagement]" value="<?php echo esc_attr( (string) $igsync_tier['min_engagement'] ); ?>" aria-label="<?php esc_attr_e( 'Engagement from', 'igsync-bridge' ); ?>" <?php disabled( 0 === $igsync_i ); ?>></td>
						<td><input type="number" min="0" step="0.01" class="small-text" name="<?php echo esc_attr( $igsync_row ); ?>[min_revenue]" value="<?php echo esc_attr( (string) $igsync_tier['min_revenue'] ); ?>" aria-label="<?php esc_attr_e( 'Sales from', 'igsync-bridge' ); ?>" <?php disabled( 0 === $igsync_i ); ?>></td>
						<td>
							<input type="text" inputmode="decimal" class="small-text" name="<?php echo esc_attr( $igsync_row ); ?>[amount]" value="<?php echo esc_attr( (string) $igsync_tier['amount'] ); ?>" aria-label="<?php esc_attr_e( 'Discount', 'igsync-bridge' ); ?>">
							<select name="<?php echo esc_attr( $igsync_row ); ?>[discount_type]" aria-label="<?php esc_attr_e( 'Discount type', 'igsync-bridge' ); ?>">
								<option value="percent" <?php selected( $igsync_tier['discount_type'], 'percent' ); ?>><?php esc_html_e( 'percent off', 'igsync-bridge' ); ?></option>
								<option value="fixed_cart" <?php selected( $igsync_tier['discount_type'], 'fixed_cart' ); ?>><?php echo esc_html( get_woocommerce_currency_symbol() . ' ' . __( 'off the order', 'igsync-bridge' ) ); ?></option>
							</select>
						</td>
						<td><input type="number" min="0" step="1" class="small-text" name="<?php echo esc_attr( $igsync_row ); ?>[uses_per_customer]" value="<?php echo esc_attr( (string) $igsync_tier['uses_per_customer'] ); ?>" aria-label="<?php esc_attr_e( 'Uses per customer', 'igsync-bridge' ); ?>"></td>
						<td><input type="text" inputmode="decimal" class="small-text" name="<?php echo esc_attr( $igsync_row ); ?>[commission]" value="<?php echo esc_attr( (string) $igsync_tier['commission'] ); ?>" aria-label="<?php esc_attr_e( 'Commission', 'igsync-bridge' ); ?>"></td>
					</tr>
				<?php endforeach; ?>
			</tbody>
		</table>
		<p class="description"><?php esc_html_e( 'Lowest tier first: every creator starts in the first; a creator moves up to the highest tier whose thresholds they all meet (followers and engagement as Instagram counts them, sales with their code over the days above). Uses per customer: 0 for no limit. A creator\'s code is never combined with the shop\'s other coupons nor used on sale items; edit a code and its exclusions under Marketing > Coupons.', 'igsync-bridge' ); ?></p>
	</td>
</tr>
