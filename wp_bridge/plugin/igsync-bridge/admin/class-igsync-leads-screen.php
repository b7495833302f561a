<?php
/**
 * The Leads screen: under WooCommerce when it is active, else under its own Instagram menu.
 * It lists the leads (Igsync_Leads_Table), erases them (here, and the daemon is asked to
 * forget the person), and exports them as CSV.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Leads screen and its actions.
 */
final class Igsync_Leads_Screen {

	const SLUG             = 'igsync-leads';
	const VIEW_CAPABILITY  = 'list_users';
	const ERASE_CAPABILITY = 'manage_options';

	/**
	 * The screen's hook suffix, once the menu is added.
	 *
	 * @var string
	 */
	private static $hook = '';

	/**
	 * The list, made when the screen loads: WordPress reads its columns for Screen Options
	 * before the page is drawn, and keeps what it read.
	 *
	 * @var Igsync_Leads_Table|null
	 */
	private static $table = null;

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ), 60 );
		add_filter( 'set_screen_option_' . Igsync_Leads_Table::PER_PAGE_OPTION, array( __CLASS__, 'save_per_page' ), 10, 3 );
		add_action( 'admin_post_igsync_export_leads', array( __CLASS__, 'export_csv' ) );
	}

	/**
	 * The menu entry: WooCommerce > Instagram leads, or a top-level Instagram leads.
	 */
	public static function add_page(): void {
		$title = __( 'Instagram leads', 'igsync-bridge' );
		if ( class_exists( 'WooCommerce' ) ) {
			$hook = add_submenu_page( 'woocommerce', $title, $title, self::VIEW_CAPABILITY, self::SLUG, array( __CLASS__, 'render' ) );
		} else {
			$hook = add_menu_page( $title, $title, self::VIEW_CAPABILITY, self::SLUG, array( __CLASS__, 'render' ), 'dashicons-instagram', 71 );
		}
		self::$hook = (string) $hook;
		add_action( 'load-' . self::$hook, array( __CLASS__, 'load' ) );
	}

	/**
	 * The screen's id, for notices that belong on it.
	 *
	 * @return string
	 */
	public static function screen_id(): string {
		return '' === self::$hook ? 'toplevel_page_' . self::SLUG : self::$hook;
	}

	/**
	 * Before any output: carries out an Erase, then redirects; adds the per-page option.
	 */
	public static function load(): void {
		$action = self::requested_action();
		if ( 'erase' === $action ) {
			self::erase();
		}
		add_screen_option(
			'per_page',
			array(
				'default' => 20,
				'option'  => Igsync_Leads_Table::PER_PAGE_OPTION,
			)
		);
		add_filter( 'default_hidden_columns', array( __CLASS__, 'hidden_by_default' ), 10, 2 );
		wp_enqueue_style( 'igsync-bridge-admin', plugins_url( 'assets/igsync-admin.css', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION );
		self::$table = new Igsync_Leads_Table();
	}

	/**
	 * The columns an owner rarely needs start hidden (Screen Options > Columns shows them):
	 * the Instagram user id is for support and for matching exports; Engagement until the
	 * daemon measures it (IGSYNC_ENGAGEMENT=on).
	 *
	 * @param array<int, string> $hidden The hidden columns.
	 * @param WP_Screen          $screen The screen.
	 * @return array<int, string>
	 */
	public static function hidden_by_default( $hidden, $screen ) {
		if ( $screen instanceof WP_Screen && self::screen_id() === $screen->id ) {
			$hidden[] = 'ig_user_id';
			if ( ! Igsync_Leads_Query::any_engagement() ) {
				$hidden[] = 'engagement';
			}
		}
		return $hidden;
	}

	/**
	 * Keeps Screen Options > Number of items per page.
	 *
	 * @param mixed  $keep   What to keep (false: nothing).
	 * @param string $option The option.
	 * @param mixed  $value  The number asked for.
	 * @return mixed
	 */
	public static function save_per_page( $keep, $option, $value ) {
		return Igsync_Leads_Table::PER_PAGE_OPTION === $option ? max( 1, min( 999, (int) $value ) ) : $keep;
	}

	/**
	 * The link of a row's Erase action.
	 *
	 * @param int $lead_id The lead's row id.
	 * @return string
	 */
	public static function erase_url( int $lead_id ): string {
		return wp_nonce_url(
			add_query_arg(
				array(
					'page'   => self::SLUG,
					'action' => 'erase',
					'lead'   => $lead_id,
				),
				admin_url( 'admin.php' )
			),
			'igsync_erase_leads'
		);
	}

	/**
	 * The action asked for: a row's link or the bulk action menus (top or bottom).
	 *
	 * @return string
	 */
	private static function requested_action(): string {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- only read here; erase() checks the nonce.
		foreach ( array( 'action', 'action2' ) as $field ) {
			$value = isset( $_REQUEST[ $field ] ) ? sanitize_key( $_REQUEST[ $field ] ) : '';
			if ( '' !== $value && '-1' !== $value ) {
				return $value;
			}
		}
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
		return '';
	}

	/**
	 * Erases the chosen leads' Instagram accounts here, asks the daemon to forget each, and
	 * comes back to the list with the outcome.
	 */
	private static function erase(): void {
		if ( ! current_user_can( self::ERASE_CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to erase leads.', 'igsync-bridge' ), 403 );
		}
		$nonce = isset( $_REQUEST['_wpnonce'] ) ? sanitize_key( wp_unslash( $_REQUEST['_wpnonce'] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, 'igsync_erase_leads' ) && ! wp_verify_nonce( $nonce, 'bulk-leads' ) ) {
			wp_die( esc_html__( 'This link has expired. Go back to the leads and try again.', 'igsync-bridge' ), 403 );
		}
		$ids    = isset( $_REQUEST['lead'] ) ? array_map( 'absint', (array) wp_unslash( $_REQUEST['lead'] ) ) : array();
		$erased = 0;
		$failed = array();
		foreach ( Igsync_Leads_Query::instagram_users_of( $ids ) as $ig_user_id ) {
			$erased += Igsync_Leads::erase( $ig_user_id )['leads'];
			$asked   = Igsync_Daemon::forget( $ig_user_id );
			if ( true !== $asked ) {
				$failed[] = $asked;
			}
		}
		if ( $failed ) {
			set_transient( 'igsync_forget_failed_' . get_current_user_id(), $failed[0], HOUR_IN_SECONDS );
		}
		$back = remove_query_arg( array( 'action', 'action2', 'lead', '_wpnonce', '_wp_http_referer', 'erased', 'forget_failed' ), wp_get_referer() ? wp_get_referer() : admin_url( 'admin.php?page=' . self::SLUG ) );
		wp_safe_redirect(
			add_query_arg(
				array(
					'page'          => self::SLUG,
					'erased'        => $erased,
					'forget_failed' => count( $failed ),
				),
				$back
			)
		);
		exit;
	}

	/**
	 * The screen.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::VIEW_CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to see leads.', 'igsync-bridge' ), 403 );
		}
		$table = self::$table ?? new Igsync_Leads_Table();
		$table->prepare_items();
		$export = wp_nonce_url( admin_url( 'admin-post.php?action=igsync_export_leads' ), 'igsync_export_leads' );
		$search = isset( $_REQUEST['s'] ) ? sanitize_text_field( wp_unslash( $_REQUEST['s'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		?>
		<div class="wrap">
			<h1 class="wp-heading-inline"><?php esc_html_e( 'Instagram leads', 'igsync-bridge' ); ?></h1>
			<a id="igsync-export" class="page-title-action" href="<?php echo esc_url( $export ); ?>"><?php esc_html_e( 'Export CSV', 'igsync-bridge' ); ?></a>
			<?php if ( '' !== $search ) : ?>
				<span class="subtitle">
					<?php
					/* translators: %s: the search terms */
					echo esc_html( sprintf( __( 'Search results for: %s', 'igsync-bridge' ), $search ) );
					?>
				</span>
			<?php endif; ?>
			<hr class="wp-header-end">
			<?php self::render_outcome(); ?>
			<?php $table->views(); ?>
			<form method="get" id="igsync-leads-form">
				<input type="hidden" name="page" value="<?php echo esc_attr( self::SLUG ); ?>">
				<?php
				$table->search_box( __( 'Search leads', 'igsync-bridge' ), 'igsync-leads' );
				$table->display();
				?>
			</form>
		</div>
		<?php
	}

	/**
	 * After an Erase: what was done, and whether the daemon could be asked.
	 */
	private static function render_outcome(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only, after the redirect.
		if ( ! isset( $_GET['erased'] ) ) {
			return;
		}
		$erased = absint( $_GET['erased'] );
		$failed = isset( $_GET['forget_failed'] ) ? absint( $_GET['forget_failed'] ) : 0;
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
		/* translators: %d: number of leads */
		$text = sprintf( _n( '%d lead erased from WordPress.', '%d leads erased from WordPress.', $erased, 'igsync-bridge' ), $erased );
		if ( 0 === $failed ) {
			printf( '<div class="notice notice-success is-dismissible" id="igsync-erased"><p>%s</p></div>', esc_html( $text . ' ' . __( 'The igsync daemon has forgotten them too.', 'igsync-bridge' ) ) );
			return;
		}
		$key = 'igsync_forget_failed_' . get_current_user_id();
		$why = (string) get_transient( $key );
		delete_transient( $key );
		/* translators: %s: why the daemon could not be asked */
		$text .= ' ' . sprintf( __( 'The igsync daemon could not be asked to forget them (%s): run "igsync forget" for these people, or erase again once the daemon is reachable.', 'igsync-bridge' ), $why );
		printf( '<div class="notice notice-warning is-dismissible" id="igsync-erased"><p>%s</p></div>', esc_html( $text ) );
	}

	/**
	 * Every lead as CSV, streamed (admin-post.php?action=igsync_export_leads).
	 */
	public static function export_csv(): void {
		if ( ! current_user_can( self::VIEW_CAPABILITY ) || ! check_admin_referer( 'igsync_export_leads' ) ) {
			wp_die( esc_html__( 'You are not allowed to export leads.', 'igsync-bridge' ), 403 );
		}
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="instagram-leads-' . gmdate( 'Y-m-d' ) . '.csv"' );
		$headings = self::csv_headings();
		$columns  = array_keys( $headings );
		echo "\xEF\xBB\xBF"; // UTF-8's byte order mark: without it, Excel reads accented names wrong.
		echo self::csv_line( array_values( $headings ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a CSV file, quoted by csv_line().
		foreach ( self::csv_rows( Igsync_Leads_Query::all(), $columns ) as $cells ) {
			echo self::csv_line( $cells ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a CSV file, quoted by csv_line().
		}
		exit;
	}

	/**
	 * Leads' cells in the export, read 500 leads at a time, so that their customers' orders
	 * take one query per 500 leads, not one per lead.
	 *
	 * @param iterable           $leads   The leads (rows of the leads table).
	 * @param array<int, string> $columns The export's columns.
	 * @return Generator<int, array<int, string>>
	 */
	public static function csv_rows( iterable $leads, array $columns ): Generator {
		$batch = array();
		foreach ( $leads as $lead ) {
			$batch[] = $lead;
			if ( count( $batch ) >= 500 ) {
				yield from self::batch_cells( $batch, $columns );
				$batch = array();
			}
		}
		yield from self::batch_cells( $batch, $columns );
	}

	/**
	 * One batch's cells.
	 *
	 * @param array<int, array<string, mixed>> $leads   The batch.
	 * @param array<int, string>               $columns The export's columns.
	 * @return Generator<int, array<int, string>>
	 */
	private static function batch_cells( array $leads, array $columns ): Generator {
		$customers = in_array( 'customer_orders', $columns, true ) ? Igsync_Order_Origin::of_customers( array_column( $leads, 'wp_user_id' ) ) : array();
		foreach ( $leads as $lead ) {
			yield self::csv_cells( $lead, $columns, $customers );
		}
	}

	/**
	 * A lead's cells in the export.
	 *
	 * @param array<string, mixed>           $lead      The lead.
	 * @param array<int, string>             $columns   The export's columns.
	 * @param array<int, array<string, int>> $customers Where the batch's customers' orders came from.
	 * @return array<int, string>
	 */
	public static function csv_cells( array $lead, array $columns, array $customers = array() ): array {
		$cells  = array();
		$origin = in_array( 'origin_source_type', $columns, true ) ? Igsync_Order_Origin::of_lead( $lead ) : null;
		foreach ( $columns as $column ) {
			if ( 'customer_orders' === $column ) {
				$cells[] = Igsync_Order_Origin::counts_words( $customers[ (int) ( $lead['wp_user_id'] ?? 0 ) ] ?? array() );
				continue;
			}
			if ( 0 === strpos( $column, 'origin_' ) ) {
				$cells[] = (string) ( $origin[ substr( $column, 7 ) ] ?? '' );
				continue;
			}
			$cells[] = 'sandbox' === $column ? ( Igsync_Lead_Format::is_sandbox_lead( $lead ) ? __( 'yes', 'igsync-bridge' ) : '' ) : (string) ( $lead[ $column ] ?? '' );
		}
		return $cells;
	}

	/**
	 * The export's columns and their headings, in words.
	 *
	 * @return array<string, string>
	 */
	public static function csv_headings(): array {
		return array(
			'username'              => __( 'Instagram username', 'igsync-bridge' ),
			'ig_user_id'            => __( 'Instagram user id', 'igsync-bridge' ),
			'name'                  => __( 'Name', 'igsync-bridge' ),
			'account_type'          => __( 'Account type', 'igsync-bridge' ),
			'email'                 => __( 'Email', 'igsync-bridge' ),
			'wp_user_id'            => __( 'WordPress user id', 'igsync-bridge' ),
			'status'                => __( 'Status', 'igsync-bridge' ),
			'followers_count'       => __( 'Followers', 'igsync-bridge' ),
			'followers_change'      => __( 'Follower change', 'igsync-bridge' ),
			'followers_change_days' => __( 'Over days', 'igsync-bridge' ),
			'engagement_rate'       => __( 'Engagement rate (%)', 'igsync-bridge' ),
			'source'                => __( 'Button', 'igsync-bridge' ),
			'return_url'            => __( 'Page', 'igsync-bridge' ),
			'api'                   => __( 'Instagram API', 'igsync-bridge' ),
			'permissions'           => __( 'Permissions granted', 'igsync-bridge' ),
			'unavailable_fields'    => __( 'Fields no longer served', 'igsync-bridge' ),
			'consented_at'          => __( 'Agreed to connect (UTC)', 'igsync-bridge' ),
			'sandbox'               => __( 'Sandbox (made-up account)', 'igsync-bridge' ),
			'connected_at'          => __( 'Connected (UTC)', 'igsync-bridge' ),
			'created_at'            => __( 'Received (UTC)', 'igsync-bridge' ),
			'updated_at'            => __( 'Updated (UTC)', 'igsync-bridge' ),
			'idempotency_key'       => __( 'Lead key', 'igsync-bridge' ),
		) + ( function_exists( 'wc_get_order' ) ? array(
			'wc_order_id'         => __( 'Order', 'igsync-bridge' ),
			'origin_source_type'  => __( 'Order source type', 'igsync-bridge' ),
			'origin_utm_source'   => __( 'Order source', 'igsync-bridge' ),
			'origin_utm_medium'   => __( 'Order medium', 'igsync-bridge' ),
			'origin_utm_campaign' => __( 'Order campaign', 'igsync-bridge' ),
			'customer_orders'     => __( 'Customer\'s orders by source', 'igsync-bridge' ),
		) : array() );
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
			if ( preg_match( '/^[=+\-@\t\r]/', $cell ) && ! preg_match( '/^-?[0-9]+(\.[0-9]+)?$/', $cell ) ) { // -3 stays a number.
				$cell = "'" . $cell;
			}
			$quoted[] = '"' . str_replace( '"', '""', $cell ) . '"';
		}
		return implode( ',', $quoted ) . "\r\n";
	}
}
