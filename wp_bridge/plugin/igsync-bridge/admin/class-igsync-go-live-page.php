<?php
/**
 * Settings > igsync > Go live with Instagram: Meta's App Dashboard, step by step, with this
 * shop's values to paste and each step's state (Igsync_Go_Live).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Draws the go-live guide and saves what the owner ticks.
 */
final class Igsync_Go_Live_Page {

	const TAB = 'go-live';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_post_igsync_go_live', array( __CLASS__, 'save' ) );
	}

	/**
	 * The screen's URL.
	 *
	 * @param array<string, string> $args Extra query arguments.
	 * @return string
	 */
	public static function url( array $args = array() ): string {
		return add_query_arg(
			array_merge(
				array(
					'page' => 'igsync',
					'tab'  => self::TAB,
				),
				$args
			),
			admin_url( 'options-general.php' )
		);
	}

	/**
	 * The owner's ticks and testers (admin-post.php), then back to the guide.
	 */
	public static function save(): void {
		if ( ! current_user_can( 'manage_options' ) || ! check_admin_referer( 'igsync_go_live' ) ) {
			wp_die( esc_html__( 'You are not allowed to change these settings.', 'igsync-bridge' ), 403 );
		}
		$ticked  = isset( $_POST['igsync_ticked'] ) && is_array( $_POST['igsync_ticked'] ) ? array_map( 'sanitize_key', wp_unslash( $_POST['igsync_ticked'] ) ) : array();
		$testers = isset( $_POST['igsync_testers'] ) ? sanitize_textarea_field( wp_unslash( $_POST['igsync_testers'] ) ) : '';
		Igsync_Go_Live::save_owner_ticks( $ticked, $testers );
		wp_safe_redirect( self::url( array( 'igsync-saved' => '1' ) ) );
		exit;
	}

	/**
	 * The steps, in the App Dashboard's order: what to do, the values, the checks.
	 *
	 * @return array<int, array{id: string, title: string, how: string, checks: array<int, array{0: string, 1: bool}>, text: string, values: array<string, string>, owner: string}>
	 */
	private static function steps(): array {
		$facts  = Igsync_Go_Live::facts();
		$values = Igsync_Go_Live::values();
		return array(
			array(
				'id'     => 'app',
				'title'  => __( 'Create a Meta app', 'igsync-bridge' ),
				'how'    => 'owner',
				'text'   => __( 'At developers.facebook.com/apps, click Create app. Pick the use case "Manage messaging & content on Instagram" and, if asked, the app type Business. Connect it to your business portfolio (Meta asks for one before App Review).', 'igsync-bridge' ),
				'values' => array(),
				'checks' => array( array( __( 'You created the app', 'igsync-bridge' ), $facts['app_created'] ) ),
				'owner'  => 'app_created',
			),
			array(
				'id'     => 'credentials',
				'title'  => __( 'Give igsync the Instagram app ID and secret', 'igsync-bridge' ),
				'how'    => 'auto',
				'text'   => __( 'In the app\'s dashboard open Instagram > API setup with Instagram business login. Copy the Instagram app ID (not the Meta app ID at the top of the page). Then click Pair again on the Settings tab and run the command it shows, adding --app-id with that ID, on the daemon\'s server: the daemon asks for the Instagram app secret, which never comes to WordPress.', 'igsync-bridge' ),
				'values' => array( __( 'Command', 'igsync-bridge' ) => 'igsync pair CODE --app-id INSTAGRAM_APP_ID' ),
				'checks' => array(
					array( __( 'The same app id in WordPress and in the daemon', 'igsync-bridge' ), $facts['app_id_both'] ),
					array( __( 'Instagram accepts the app secret (checked by the daemon)', 'igsync-bridge' ), $facts['secret_verified'] ),
				),
				'owner'  => '',
			),
			array(
				'id'     => 'business_login',
				'title'  => __( 'Business login settings: this shop\'s three addresses', 'igsync-bridge' ),
				'how'    => 'auto',
				'text'   => __( 'On the same page, under "Set up Instagram business login", open Business login settings and paste each address below into its field, then Save. Meta calls the last two when a person removes your app or asks for their data to be deleted; igsync erases them.', 'igsync-bridge' ),
				'values' => array(
					__( 'OAuth redirect URIs', 'igsync-bridge' ) => $values['redirect_uri'],
					__( 'Deauthorize callback URL', 'igsync-bridge' ) => $values['deauthorize'],
					__( 'Data deletion request URL', 'igsync-bridge' ) => $values['data_deletion'],
				),
				'checks' => array(
					array( __( 'Redirect URI accepted: a real Instagram account has connected', 'igsync-bridge' ), $facts['redirect_works'] ),
					array( __( 'A deauthorize callback from Meta arrived and was verified', 'igsync-bridge' ), $facts['deauthorize'] ),
					array( __( 'A data deletion request from Meta arrived and was verified', 'igsync-bridge' ), $facts['data_deletion'] ),
				),
				'owner'  => '',
			),
			array(
				'id'     => 'basic',
				'title'  => __( 'App settings > Basic', 'igsync-bridge' ),
				'how'    => 'owner',
				'text'   => __( 'Fill in the privacy policy URL, the app domain and an app icon, pick a category, and under Add platform choose Website with this shop\'s address. App Review and Live mode need them.', 'igsync-bridge' ),
				'values' => array(
					__( 'Privacy policy URL', 'igsync-bridge' ) => $values['privacy'],
					__( 'App domains', 'igsync-bridge' ) => $values['app_domain'],
					__( 'Site URL (Website platform)', 'igsync-bridge' ) => $values['site_url'],
				),
				'checks' => array( array( __( 'You filled in the basic settings', 'igsync-bridge' ), $facts['basic_settings'] ) ),
				'owner'  => 'basic_settings',
			),
			array(
				'id'     => 'testers',
				'title'  => __( 'Try it with testers (Standard Access)', 'igsync-bridge' ),
				'how'    => 'auto',
				'text'   => __( 'Until App Review, Instagram lets only accounts with a role on the app connect: everyone else is refused by Instagram, with no word of why. Add your own account under App roles > Roles > Add people > Instagram Tester. The tester accepts the invitation in Instagram: on instagram.com, Settings > Apps and websites > Tester invites. Then connect that account through the shop\'s button, and list the testers here so igsync can tell them from the public.', 'igsync-bridge' ),
				'values' => array(),
				'checks' => array( array( __( 'A listed tester has connected', 'igsync-bridge' ), $facts['tester_connected'] ) ),
				'owner'  => '',
			),
			array(
				'id'     => 'public',
				'title'  => __( 'Open it to every shopper (Advanced Access)', 'igsync-bridge' ),
				'how'    => 'auto',
				'text'   => __( 'A shop connecting its customers is what Meta calls a Tech Provider: it needs Advanced Access to instagram_business_basic. Complete Business Verification (App settings > Basic > Verification), then under App Review > Requests ask for Advanced Access with a screencast and a justification per permission (igsync review-kit DIR on the daemon\'s server writes both, and the data inventory, for this shop). Once approved, switch the app to Live.', 'igsync-bridge' ),
				'values' => array( __( 'Command', 'igsync-bridge' ) => 'igsync review-kit ./review-kit' ),
				'checks' => array(
					array( __( 'Approved (you tick this once Meta grants it)', 'igsync-bridge' ), $facts['advanced_access'] ),
					array( __( 'An account that is not a listed tester has connected', 'igsync-bridge' ), $facts['public_connected'] ),
				),
				'owner'  => 'advanced_access',
			),
			array(
				'id'     => 'checkup',
				'title'  => __( 'Every year: Meta\'s Data Use Checkup', 'igsync-bridge' ),
				'how'    => 'owner',
				'text'   => __( 'Meta asks once a year, in the App Dashboard, how the app uses the data it gets (the review kit\'s draft answers help). An app that does not answer loses its access. Tick this when you have done it; it unticks itself a year later.', 'igsync-bridge' ),
				'values' => array(),
				'checks' => array( array( __( 'Done within the last year', 'igsync-bridge' ), $facts['data_use_checkup'] ) ),
				'owner'  => 'data_use_checkup',
			),
		);
	}

	/**
	 * The guide.
	 */
	public static function render(): void {
		$steps = self::steps();
		$done  = 0;
		foreach ( $steps as $step ) {
			$done += self::is_done( $step ) ? 1 : 0;
		}
		$state = Igsync_Go_Live::state();
		?>
		<h2><?php esc_html_e( 'Go live with Instagram', 'igsync-bridge' ); ?></h2>
		<p class="igsync-go-live-intro"><?php esc_html_e( 'The steps Meta\'s App Dashboard asks of a shop whose customers connect their own Instagram accounts, in the order the dashboard has them, with this shop\'s values to paste. Steps marked "Checked by igsync" tick themselves; the others you tick once done.', 'igsync-bridge' ); ?></p>
		<?php if ( Igsync_Settings::is_sandbox() ) : ?>
			<div class="notice notice-warning inline"><p><?php esc_html_e( 'Sandbox mode is on: the Connect button opens the igsync sandbox, not Instagram. These steps are for your Meta app; they tick from real Instagram connections only, after you pair with your app (step 2).', 'igsync-bridge' ); ?></p></div>
		<?php endif; ?>
		<?php self::render_instagram_verdict(); ?>
		<?php if ( isset( $_GET['igsync-saved'] ) ) : // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only. ?>
			<div class="notice notice-success inline is-dismissible"><p><?php esc_html_e( 'Saved.', 'igsync-bridge' ); ?></p></div>
		<?php endif; ?>
		<p>
			<?php
			/* translators: 1: steps done, 2: steps in all */
			echo esc_html( sprintf( __( '%1$d of %2$d steps done.', 'igsync-bridge' ), $done, count( $steps ) ) );
			?>
		</p>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="igsync_go_live">
			<?php wp_nonce_field( 'igsync_go_live' ); ?>
			<ol class="igsync-go-live">
				<?php foreach ( $steps as $number => $step ) : ?>
					<?php self::render_step( $number + 1, $step, $state ); ?>
				<?php endforeach; ?>
			</ol>
			<?php submit_button( __( 'Save what you ticked', 'igsync-bridge' ) ); ?>
		</form>
		<?php
	}

	/**
	 * One step: its state, what to do, the values with copy buttons, its checks.
	 *
	 * @param int                  $number Its place in the order.
	 * @param array<string, mixed> $step   The step.
	 * @param array<string, mixed> $state  Igsync_Go_Live::state().
	 */
	private static function render_step( int $number, array $step, array $state ): void {
		$done = self::is_done( $step );
		?>
		<li id="<?php echo esc_attr( 'igsync-go-live-' . $step['id'] ); ?>" class="<?php echo esc_attr( 'igsync-go-live-step' . ( $done ? ' is-done' : '' ) ); ?>">
			<h3>
				<span class="dashicons <?php echo esc_attr( $done ? 'dashicons-yes-alt' : 'dashicons-marker' ); ?>" aria-hidden="true"></span>
				<span class="igsync-step-title"><?php echo esc_html( $number . '. ' . $step['title'] ); ?>
				<span class="screen-reader-text"><?php echo esc_html( $done ? __( '(done)', 'igsync-bridge' ) : __( '(to do)', 'igsync-bridge' ) ); ?></span></span>
				<span class="igsync-how"><?php echo esc_html( self::how( $step ) ); ?></span>
			</h3>
			<p><?php echo esc_html( $step['text'] ); ?></p>
			<?php if ( array() !== $step['values'] ) : ?>
				<table class="form-table igsync-values" role="presentation">
					<?php foreach ( $step['values'] as $label => $value ) : ?>
						<tr>
							<th scope="row"><?php echo esc_html( (string) $label ); ?></th>
							<td>
								<?php if ( '' === $value ) : ?>
									<span class="description"><?php esc_html_e( 'Not set: choose a privacy policy page under Settings > Privacy first.', 'igsync-bridge' ); ?></span>
								<?php else : ?>
									<input type="text" class="large-text code" readonly value="<?php echo esc_attr( $value ); ?>" aria-label="<?php echo esc_attr( (string) $label ); ?>">
									<button type="button" class="button igsync-copy" data-copy="<?php echo esc_attr( $value ); ?>"><?php esc_html_e( 'Copy', 'igsync-bridge' ); ?></button>
								<?php endif; ?>
							</td>
						</tr>
					<?php endforeach; ?>
				</table>
			<?php endif; ?>
			<ul class="igsync-checks">
				<?php foreach ( $step['checks'] as list( $label, $holds ) ) : ?>
					<li class="<?php echo esc_attr( $holds ? 'is-done' : '' ); ?>">
						<span class="dashicons <?php echo esc_attr( $holds ? 'dashicons-yes' : 'dashicons-minus' ); ?>" aria-hidden="true"></span>
						<?php echo esc_html( $label ); ?>
						<span class="screen-reader-text"><?php echo esc_html( $holds ? __( '(yes)', 'igsync-bridge' ) : __( '(not yet)', 'igsync-bridge' ) ); ?></span>
					</li>
				<?php endforeach; ?>
			</ul>
			<?php if ( 'testers' === $step['id'] ) : ?>
				<p>
					<label for="igsync_testers"><?php esc_html_e( 'Your Instagram testers (usernames, one per line)', 'igsync-bridge' ); ?></label><br>
					<textarea id="igsync_testers" name="igsync_testers" rows="3" class="regular-text code"><?php echo esc_textarea( implode( "\n", $state['testers'] ) ); ?></textarea>
				</p>
			<?php endif; ?>
			<?php if ( '' !== $step['owner'] ) : ?>
				<p><label for="<?php echo esc_attr( 'igsync_tick_' . $step['owner'] ); ?>">
					<input type="checkbox" id="<?php echo esc_attr( 'igsync_tick_' . $step['owner'] ); ?>" name="igsync_ticked[]" value="<?php echo esc_attr( $step['owner'] ); ?>" <?php checked( isset( $state['ticked'][ $step['owner'] ] ) ); ?>>
					<?php esc_html_e( 'Done', 'igsync-bridge' ); ?>
					<?php if ( isset( $state['ticked'][ $step['owner'] ] ) ) : ?>
						<span class="description">
						<?php
						/* translators: %s: a date */
						echo esc_html( sprintf( __( '(ticked on %s)', 'igsync-bridge' ), wp_date( get_option( 'date_format' ), (int) $state['ticked'][ $step['owner'] ] ) ) );
						?>
						</span>
					<?php endif; ?>
				</label></p>
			<?php endif; ?>
		</li>
		<?php
	}

	/**
	 * Instagram's word on the credentials and the Graph API version, from the last Test
	 * connection, with a button to ask again.
	 */
	private static function render_instagram_verdict(): void {
		$view = Igsync_Health::instagram();
		if ( array() !== $view ) {
			$verdict = (string) ( $view['credentials']['verdict'] ?? '' );
			$graph   = is_array( $view['graph_api'] ?? null ) ? $view['graph_api'] : array();
			$class   = 'ok' === $verdict && 'fail' !== ( $graph['verdict'] ?? '' ) ? ( 'warn' === ( $graph['verdict'] ?? '' ) ? 'notice-warning' : 'notice-success' ) : 'notice-error';
			?>
			<div class="notice <?php echo esc_attr( $class ); ?> inline" id="igsync-instagram-verdict">
				<p><strong><?php echo esc_html( ! empty( $view['sandbox'] ) ? __( 'The igsync sandbox (not Instagram):', 'igsync-bridge' ) : __( 'Instagram:', 'igsync-bridge' ) ); ?></strong>
				<?php echo esc_html( Igsync_Go_Live::credentials_words( $verdict ) ); ?></p>
				<?php if ( '' !== (string) ( $graph['version'] ?? '' ) ) : ?>
					<p><?php echo esc_html( Igsync_Go_Live::graph_words( $graph ) ); ?></p>
				<?php endif; ?>
				<?php $asked = (string) ( $view['scopes'] ?? '' ); ?>
				<?php if ( '' !== $asked && Igsync_Settings::scopes() !== $asked ) : ?>
					<p id="igsync-scopes-differ">
					<?php
					/* translators: 1: permissions the daemon is set to ask for, 2: those this site asks for */
					echo esc_html( sprintf( __( 'The daemon is set to ask for %1$s, this site still asks shoppers for %2$s: click Pair again on the Settings tab and pair, so both ask for the same.', 'igsync-bridge' ), $asked, Igsync_Settings::scopes() ) );
					?>
					</p>
				<?php endif; ?>
				<p class="description">
				<?php
				/* translators: %s: how long ago */
				echo esc_html( sprintf( __( 'Asked by the daemon at the last Test connection, %s ago.', 'igsync-bridge' ), human_time_diff( (int) ( $view['checked_at'] ?? time() ) ) ) );
				?>
				</p>
			</div>
			<?php
		}
		?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" class="igsync-ask-again">
			<input type="hidden" name="action" value="igsync_test_connection">
			<input type="hidden" name="igsync_back" value="<?php echo esc_attr( self::TAB ); ?>">
			<?php wp_nonce_field( 'igsync_test_connection' ); ?>
			<?php submit_button( array() === $view ? __( 'Ask the daemon', 'igsync-bridge' ) : __( 'Ask again', 'igsync-bridge' ), 'secondary', 'igsync-ask-instagram', false ); ?>
		</form>
		<?php
	}

	/**
	 * Who ticks a step: igsync, the owner, or igsync once the owner has.
	 *
	 * @param array<string, mixed> $step The step.
	 * @return string
	 */
	private static function how( array $step ): string {
		if ( 'auto' !== $step['how'] ) {
			return __( 'You tick this', 'igsync-bridge' );
		}
		return '' === $step['owner'] ? __( 'Checked by igsync', 'igsync-bridge' ) : __( 'You tick this, igsync checks it', 'igsync-bridge' );
	}

	/**
	 * Whether every check of a step holds.
	 *
	 * @param array<string, mixed> $step The step.
	 * @return bool
	 */
	private static function is_done( array $step ): bool {
		foreach ( $step['checks'] as list( , $holds ) ) {
			if ( ! $holds ) {
				return false;
			}
		}
		return true;
	}
}
