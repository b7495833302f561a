<?php
/**
 * Settings > igsync: the page (its tabs, the setup checklist, pairing, the connection's health
 * and the settings form). Rendered by Igsync_Settings_Page::render_page, which checked the
 * user's capability.
 *
 * @package igsync-bridge
 *
 * @var string $name The option's name.
 * @var string $tab  The tab shown ('' or Igsync_Go_Live_Page::TAB).
 */

defined( 'ABSPATH' ) || exit;
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
	<?php Igsync_Settings_Page::render_sandbox_notice(); ?>
	<?php Igsync_Setup_Checklist::render(); ?>
	<?php Igsync_Pairing_Panel::render(); ?>
	<?php Igsync_Settings_Page::render_health(); ?>
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
					<?php foreach ( Igsync_Settings_Page::flavours() as $igsync_value => $igsync_label ) : ?>
						<option value="<?php echo esc_attr( $igsync_value ); ?>" <?php selected( Igsync_Settings::get( 'api_flavour' ), $igsync_value ); ?>><?php echo esc_html( $igsync_label ); ?></option>
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
		<?php
		/**
		 * Fires inside the igsync settings form, after its own fields: more fields of the
		 * same option (WooCommerce's, where WooCommerce is active).
		 *
		 * @since 0.5.0
		 *
		 * @param string $name The option's name, for the fields' name attributes.
		 */
		do_action( 'igsync_settings_fields', $name );
		?>
		<?php submit_button(); ?>
	</form>
</div>
