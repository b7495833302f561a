<?php
/**
 * A creator's page on WooCommerce > Instagram creators.
 *
 * @package igsync-bridge
 *
 * @var array<string, mixed>             $creator     The creator.
 * @var array<string, mixed>             $tier        Their tier.
 * @var array<string, int>               $history     Day => followers.
 * @var array<int, array<string, mixed>> $orders      Their attributed orders, newest first.
 * @var array<int, array<string, mixed>> $events      Their history, newest first.
 * @var string                           $chart_title The chart's title.
 * @var array<string, mixed>             $lead        Their newest lead (the audience is on it).
 */

defined( 'ABSPATH' ) || exit;

$igsync_chart = Igsync_Follower_Chart::svg( $history, $chart_title );
?>
<div class="wrap igsync-creator-page">
	<h1 class="wp-heading-inline">@<?php echo esc_html( (string) $creator['username'] ); ?></h1>
	<?php if ( ! empty( $creator['coupon_id'] ) && get_edit_post_link( (int) $creator['coupon_id'] ) ) : ?>
		<a class="page-title-action" href="<?php echo esc_url( (string) get_edit_post_link( (int) $creator['coupon_id'] ) ); ?>"><?php esc_html_e( 'Edit code', 'igsync-bridge' ); ?></a>
	<?php endif; ?>
	<a class="page-title-action" href="<?php echo esc_url( admin_url( 'admin.php?page=' . Igsync_Creators_Screen::SLUG ) ); ?>"><?php esc_html_e( 'All creators', 'igsync-bridge' ); ?></a>
	<?php $igsync_due = Igsync_Creator_Payouts::due( $creator ); ?>
	<?php if ( $igsync_due >= 0.01 && ! empty( $creator['wp_user_id'] ) && current_user_can( Igsync_Creators_Screen::MANAGE_CAPABILITY ) ) : ?>
		<a id="igsync-pay-credit" class="page-title-action" href="<?php echo esc_url( Igsync_Creators_Screen::payout_url( (int) $creator['id'] ) ); ?>">
			<?php
			/* translators: %s: an amount */
			echo esc_html( sprintf( __( 'Pay %s as store credit', 'igsync-bridge' ), wp_strip_all_tags( wc_price( $igsync_due ) ) ) );
			?>
		</a>
	<?php endif; ?>
	<hr class="wp-header-end">
	<?php Igsync_Creators_Screen::render_outcome(); ?>
	<div class="igsync-creator-page__figures">
		<?php
		$igsync_figures = array(
			__( 'Tier', 'igsync-bridge' )       => esc_html( (string) $tier['name'] ),
			__( 'Code', 'igsync-bridge' )       => empty( $creator['code'] ) ? '&mdash;' : '<code>' . esc_html( (string) $creator['code'] ) . '</code>',
			__( 'Followers', 'igsync-bridge' )  => '' === Igsync_Lead_Format::followers_html( $creator, false ) ? '&mdash;' : Igsync_Lead_Format::followers_html( $creator, false ),
			__( 'Orders', 'igsync-bridge' )     => esc_html( number_format_i18n( (int) $creator['orders_count'] ) ),
			__( 'Sales', 'igsync-bridge' )      => wp_kses_post( wc_price( (float) $creator['revenue'] ) ),
			__( 'Commission', 'igsync-bridge' ) => wp_kses_post( wc_price( (float) $creator['commission'] ) ),
			__( 'Due', 'igsync-bridge' )        => wp_kses_post( wc_price( $igsync_due ) ),
		);
		foreach ( $igsync_figures as $igsync_label => $igsync_value ) :
			?>
			<div class="igsync-figure"><span class="igsync-figure__label"><?php echo esc_html( $igsync_label ); ?></span> <span class="igsync-figure__value"><?php echo $igsync_value; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped above. ?></span></div>
		<?php endforeach; ?>
	</div>

	<div class="postbox igsync-creator-page__chart">
		<div class="postbox-header"><h2><?php esc_html_e( 'Followers', 'igsync-bridge' ); ?></h2></div>
		<div class="inside">
			<?php if ( '' === $igsync_chart ) : ?>
				<p class="description"><?php esc_html_e( 'The chart starts once two profile syncs have counted this account\'s followers (one a day at most).', 'igsync-bridge' ); ?></p>
			<?php else : ?>
				<?php echo $igsync_chart; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped parts. ?>
			<?php endif; ?>
		</div>
	</div>

	<?php require __DIR__ . '/creator-audience.php'; ?>

	<h2><?php esc_html_e( 'Orders with their code', 'igsync-bridge' ); ?></h2>
	<table class="wp-list-table widefat fixed striped igsync-creator-orders">
		<thead><tr>
			<th scope="col"><?php esc_html_e( 'Order', 'igsync-bridge' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Date', 'igsync-bridge' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Status', 'igsync-bridge' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Counts', 'igsync-bridge' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Commission', 'igsync-bridge' ); ?></th>
		</tr></thead>
		<tbody>
			<?php if ( ! $orders ) : ?>
				<tr class="no-items"><td colspan="5"><?php esc_html_e( 'No order has used this code yet.', 'igsync-bridge' ); ?></td></tr>
			<?php endif; ?>
			<?php foreach ( $orders as $igsync_row ) : ?>
				<?php $igsync_order = wc_get_order( (int) $igsync_row['order_id'] ); ?>
				<tr>
					<td>
						<?php if ( $igsync_order ) : ?>
							<a href="<?php echo esc_url( $igsync_order->get_edit_order_url() ); ?>">#<?php echo esc_html( $igsync_order->get_order_number() ); ?></a>
						<?php else : ?>
							#<?php echo esc_html( (string) $igsync_row['order_id'] ); ?>
						<?php endif; ?>
					</td>
					<td><?php echo esc_html( wp_date( (string) get_option( 'date_format' ), (int) strtotime( $igsync_row['ordered_at'] . ' UTC' ) ) ); ?></td>
					<td><?php echo esc_html( wc_get_order_status_name( (string) $igsync_row['order_status'] ) ); ?></td>
					<td><?php echo wp_kses_post( wc_price( (float) $igsync_row['revenue'] ) ); ?></td>
					<td><?php echo wp_kses_post( wc_price( (float) $igsync_row['commission'] ) ); ?></td>
				</tr>
			<?php endforeach; ?>
		</tbody>
	</table>

	<h2><?php esc_html_e( 'History', 'igsync-bridge' ); ?></h2>
	<ul class="igsync-creator-history">
		<?php foreach ( $events as $igsync_event ) : ?>
			<li><time datetime="<?php echo esc_attr( gmdate( 'c', (int) strtotime( $igsync_event['happened_at'] . ' UTC' ) ) ); ?>"><?php echo esc_html( wp_date( (string) get_option( 'date_format' ), (int) strtotime( $igsync_event['happened_at'] . ' UTC' ) ) ); ?></time>
				<?php echo esc_html( Igsync_Creators::describe_event( $igsync_event ) ); ?></li>
		<?php endforeach; ?>
	</ul>
</div>
