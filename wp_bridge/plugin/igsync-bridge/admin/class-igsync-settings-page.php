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
		$clean['reward_enabled']   = empty( $input['reward_enabled'] ) ? '' : '1';
		$clean['reward_type']      = 'fixed_cart' === ( $input['reward_type'] ?? '' ) ? 'fixed_cart' : 'percent';
		$clean['reward_amount']    = self::decimal( $input['reward_amount'] ?? '', '10' );
		$clean['reward_minimum']   = self::decimal( $input['reward_minimum'] ?? '', '' );
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
	 * A non-negative amount as WooCommerce stores it, or the default when it is not one.
	 *
	 * @param mixed  $value    Submitted.
	 * @param string $fallback What to keep instead.
	 * @return string
	 */
	private static function decimal( $value, string $fallback ): string {
		$value = trim( (string) $value );
		return preg_match( '/^\d{1,9}(\.\d{1,2})?$/', $value ) ? $value : $fallback;
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
		?>
		<div class="wrap">
			<h1>igsync</h1>
			<nav class="nav-tab-wrapper" aria-label="<?php esc_attr_e( 'Secondary menu', 'igsync-bridge' ); ?>">
				<a href="<?php echo esc_url( admin_url( 'options-general.php?page=igsync' ) ); ?>" class="<?php echo esc_attr( Igsync_Go_Live_Page::TAB === $tab ? 'nav-tab' : 'nav-tab nav-tab-active' ); ?>"<?php echo Igsync_Go_Live_Page::TAB === $tab ? '' : ' aria-current="page"'; ?>><?php esc_html_e( 'Settings', 'igsync-bridge' ); ?></a>
				<a href="<?php echo esc_url( Igsync_Go_Live_Page::url() ); ?>" class="<?php echo esc_attr( Igsync_Go_Live_Page::TAB === $tab ? 'nav-tab nav-tab-active' : 'nav-tab' ); ?>"<?php echo Igsync_Go_Live_Page::TAB === $tab ? ' aria-current="page"' : ''; ?>><?php esc_html_e( 'Go live with Instagram', 'igsync-bridge' ); ?></a>
			</nav>
			<?php if ( Igsync_Go_Live_Page::TAB === $tab ) : ?>
				<?php Igsync_Go_Live_Page::render(); ?>
				</div>
				<?php
				return;
			endif;
			?>
			<p><?php esc_html_e( 'Connects shoppers\' Instagram accounts through the igsync daemon.', 'igsync-bridge' ); ?></p>
			<?php self::render_sandbox_notice(); ?>
			<?php Igsync_Setup_Checklist::render(); ?>
			<?php self::render_pairing(); ?>
			<?php self::render_health(); ?>
			<form method="post" action="options.php">
				<?php settings_fields( 'igsync' ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="igsync_daemon_url"><?php esc_html_e( 'Daemon URL', 'igsync-bridge' ); ?></label></th>
						<td><input id="igsync_daemon_url" class="regular-text" type="url" name="<?php echo esc_attr( $name ); ?>[daemon_url]" value="<?php echo esc_attr( Igsync_Settings::get( 'daemon_url' ) ); ?>">
						<p class="description"><?php esc_html_e( 'Where the igsync daemon listens (IGSYNC_LISTEN).', 'igsync-bridge' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="igsync_shared_secret"><?php esc_html_e( 'Shared secret', 'igsync-bridge' ); ?></label></th>
						<td><input id="igsync_shared_secret" class="regular-text" type="password" autocomplete="off" name="<?php echo esc_attr( $name ); ?>[shared_secret]" value="" placeholder="<?php echo esc_attr( ! Igsync_Settings::has_secret() ? 'whsec_…' : __( '(saved; leave blank to keep)', 'igsync-bridge' ) ); ?>">
						<p class="description"><?php esc_html_e( 'The daemon\'s IGSYNC_SHARED_SECRET.', 'igsync-bridge' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="igsync_app_id"><?php esc_html_e( 'Instagram app id', 'igsync-bridge' ); ?></label></th>
						<td><input id="igsync_app_id" class="regular-text" type="text" name="<?php echo esc_attr( $name ); ?>[app_id]" value="<?php echo esc_attr( Igsync_Settings::get( 'app_id' ) ); ?>"></td>
					</tr>
					<tr>
						<th scope="row"><label for="igsync_api_flavour"><?php esc_html_e( 'API flavour', 'igsync-bridge' ); ?></label></th>
						<td><select id="igsync_api_flavour" name="<?php echo esc_attr( $name ); ?>[api_flavour]">
							<?php foreach ( self::flavours() as $value => $label ) : ?>
								<option value="<?php echo esc_attr( $value ); ?>" <?php selected( Igsync_Settings::get( 'api_flavour' ), $value ); ?>><?php echo esc_html( $label ); ?></option>
							<?php endforeach; ?>
						</select></td>
					</tr>
					<tr>
						<th scope="row"><label for="igsync_authorize_url"><?php esc_html_e( 'Authorize URL', 'igsync-bridge' ); ?></label></th>
						<td><input id="igsync_authorize_url" class="regular-text" type="url" name="<?php echo esc_attr( $name ); ?>[authorize_url]" value="<?php echo esc_attr( Igsync_Settings::get( 'authorize_url' ) ); ?>">
						<p class="description"><?php esc_html_e( 'Instagram\'s, or the igsync sandbox\'s (…/oauth/authorize) to try igsync without a Meta app.', 'igsync-bridge' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="igsync_redirect_uri"><?php esc_html_e( 'Redirect URI', 'igsync-bridge' ); ?></label></th>
						<td><input id="igsync_redirect_uri" class="large-text code" type="text" readonly value="<?php echo esc_attr( Igsync_Settings::redirect_uri() ); ?>">
						<p class="description"><?php esc_html_e( 'Paste this into "Valid OAuth Redirect URIs" in the Meta dashboard, and into the daemon\'s IGSYNC_REDIRECT_URI.', 'igsync-bridge' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><?php esc_html_e( 'New lead emails', 'igsync-bridge' ); ?></th>
						<td><label for="igsync_notify_leads"><input id="igsync_notify_leads" type="checkbox" name="<?php echo esc_attr( $name ); ?>[notify_leads]" value="1" <?php checked( Igsync_Settings::get( 'notify_leads' ), '1' ); ?>>
						<?php
						/* translators: %s: the site's administration email address */
						echo esc_html( sprintf( __( 'Email %s when a shopper connects a new Instagram account', 'igsync-bridge' ), (string) get_option( 'admin_email' ) ) );
						?>
						</label></td>
					</tr>
				</table>
				<?php if ( class_exists( 'WooCommerce' ) ) : ?>
					<h2><?php esc_html_e( 'WooCommerce', 'igsync-bridge' ); ?></h2>
					<table class="form-table" role="presentation">
						<tr>
							<th scope="row"><?php esc_html_e( 'Order received page', 'igsync-bridge' ); ?></th>
							<td><label for="igsync_thank_you_prompt"><input id="igsync_thank_you_prompt" type="checkbox" name="<?php echo esc_attr( $name ); ?>[thank_you_prompt]" value="1" <?php checked( Igsync_Settings::get( 'thank_you_prompt' ), '1' ); ?>>
							<?php esc_html_e( 'Ask customers to connect their Instagram after they order', 'igsync-bridge' ); ?></label>
							<p class="description"><?php esc_html_e( 'A guest\'s connection is linked to their order, and to their account once that order is theirs (an email typed at checkout proves nothing).', 'igsync-bridge' ); ?></p></td>
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
				<?php endif; ?>
				<?php submit_button(); ?>
			</form>
		</div>
		<?php
	}

	/**
	 * Says, while it holds, that the Connect button goes to the sandbox and not to Instagram.
	 */
	private static function render_sandbox_notice(): void {
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
	 * The Pairing section: the code to give `igsync pair`, and the last pairing.
	 */
	private static function render_pairing(): void {
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
		<?php self::render_unpaired_notice(); ?>
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
		<?php self::render_pairing_history( $log, $format ); ?>
		<?php
	}

	/**
	 * After Unpair: whether the daemon heard it.
	 */
	private static function render_unpaired_notice(): void {
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
	private static function render_pairing_history( array $log, string $format ): void {
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
	 * The Connection section: the last test, the queue, the last lead, and the test button.
	 */
	private static function render_health(): void {
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
		<h2><?php esc_html_e( 'Settings', 'igsync-bridge' ); ?></h2>
		<?php
	}
}
