<?php
/**
 * The Instagram connection where wp-admin shows users: a column in Users, a section on the
 * user's profile, and a Settings link on the plugin's row. The Leads screen is
 * Igsync_Leads_Screen.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Admin screens.
 */
final class Igsync_Admin {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_filter( 'manage_users_columns', array( __CLASS__, 'users_column' ) );
		add_filter( 'manage_users_custom_column', array( __CLASS__, 'users_cell' ), 10, 3 );
		add_action( 'show_user_profile', array( __CLASS__, 'profile_section' ) );
		add_action( 'edit_user_profile', array( __CLASS__, 'profile_section' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( IGSYNC_BRIDGE_FILE ), array( __CLASS__, 'settings_link' ) );
	}

	/**
	 * Adds the Instagram column.
	 *
	 * @param array<string, string> $columns Columns.
	 * @return array<string, string>
	 */
	public static function users_column( array $columns ): array {
		$columns['igsync'] = __( 'Instagram', 'igsync-bridge' );
		return $columns;
	}

	/**
	 * The Instagram cell.
	 *
	 * @param string $output  Cell so far.
	 * @param string $column  Column.
	 * @param int    $user_id User.
	 * @return string
	 */
	public static function users_cell( $output, $column, $user_id ): string {
		if ( 'igsync' !== $column ) {
			return (string) $output;
		}
		$handle = (string) get_user_meta( (int) $user_id, 'igsync_ig_username', true );
		if ( '' === $handle ) {
			return '&mdash;';
		}
		$status = Igsync_Shopper_Status::get( (int) $user_id );
		$note   = Igsync_Status::CONNECTED === $status ? '' : '<br><span class="description">' . esc_html( Igsync_Status::label( $status ) ) . '</span>';
		return '@' . esc_html( $handle ) . $note;
	}

	/**
	 * The Instagram section on a user's profile.
	 *
	 * @param WP_User $user The user.
	 */
	public static function profile_section( $user ): void {
		$handle = (string) get_user_meta( $user->ID, 'igsync_ig_username', true );
		?>
		<h2 id="igsync-profile"><?php esc_html_e( 'Instagram (igsync)', 'igsync-bridge' ); ?></h2>
		<table class="form-table" role="presentation">
			<?php if ( '' === $handle ) : ?>
				<tr><th><?php esc_html_e( 'Connected', 'igsync-bridge' ); ?></th><td><?php esc_html_e( 'Not connected.', 'igsync-bridge' ); ?></td></tr>
			<?php else : ?>
				<tr><th><?php esc_html_e( 'Username', 'igsync-bridge' ); ?></th><td>@<?php echo esc_html( $handle ); ?></td></tr>
				<tr><th><?php esc_html_e( 'Status', 'igsync-bridge' ); ?></th><td id="igsync-profile-status"><?php echo esc_html( Igsync_Status::label( Igsync_Shopper_Status::get( $user->ID ) ) ); ?></td></tr>
				<tr><th><?php esc_html_e( 'Instagram user id', 'igsync-bridge' ); ?></th><td><?php echo esc_html( (string) get_user_meta( $user->ID, 'igsync_ig_user_id', true ) ); ?></td></tr>
				<tr><th><?php esc_html_e( 'Connected', 'igsync-bridge' ); ?></th><td><?php echo esc_html( self::local_time( (string) get_user_meta( $user->ID, 'igsync_connected_at', true ) ) ); ?></td></tr>
				<?php $igsync_leads = Igsync_Leads::of_instagram_user( (string) get_user_meta( $user->ID, 'igsync_ig_user_id', true ) ); ?>
				<?php $igsync_granted = array() === $igsync_leads ? '' : (string) end( $igsync_leads )['permissions']; ?>
				<?php if ( '' !== $igsync_granted ) : ?>
					<tr><th><?php esc_html_e( 'Permissions granted', 'igsync-bridge' ); ?></th><td id="igsync-profile-permissions"><code><?php echo esc_html( str_replace( ',', ', ', $igsync_granted ) ); ?></code></td></tr>
				<?php endif; ?>
			<?php endif; ?>
		</table>
		<?php
	}

	/**
	 * A "Settings" link on the plugin's row in Plugins.
	 *
	 * @param array<int|string, string> $links The row's links.
	 * @return array<int|string, string>
	 */
	public static function settings_link( $links ): array {
		$links = is_array( $links ) ? $links : array();
		array_unshift( $links, sprintf( '<a href="%s">%s</a>', esc_url( admin_url( 'options-general.php?page=igsync' ) ), esc_html__( 'Settings', 'igsync-bridge' ) ) );
		return $links;
	}

	/**
	 * A stored UTC time in the site's timezone and formats.
	 *
	 * @param string $utc "Y-m-d H:i:s", UTC.
	 * @return string
	 */
	private static function local_time( string $utc ): string {
		$at = '' === $utc ? false : strtotime( $utc . ' UTC' );
		return $at ? (string) wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $at ) : '';
	}
}
