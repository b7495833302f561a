<?php
/**
 * Settings > igsync: the form that edits the plugin's settings, and their sanitizer.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The settings page.
 */
final class Igsync_Settings_Page {

	/**
	 * The API flavours the owner can pick, with their names.
	 *
	 * @return array<string, string>
	 */
	public static function flavours(): array {
		return array(
			'instagram_login' => __( 'Instagram API with Instagram Login (professional accounts)', 'igsync-bridge' ),
			'basic_display'   => __( 'Instagram Basic Display (legacy, shut down by Meta on 4 December 2024)', 'igsync-bridge' ),
		);
	}

	/**
	 * Hooks for the settings page.
	 */
	public static function register(): void {
		add_action( 'admin_init', array( __CLASS__, 'register_setting' ) );
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_action( 'admin_post_igsync_test_connection', array( __CLASS__, 'test_connection' ) );
		add_action( 'admin_post_igsync_pair', array( 'Igsync_Pairing', 'start' ) );
		add_action( 'admin_post_igsync_unpair', array( 'Igsync_Pairing', 'unpair_from_admin' ) );
		add_action( 'admin_enqueue_scripts', array( 'Igsync_Setup_Checklist', 'enqueue' ) );
	}

	/**
	 * Registers the option with its sanitizer.
	 */
	public static function register_setting(): void {
		register_setting(
			'igsync',
			Igsync_Settings::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'default'           => array(),
			)
		);
	}

	/**
	 * Cleans submitted settings; a blank secret keeps the stored one.
	 *
	 * @param mixed $input Submitted values.
	 * @return array<string, string>
	 */
	public static function sanitize( $input ): array {
		$input                  = is_array( $input ) ? $input : array();
		$old                    = Igsync_Settings::all();
		$old                    = is_array( $old ) ? $old : array();
		$clean                  = array();
		$flavour                = isset( $input['api_flavour'] ) ? sanitize_key( (string) $input['api_flavour'] ) : 'instagram_login';
		$clean['api_flavour']   = isset( self::flavours()[ $flavour ] ) ? $flavour : 'instagram_login';
		$clean['daemon_url']    = esc_url_raw( trim( (string) ( $input['daemon_url'] ?? '' ) ), array( 'http', 'https' ) );
		$clean['authorize_url'] = esc_url_raw( trim( (string) ( $input['authorize_url'] ?? '' ) ), array( 'http', 'https' ) );
		$clean['app_id']        = preg_replace( '/[^0-9A-Za-z_-]/', '', (string) ( $input['app_id'] ?? '' ) );
		$secret                 = trim( (string) ( $input['shared_secret'] ?? '' ) );
		if ( '' === $secret ) {
			$secret = (string) ( $old['shared_secret'] ?? '' );
		} elseif ( ! Igsync_Signature::is_valid_secret( $secret ) ) {
			add_settings_error( Igsync_Settings::OPTION, 'igsync_secret', __( 'The shared secret must be whsec_ followed by base64 (the IGSYNC_SHARED_SECRET of the daemon). The old one was kept.', 'igsync-bridge' ) );
			$secret = (string) ( $old['shared_secret'] ?? '' );
		}
		$clean['shared_secret']    = $secret;
		$clean['notify_leads']     = empty( $input['notify_leads'] ) ? '' : '1';
		$clean['thank_you_prompt'] = empty( $input['thank_you_prompt'] ) ? '' : '1';
		$clean['checkout_field']   = empty( $input['checkout_field'] ) ? '' : '1';
		$clean['reward_enabled']   = empty( $input['reward_enabled'] ) ? '' : '1';
		$clean['reward_type']      = 'fixed_cart' === ( $input['reward_type'] ?? '' ) ? 'fixed_cart' : 'percent';
		$clean['reward_amount']    = Igsync_Settings::decimal( $input['reward_amount'] ?? '', '10' );
		$clean['reward_minimum']   = Igsync_Settings::decimal( $input['reward_minimum'] ?? '', '' );
		$clean['reward_days']      = (string) max( 1, min( 3650, absint( $input['reward_days'] ?? 30 ) ) );
		$clean['reward_paid_only'] = empty( $input['reward_paid_only'] ) ? '' : '1';
		$clean['reward_sandbox']   = empty( $input['reward_sandbox'] ) ? '' : '1';
		// What pairing keeps (see Igsync_Pairing) is not on the form: it stays as it was.
		foreach ( array( 'previous_secret', 'previous_until', 'secret_rotated_at', 'scopes', 'enable_fb_login' ) as $kept ) {
			if ( isset( $old[ $kept ] ) ) {
				$clean[ $kept ] = (string) $old[ $kept ];
			}
		}
		// Whether the daemon checks bound signatures is known of this secret's daemon only.
		if ( isset( $old['peer_bound'] ) && (string) ( $old['shared_secret'] ?? '' ) === $secret ) {
			$clean['peer_bound'] = (string) $old['peer_bound'];
		}
		// Sandbox mode lasts while the button still goes to the sandbox pairing set.
		$still_sandbox    = '' !== (string) ( $old['sandbox'] ?? '' ) && (string) ( $old['authorize_url'] ?? '' ) === $clean['authorize_url'];
		$clean['sandbox'] = $still_sandbox ? '1' : '';
		return Igsync_Settings::keep_secrets( $clean ); // The secrets go to their own option.
	}

	/**
	 * Adds Settings > igsync.
	 */
	public static function add_page(): void {
		add_options_page( 'igsync', 'igsync', 'manage_options', 'igsync', array( __CLASS__, 'render_page' ) );
	}

	/**
	 * The settings form.
	 */
	public static function render_page(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to change these settings.', 'igsync-bridge' ), 403 );
		}
		$name = Igsync_Settings::OPTION;
		$tab  = isset( $_GET['tab'] ) ? sanitize_key( wp_unslash( $_GET['tab'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- which tab to show.
		include __DIR__ . '/views/settings-page.php';
	}

	/**
	 * Says, while it holds, that the Connect button goes to the sandbox and not to Instagram.
	 */
	public static function render_sandbox_notice(): void {
		if ( ! Igsync_Settings::is_sandbox() ) {
			return;
		}
		?>
		<div class="notice notice-warning inline" id="igsync-sandbox-notice">
			<p><strong><?php esc_html_e( 'Sandbox mode is on: this is not Instagram.', 'igsync-bridge' ); ?></strong>
			<?php
			printf(
				/* translators: %s: the sandbox's authorize page */
				esc_html__( 'The Connect with Instagram button opens the igsync sandbox at %s, an emulator that runs beside the igsync daemon. Shoppers see made-up accounts, no real Instagram account connects, and the leads it makes are for trying igsync out.', 'igsync-bridge' ),
				'<code>' . esc_html( Igsync_Settings::get( 'authorize_url' ) ) . '</code>'
			);
			?>
			</p>
			<p>
			<?php
			printf(
				/* translators: %s: the command that pairs with a real Meta app */
				esc_html__( 'To go live with your Meta app: click "Pair again" below and run %s on the daemon\'s server with your app\'s Instagram app id; it asks for the app secret, which stays on the daemon.', 'igsync-bridge' ),
				'<code>igsync pair CODE --app-id APP_ID</code>'
			);
			?>
			<a href="<?php echo esc_url( Igsync_Go_Live_Page::url() ); ?>"><?php esc_html_e( 'Go live with Instagram, step by step', 'igsync-bridge' ); ?></a>
			</p>
		</div>
		<?php
	}

	/**
	 * Settings > igsync > Test connection (admin-post.php): the round trip, then back.
	 */
	public static function test_connection(): void {
		if ( ! current_user_can( 'manage_options' ) || ! check_admin_referer( 'igsync_test_connection' ) ) {
			wp_die( esc_html__( 'You are not allowed to test the connection.', 'igsync-bridge' ), 403 );
		}
		Igsync_Health::test();
		$back = isset( $_POST['igsync_back'] ) && Igsync_Go_Live_Page::TAB === sanitize_key( wp_unslash( $_POST['igsync_back'] ) );
		wp_safe_redirect( $back ? Igsync_Go_Live_Page::url() : admin_url( 'options-general.php?page=igsync&igsync-tested=1' ) );
		exit;
	}

	/**
	 * Restore leads from the daemon: the button, and what the last click did.
	 */
	private static function render_restore(): void {
		$report = isset( $_GET['igsync-restored'] ) ? Igsync_Reconcile::last_report() : null; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only, after the redirect.
		?>
		<h3 id="igsync-restore"><?php esc_html_e( 'Restore leads from the daemon', 'igsync-bridge' ); ?></h3>
		<?php if ( null !== $report ) : ?>
			<div class="notice <?php echo esc_attr( '' === $report['error'] ? 'notice-success' : 'notice-warning' ); ?> inline" id="igsync-restore-result"><p><?php echo esc_html( Igsync_Reconcile::words( $report ) ); ?></p></div>
		<?php endif; ?>
		<p class="description"><?php esc_html_e( 'After this site\'s database was restored from an older backup: the igsync daemon sends every lead it delivered again. Leads still here stay as they are; restored leads send no email and give no second reward. Leads you erased here while the daemon could not be told come back too: erase them again.', 'igsync-bridge' ); ?></p>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="<?php echo esc_attr( Igsync_Reconcile::ACTION ); ?>">
			<?php wp_nonce_field( Igsync_Reconcile::ACTION ); ?>
			<?php submit_button( __( 'Restore leads', 'igsync-bridge' ), 'secondary', 'igsync-restore-leads', true, Igsync_Pairing::is_paired() ? array() : array( 'disabled' => 'disabled' ) ); ?>
		</form>
		<?php
	}

	/**
	 * The Connection section: the last test, the queue, the last lead, and the test button.
	 */
	public static function render_health(): void {
		$last    = Igsync_Health::last();
		$pairing = Igsync_Pairing::log_entries()[0] ?? null;
		if ( Igsync_Pairing::is_paired() && null !== $pairing && 'paired' === ( $pairing['event'] ?? 'paired' ) && ( null === $last || (int) $last['checked_at'] < (int) $pairing['time'] ) ) {
			$last = Igsync_Health::test( 'pairing', 5 ); // WordPress's half of pairing's signed ping.
		}
		$snapshot = Igsync_Health::snapshot();
		$tested   = isset( $_GET['igsync-tested'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		if ( $tested && null !== $last ) {
			printf(
				'<div class="notice %1$s is-dismissible" id="igsync-test-result"><p>%2$s</p></div>',
				esc_attr( $last['ok'] ? 'notice-success' : 'notice-error' ),
				esc_html( $last['message'] )
			);
			$verdict = (string) ( $last['instagram']['credentials']['verdict'] ?? 'ok' );
			if ( $last['ok'] && 'ok' !== $verdict ) {
				printf(
					'<div class="notice notice-error is-dismissible" id="igsync-instagram-result"><p>%1$s <a href="%2$s">%3$s</a></p></div>',
					esc_html( Igsync_Go_Live::credentials_words( $verdict ) ),
					esc_url( Igsync_Go_Live_Page::url() ),
					esc_html__( 'Go live with Instagram', 'igsync-bridge' )
				);
			}
		}
		$format = get_option( 'date_format' ) . ' ' . get_option( 'time_format' );
		?>
		<h2><?php esc_html_e( 'Connection', 'igsync-bridge' ); ?></h2>
		<table class="widefat striped igsync-health" id="igsync-health" role="presentation">
			<tbody>
				<tr>
					<th scope="row"><?php esc_html_e( 'Daemon', 'igsync-bridge' ); ?></th>
					<td>
						<?php if ( null === $last ) : ?>
							<?php esc_html_e( 'Not tested yet: use Test connection below.', 'igsync-bridge' ); ?>
						<?php else : ?>
							<span class="dashicons <?php echo esc_attr( $last['ok'] ? 'dashicons-yes-alt' : 'dashicons-warning' ); ?>" style="color: <?php echo esc_attr( $last['ok'] ? '#00a32a' : '#d63638' ); ?>;" aria-hidden="true"></span>
							<?php echo esc_html( $last['message'] ); ?>
							<br><span class="description">
							<?php
							$ago  = human_time_diff( (int) $last['checked_at'] );
							$when = array(
								/* translators: %s: how long ago, e.g. "5 mins" */
								'forward' => __( 'Seen when a shopper\'s code was forwarded, %s ago.', 'igsync-bridge' ),
								/* translators: %s: how long ago, e.g. "5 mins" */
								'pairing' => __( 'Tested after pairing, %s ago.', 'igsync-bridge' ),
								/* translators: %s: how long ago, e.g. "5 mins" */
								'test'    => __( 'Tested %s ago.', 'igsync-bridge' ),
							);
							echo esc_html( sprintf( $when[ $last['source'] ?? 'test' ] ?? $when['test'], $ago ) );
							?>
							</span>
						<?php endif; ?>
					</td>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Last lead received', 'igsync-bridge' ); ?></th>
					<td><?php echo esc_html( null === $snapshot['last_lead'] ? __( 'None yet.', 'igsync-bridge' ) : wp_date( $format, (int) strtotime( $snapshot['last_lead'] . ' UTC' ) ) ); ?></td>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Leads refused', 'igsync-bridge' ); ?></th>
					<td id="igsync-leads-refused">
						<?php
						$refused = Igsync_Health::refused();
						if ( 0 === $refused['count'] ) {
							esc_html_e( 'None.', 'igsync-bridge' );
						} else {
							/* translators: 1: number of leads, 2: date and time, 3: the reason WordPress gave the daemon */
							echo esc_html( sprintf( _n( '%1$d; on %2$s, because %3$s.', '%1$d; the last on %2$s, because %3$s.', $refused['count'], 'igsync-bridge' ), $refused['count'], wp_date( $format, $refused['at'] ), $refused['reason'] ) );
							echo '<br><span class="description">' . esc_html__( 'The daemon does not send a refused lead again: see "igsync deliveries list", then "igsync deliveries retry" once the cause is fixed.', 'igsync-bridge' ) . '</span>';
						}
						?>
					</td>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Codes waiting for the daemon', 'igsync-bridge' ); ?></th>
					<td>
						<?php
						if ( 0 === $snapshot['queued'] ) {
							esc_html_e( 'None.', 'igsync-bridge' );
						} else {
							/* translators: 1: number of codes, 2: how long the oldest has waited, e.g. "12 mins" */
							echo esc_html( sprintf( _n( '%1$d; it has waited %2$s.', '%1$d; the oldest has waited %2$s.', $snapshot['queued'], 'igsync-bridge' ), $snapshot['queued'], human_time_diff( time() - (int) $snapshot['oldest_age'] ) ) );
						}
						?>
					</td>
				</tr>
			</tbody>
		</table>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="igsync_test_connection">
			<?php wp_nonce_field( 'igsync_test_connection' ); ?>
			<?php submit_button( __( 'Test connection', 'igsync-bridge' ), 'secondary', 'igsync-test-connection' ); ?>
		</form>
		<?php self::render_restore(); ?>
		<h2><?php esc_html_e( 'Settings', 'igsync-bridge' ); ?></h2>
		<?php
	}
}
