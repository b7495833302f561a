<?php
/**
 * A creator's audience on their page: followers by country, age and gender as Instagram
 * counts them, the day's reach, or why any of it is not known.
 *
 * @package igsync-bridge
 *
 * @var array<string, mixed> $lead The creator's newest lead.
 */

defined( 'ABSPATH' ) || exit;

$igsync_insights = Igsync_Audience::insights( $lead );
$igsync_read_on  = Igsync_Audience::read_on( $lead );
$igsync_columns  = array(
	'country' => __( 'Countries', 'igsync-bridge' ),
	'age'     => __( 'Ages', 'igsync-bridge' ),
	'gender'  => __( 'Gender', 'igsync-bridge' ),
);
?>
<div class="postbox igsync-audience" id="igsync-audience">
	<div class="postbox-header"><h2><?php esc_html_e( 'Audience', 'igsync-bridge' ); ?></h2></div>
	<div class="inside">
		<?php if ( null === $igsync_read_on ) : ?>
			<p class="description"><?php echo esc_html( Igsync_Audience::why_none( null ) ); ?></p>
		<?php else : ?>
			<div class="igsync-audience__columns">
				<?php foreach ( $igsync_columns as $igsync_breakdown => $igsync_heading ) : ?>
					<?php $igsync_shares = Igsync_Audience::shares( $lead, $igsync_breakdown ); ?>
					<div class="igsync-audience__column">
						<h3><?php echo esc_html( $igsync_heading ); ?></h3>
						<?php if ( ! is_array( $igsync_shares ) ) : ?>
							<p class="description igsync-audience__none"><?php echo esc_html( Igsync_Audience::why_none( $igsync_shares ) ); ?></p>
						<?php else : ?>
							<ul class="igsync-audience__groups">
								<?php foreach ( array_slice( $igsync_shares, 0, 'country' === $igsync_breakdown ? 5 : 7, true ) as $igsync_group => $igsync_share ) : ?>
									<li>
										<span class="igsync-audience__name"><?php echo esc_html( Igsync_Audience::group_name( $igsync_breakdown, (string) $igsync_group ) ); ?></span>
										<span class="igsync-audience__share"><?php echo esc_html( number_format_i18n( $igsync_share, 0 ) . '%' ); ?></span>
										<span class="igsync-audience__bar" aria-hidden="true"><span style="width: <?php echo esc_attr( number_format( $igsync_share, 1, '.', '' ) ); ?>%"></span></span>
									</li>
								<?php endforeach; ?>
							</ul>
						<?php endif; ?>
					</div>
				<?php endforeach; ?>
			</div>
			<p class="description igsync-audience__note">
				<?php
				$igsync_reach = $igsync_insights['reach'] ?? null;
				if ( is_int( $igsync_reach ) ) {
					/* translators: %s: a number of accounts */
					echo esc_html( sprintf( __( 'Reached %s accounts on the last day Instagram counted.', 'igsync-bridge' ), number_format_i18n( $igsync_reach ) ) ) . ' ';
				}
				/* translators: %s: a date */
				echo esc_html( sprintf( __( 'Followers Instagram has demographics for, as read on %s (once a week).', 'igsync-bridge' ), wp_date( (string) get_option( 'date_format' ), (int) strtotime( $igsync_read_on . ' 12:00 UTC' ) ) ) );
				?>
			</p>
		<?php endif; ?>
	</div>
</div>
