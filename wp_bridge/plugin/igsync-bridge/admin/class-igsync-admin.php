<?php
/**
 * The wp-admin screens: the Instagram column in Users, a section on the user's profile, and the Leads page
 * with CSV export.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Admin screens.
 */
final class Igsync_Admin {

	const PER_PAGE = 50;

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_filter( 'manage_users_columns', array( __CLASS__, 'users_column' ) );
		add_filter( 'manage_users_custom_column', array( __CLASS__, 'users_cell' ), 10, 3 );
		add_action( 'show_user_profile', array( __CLASS__, 'profile_section' ) );
		add_action( 'edit_user_profile', array( __CLASS__, 'profile_section' ) );
		add_action( 'admin_menu', array( __CLASS__, 'add_leads_page' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( IGSYNC_BRIDGE_FILE ), array( __CLASS__, 'settings_link' ) );
		add_action( 'admin_post_igsync_export_leads', array( __CLASS__, 'export_csv' ) );
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
		return '' === $handle ? '&mdash;' : '@' . esc_html( $handle );
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
				<tr><th><?php esc_html_e( 'Instagram user id', 'igsync-bridge' ); ?></th><td><?php echo esc_html( (string) get_user_meta( $user->ID, 'igsync_ig_user_id', true ) ); ?></td></tr>
				<tr><th><?php esc_html_e( 'Connected at (UTC)', 'igsync-bridge' ); ?></th><td><?php echo esc_html( (string) get_user_meta( $user->ID, 'igsync_connected_at', true ) ); ?></td></tr>
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
	 * Adds the Leads page.
	 */
	public static function add_leads_page(): void {
		add_menu_page( __( 'Instagram leads', 'igsync-bridge' ), __( 'Instagram leads', 'igsync-bridge' ), 'list_users', 'igsync-leads', array( __CLASS__, 'render_leads' ), 'dashicons-instagram', 71 );
	}

	/**
	 * The Leads list.
	 */
	public static function render_leads(): void {
		if ( ! current_user_can( 'list_users' ) ) {
			wp_die( esc_html__( 'You are not allowed to see leads.', 'igsync-bridge' ), 403 );
		}
		$page   = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1; // phpcs:ignore WordPress.Security.NonceVerification
		$result = Igsync_Leads::page( $page, self::PER_PAGE );
		$export = wp_nonce_url( admin_url( 'admin-post.php?action=igsync_export_leads' ), 'igsync_export_leads' );
		?>
		<div class="wrap">
			<h1 class="wp-heading-inline"><?php esc_html_e( 'Instagram leads', 'igsync-bridge' ); ?></h1>
			<a id="igsync-export" class="page-title-action" href="<?php echo esc_url( $export ); ?>"><?php esc_html_e( 'Export CSV', 'igsync-bridge' ); ?></a>
			<p><?php echo esc_html( sprintf( /* translators: %d: number of leads */ _n( '%d lead', '%d leads', $result['total'], 'igsync-bridge' ), $result['total'] ) ); ?></p>
			<table class="wp-list-table widefat fixed striped" id="igsync-leads">
				<thead><tr>
					<th><?php esc_html_e( 'Username', 'igsync-bridge' ); ?></th>
					<th><?php esc_html_e( 'Name', 'igsync-bridge' ); ?></th>
					<th><?php esc_html_e( 'Account type', 'igsync-bridge' ); ?></th>
					<th><?php esc_html_e( 'Email', 'igsync-bridge' ); ?></th>
					<th><?php esc_html_e( 'Customer', 'igsync-bridge' ); ?></th>
					<th><?php esc_html_e( 'Instagram user id', 'igsync-bridge' ); ?></th>
					<th><?php esc_html_e( 'Connected (UTC)', 'igsync-bridge' ); ?></th>
				</tr></thead>
				<tbody>
				<?php if ( ! $result['rows'] ) : ?>
					<tr><td colspan="7"><?php esc_html_e( 'No leads yet.', 'igsync-bridge' ); ?></td></tr>
				<?php endif; ?>
				<?php foreach ( $result['rows'] as $lead ) : ?>
					<tr>
						<td>@<?php echo esc_html( $lead['username'] ); ?></td>
						<td><?php echo esc_html( (string) $lead['name'] ); ?></td>
						<td><?php echo esc_html( (string) $lead['account_type'] ); ?></td>
						<td><?php echo esc_html( (string) $lead['email'] ); ?></td>
						<td><?php echo $lead['wp_user_id'] ? '<a href="' . esc_url( get_edit_user_link( (int) $lead['wp_user_id'] ) ) . '">#' . esc_html( $lead['wp_user_id'] ) . '</a>' : esc_html__( 'guest', 'igsync-bridge' ); ?></td>
						<td><?php echo esc_html( $lead['ig_user_id'] ); ?></td>
						<td><?php echo esc_html( (string) $lead['connected_at'] ); ?></td>
					</tr>
				<?php endforeach; ?>
				</tbody>
			</table>
			<?php
			$pages = (int) ceil( $result['total'] / self::PER_PAGE );
			if ( $pages > 1 ) {
				echo '<div class="tablenav"><div class="tablenav-pages">' . wp_kses_post(
					(string) paginate_links(
						array(
							'base'    => add_query_arg( 'paged', '%#%' ),
							'total'   => $pages,
							'current' => $page,
						)
					)
				) . '</div></div>';
			}
			?>
		</div>
		<?php
	}

	/**
	 * Every lead as CSV, streamed (admin-post.php?action=igsync_export_leads).
	 */
	public static function export_csv(): void {
		if ( ! current_user_can( 'list_users' ) || ! check_admin_referer( 'igsync_export_leads' ) ) {
			wp_die( esc_html__( 'You are not allowed to export leads.', 'igsync-bridge' ), 403 );
		}
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="instagram-leads-' . gmdate( 'Y-m-d' ) . '.csv"' );
		$headings = self::csv_headings();
		$columns  = array_keys( $headings );
		echo "\xEF\xBB\xBF"; // UTF-8's byte order mark: without it, Excel reads accented names wrong.
		echo self::csv_line( array_values( $headings ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a CSV file, quoted by csv_line().
		foreach ( Igsync_Leads::all() as $lead ) {
			$cells = array();
			foreach ( $columns as $column ) {
				$cells[] = (string) ( $lead[ $column ] ?? '' );
			}
			echo self::csv_line( $cells ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a CSV file, quoted by csv_line().
		}
		exit;
	}

	/**
	 * The export's columns and their headings, in words.
	 *
	 * @return array<string, string>
	 */
	private static function csv_headings(): array {
		return array(
			'username'        => __( 'Instagram username', 'igsync-bridge' ),
			'ig_user_id'      => __( 'Instagram user id', 'igsync-bridge' ),
			'name'            => __( 'Name', 'igsync-bridge' ),
			'account_type'    => __( 'Account type', 'igsync-bridge' ),
			'email'           => __( 'Email', 'igsync-bridge' ),
			'wp_user_id'      => __( 'WordPress user id', 'igsync-bridge' ),
			'source'          => __( 'Button', 'igsync-bridge' ),
			'return_url'      => __( 'Page', 'igsync-bridge' ),
			'api'             => __( 'Instagram API', 'igsync-bridge' ),
			'connected_at'    => __( 'Connected (UTC)', 'igsync-bridge' ),
			'created_at'      => __( 'Received (UTC)', 'igsync-bridge' ),
			'updated_at'      => __( 'Updated (UTC)', 'igsync-bridge' ),
			'idempotency_key' => __( 'Lead key', 'igsync-bridge' ),
		);
	}

	/**
	 * One CSV line a spreadsheet will not run (OWASP, "CSV Injection"): a cell that would start
	 * a formula gets a leading single quote, and every cell is quoted.
	 *
	 * @param array<int, string> $cells The cells.
	 * @return string
	 */
	public static function csv_line( array $cells ): string {
		$quoted = array();
		foreach ( $cells as $cell ) {
			if ( preg_match( '/^[=+\-@\t\r]/', $cell ) ) {
				$cell = "'" . $cell;
			}
			$quoted[] = '"' . str_replace( '"', '""', $cell ) . '"';
		}
		return implode( ',', $quoted ) . "\r\n";
	}
}
