<?php
/**
 * Settings > igsync > Pairing: the one-time code to give `igsync pair` (with the command to
 * run), what happened when the daemon unpaired, and the pairing history.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The pairing panel of the settings page.
 */
final class Igsync_Pairing_Panel {

	/**
	 * The Pairing section: the code to give `igsync pair`, and the last pairing.
	 */
	public static function render(): void {
		$code    = Igsync_Pairing::shown_code();
		$log     = Igsync_Pairing::log_entries();
		$format  = get_option( 'date_format' ) . ' ' . get_option( 'time_format' );
		$command = 'igsync pair ' . $code . ' --wp-url ' . home_url() . ' --run';
		?>
		<h2 id="igsync-pairing"><?php esc_html_e( 'Pairing', 'igsync-bridge' ); ?></h2>
		<p><?php esc_html_e( 'Pair this site with the igsync daemon instead of copying the shared secret, the daemon\'s address and the redirect URI by hand.', 'igsync-bridge' ); ?></p>
		<?php if ( '' !== $code ) : ?>
			<div class="notice notice-info inline" id="igsync-pairing-code">
				<p>
					<?php esc_html_e( 'Pairing code:', 'igsync-bridge' ); ?>
					<strong class="igsync-pairing-code"><?php echo esc_html( $code ); ?></strong>
					<?php esc_html_e( '(single use, valid for 15 minutes)', 'igsync-bridge' ); ?>
				</p>
				<p>
					<label for="igsync-pair-command"><?php esc_html_e( 'On the daemon\'s server, run:', 'igsync-bridge' ); ?></label><br>
					<input id="igsync-pair-command" class="large-text code" type="text" readonly value="<?php echo esc_attr( $command ); ?>" onfocus="this.select()">
				</p>
				<p class="description">
					<?php
					printf(
						/* translators: 1: the command as installed from a clone, 2: the --run option, 3: the --sandbox option */
						esc_html__( 'Installed from a clone of igsync? The command is %1$s in that folder. %2$s runs the daemon in that terminal right after (leave it out where igsync runs as a service). No Meta app yet? Add %3$s to try igsync with its sandbox, an emulator of Instagram that runs beside the daemon.', 'igsync-bridge' ),
						'<code>.venv/bin/igsync</code>',
						'<code>--run</code>',
						'<code>--sandbox</code>'
					);
					?>
				</p>
			</div>
		<?php endif; ?>
		<?php self::unpaired_notice(); ?>
		<?php if ( Igsync_Pairing::is_paired() && array() !== $log && 'unpaired' !== ( $log[0]['event'] ?? 'paired' ) ) : ?>
			<p id="igsync-paired">
				<?php
				printf(
					/* translators: 1: date and time, 2: the daemon's host name, 3: the daemon's address */
					esc_html__( 'Paired on %1$s with the daemon on %2$s, at %3$s.', 'igsync-bridge' ),
					esc_html( wp_date( $format, $log[0]['time'] ) ),
					'<strong>' . esc_html( '' !== $log[0]['host'] ? $log[0]['host'] : __( 'an unnamed host', 'igsync-bridge' ) ) . '</strong>',
					'<code>' . esc_html( $log[0]['daemon_url'] ) . '</code>'
				);
				?>
			</p>
		<?php endif; ?>
		<div class="igsync-pairing-actions">
			<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
				<input type="hidden" name="action" value="igsync_pair">
				<?php wp_nonce_field( 'igsync_pair' ); ?>
				<?php submit_button( Igsync_Pairing::is_paired() ? __( 'Pair again', 'igsync-bridge' ) : __( 'Pair with the igsync daemon', 'igsync-bridge' ), 'secondary', 'igsync-pair', false ); ?>
			</form>
			<?php if ( Igsync_Pairing::is_paired() ) : ?>
				<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
					<input type="hidden" name="action" value="igsync_unpair">
					<?php wp_nonce_field( 'igsync_unpair' ); ?>
					<?php submit_button( __( 'Unpair', 'igsync-bridge' ), 'secondary', 'igsync-unpair', false, array( 'onclick' => 'return confirm(' . wp_json_encode( __( 'Unpair this site from the igsync daemon? Shoppers cannot connect Instagram until you pair again.', 'igsync-bridge' ) ) . ');' ) ); ?>
				</form>
			<?php endif; ?>
		</div>
		<?php self::history( $log, $format ); ?>
		<?php
	}

	/**
	 * After Unpair: whether the daemon heard it.
	 */
	private static function unpaired_notice(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only picks which notice to show.
		$result = isset( $_GET['igsync_unpaired'] ) ? sanitize_key( wp_unslash( $_GET['igsync_unpaired'] ) ) : '';
		if ( 'told' === $result ) {
			echo '<div class="notice notice-success inline" id="igsync-unpaired"><p>' . esc_html__( 'Unpaired. The daemon logged it; it sends no more leads here until you pair again.', 'igsync-bridge' ) . '</p></div>';
		} elseif ( 'not-told' === $result ) {
			echo '<div class="notice notice-warning inline" id="igsync-unpaired"><p>';
			printf(
				/* translators: %s: the command */
				esc_html__( 'Unpaired here, but the daemon could not be reached: run %s on its server so it stops too.', 'igsync-bridge' ),
				'<code>igsync unpair</code>'
			);
			echo '</p></div>';
		}
	}

	/**
	 * The pairings and unpairings so far, newest first (WordPress keeps ten).
	 *
	 * @param array<int, array<string, mixed>> $log    The log.
	 * @param string                           $format Date and time format.
	 */
	private static function history( array $log, string $format ): void {
		if ( array() === $log ) {
			return;
		}
		?>
		<table class="widefat striped igsync-pairing-history" id="igsync-pairing-history">
			<caption class="screen-reader-text"><?php esc_html_e( 'Pairing history', 'igsync-bridge' ); ?></caption>
			<thead>
				<tr>
					<th scope="col"><?php esc_html_e( 'When', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'What', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Daemon host', 'igsync-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Daemon address', 'igsync-bridge' ); ?></th>
				</tr>
			</thead>
			<tbody>
				<?php foreach ( $log as $entry ) : ?>
					<tr>
						<td><?php echo esc_html( wp_date( $format, (int) $entry['time'] ) ); ?></td>
						<td>
							<?php
							if ( 'unpaired' === ( $entry['event'] ?? 'paired' ) ) {
								/* translators: %s: who unpaired, e.g. "admin in wp-admin" */
								echo esc_html( sprintf( __( 'Unpaired by %s', 'igsync-bridge' ), (string) ( $entry['by'] ?? '' ) ) );
							} else {
								echo esc_html( empty( $entry['sandbox'] ) ? __( 'Paired', 'igsync-bridge' ) : __( 'Paired, sandbox mode', 'igsync-bridge' ) );
							}
							?>
						</td>
						<td><?php echo esc_html( '' !== (string) $entry['host'] ? (string) $entry['host'] : '—' ); ?></td>
						<td><code><?php echo esc_html( (string) $entry['daemon_url'] ); ?></code></td>
					</tr>
				<?php endforeach; ?>
			</tbody>
		</table>
		<?php
	}
}
