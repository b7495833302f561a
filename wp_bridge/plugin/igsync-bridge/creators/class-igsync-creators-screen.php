<?php
/**
 * WooCommerce > Instagram creators: the list (Igsync_Creators_Table), a creator's own page
 * (their figures, the follower chart, their attributed orders, their history), Approve and
 * Decline for applications, and the CSV export, injection-safe as the leads export is.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The creators screen and its actions.
 */
final class Igsync_Creators_Screen {

	const SLUG              = 'igsync-creators';
	const VIEW_CAPABILITY   = 'manage_woocommerce';
	const MANAGE_CAPABILITY = 'manage_woocommerce';

	/**
	 * The list, made when the screen loads (WordPress reads its columns for Screen Options).
	 *
	 * @var Igsync_Creators_Table|null
	 */
	private static $table = null;

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ), 61 );
		add_filter( 'set_screen_option_' . Igsync_Creators_Table::PER_PAGE_OPTION, array( __CLASS__, 'save_per_page' ), 10, 3 );
		add_action( 'admin_post_igsync_export_creators', array( __CLASS__, 'export_csv' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'settings_style' ) );
	}

	/**
	 * The admin style on WooCommerce > Settings > Instagram creators too (the tiers' table).
	 */
	public static function settings_style(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- which page this is.
		if ( isset( $_GET['page'], $_GET['tab'] ) && 'wc-settings' === $_GET['page'] && 'igsync_creators' === $_GET['tab'] ) {
			wp_enqueue_style( 'igsync-bridge-admin', plugins_url( 'assets/igsync-admin.css', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION );
		}
	}

	/**
	 * WooCommerce > Instagram creators.
	 */
	public static function add_page(): void {
		$title = __( 'Instagram creators', 'igsync-bridge' );
		$hook  = add_submenu_page( 'woocommerce', $title, $title, self::VIEW_CAPABILITY, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'load' ) );
		}
	}

	/**
	 * A creator's page.
	 *
	 * @param int $creator_id The creator.
	 * @return string
	 */
	public static function creator_url( int $creator_id ): string {
		return admin_url( 'admin.php?page=' . self::SLUG . '&creator=' . $creator_id );
	}

	/**
	 * The link of an Approve or Decline action.
	 *
	 * @param string $action     approve or decline.
	 * @param int    $creator_id The creator.
	 * @return string
	 */
	public static function action_url( string $action, int $creator_id ): string {
		return wp_nonce_url( admin_url( 'admin.php?page=' . self::SLUG . '&action=' . $action . '&creator=' . $creator_id ), 'igsync_creator_' . $action . '_' . $creator_id );
	}

	/**
	 * The link of a lead's "Invite as creator".
	 *
	 * @param int $lead_id The lead's row id.
	 * @return string
	 */
	public static function invite_url( int $lead_id ): string {
		return wp_nonce_url( admin_url( 'admin.php?page=' . self::SLUG . '&action=invite&lead=' . $lead_id ), 'igsync_creator_invite_' . $lead_id );
	}

	/**
	 * The link of "Pay as store credit".
	 *
	 * @param int $creator_id The creator.
	 * @return string
	 */
	public static function payout_url( int $creator_id ): string {
		return wp_nonce_url( admin_url( 'admin.php?page=' . self::SLUG . '&action=payout&creator=' . $creator_id ), 'igsync_creator_payout_' . $creator_id );
	}

	/**
	 * Before any output: carries out Invite, Approve or Decline, then redirects; the per-page
	 * option.
	 */
	public static function load(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- the nonce is checked below, per action.
		$action     = isset( $_GET['action'] ) ? sanitize_key( $_GET['action'] ) : '';
		$creator_id = isset( $_GET['creator'] ) ? absint( $_GET['creator'] ) : 0;
		$lead_id    = isset( $_GET['lead'] ) ? absint( $_GET['lead'] ) : 0;
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
		if ( 'invite' === $action ) {
			if ( ! current_user_can( self::MANAGE_CAPABILITY ) || ! check_admin_referer( 'igsync_creator_invite_' . $lead_id ) ) {
				wp_die( esc_html__( 'You are not allowed to do this.', 'igsync-bridge' ), 403 );
			}
			$done = Igsync_Creator_Program::invite( $lead_id );
			wp_safe_redirect( add_query_arg( 'done', is_wp_error( $done ) ? 'invite_failed' : 'invite', admin_url( 'admin.php?page=' . self::SLUG ) ) );
			exit;
		}
		if ( 'payout' === $action ) {
			if ( ! current_user_can( self::MANAGE_CAPABILITY ) || ! check_admin_referer( 'igsync_creator_payout_' . $creator_id ) ) {
				wp_die( esc_html__( 'You are not allowed to do this.', 'igsync-bridge' ), 403 );
			}
			$paid = Igsync_Creator_Payouts::store_credit( $creator_id );
			wp_safe_redirect( add_query_arg( 'done', is_wp_error( $paid ) ? 'payout_failed' : 'payout', self::creator_url( $creator_id ) ) );
			exit;
		}
		if ( in_array( $action, array( 'approve', 'decline' ), true ) ) {
			if ( ! current_user_can( self::MANAGE_CAPABILITY ) || ! check_admin_referer( 'igsync_creator_' . $action . '_' . $creator_id ) ) {
				wp_die( esc_html__( 'You are not allowed to do this.', 'igsync-bridge' ), 403 );
			}
			$done = 'approve' === $action ? Igsync_Creator_Program::approve( $creator_id ) : Igsync_Creator_Program::decline( $creator_id );
			wp_safe_redirect( add_query_arg( 'done', is_wp_error( $done ) ? 'failed' : $action, admin_url( 'admin.php?page=' . self::SLUG ) ) );
			exit;
		}
		add_screen_option(
			'per_page',
			array(
				'default' => 20,
				'option'  => Igsync_Creators_Table::PER_PAGE_OPTION,
			)
		);
		wp_enqueue_style( 'igsync-bridge-admin', plugins_url( 'assets/igsync-admin.css', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION );
		self::$table = new Igsync_Creators_Table();
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
		return Igsync_Creators_Table::PER_PAGE_OPTION === $option ? max( 1, min( 999, (int) $value ) ) : $keep;
	}

	/**
	 * The list, or a creator's page.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::VIEW_CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to see creators.', 'igsync-bridge' ), 403 );
		}
		$creator_id = isset( $_GET['creator'] ) ? absint( $_GET['creator'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- which page to show.
		$creator    = $creator_id ? Igsync_Creators::find( $creator_id ) : null;
		if ( null !== $creator ) {
			self::render_creator( $creator );
			return;
		}
		$table = self::$table ?? new Igsync_Creators_Table();
		$table->prepare_items();
		$filters = Igsync_Creators_Table::filters();
		$export  = wp_nonce_url( add_query_arg( array_filter( $filters ), admin_url( 'admin-post.php?action=igsync_export_creators' ) ), 'igsync_export_creators' );
		?>
		<div class="wrap">
			<h1 class="wp-heading-inline"><?php esc_html_e( 'Instagram creators', 'igsync-bridge' ); ?></h1>
			<a class="page-title-action" href="<?php echo esc_url( admin_url( 'admin.php?page=wc-settings&tab=igsync_creators' ) ); ?>"><?php esc_html_e( 'Program settings', 'igsync-bridge' ); ?></a>
			<a id="igsync-export-creators" class="page-title-action" href="<?php echo esc_url( $export ); ?>"><?php esc_html_e( 'Export CSV', 'igsync-bridge' ); ?></a>
			<?php if ( '' !== $filters['search'] ) : ?>
				<span class="subtitle">
					<?php
					/* translators: %s: the search terms */
					echo esc_html( sprintf( __( 'Search results for: %s', 'igsync-bridge' ), $filters['search'] ) );
					?>
				</span>
			<?php endif; ?>
			<hr class="wp-header-end">
			<?php self::render_outcome(); ?>
			<?php $table->views(); ?>
			<form method="get" id="igsync-creators-form">
				<input type="hidden" name="page" value="<?php echo esc_attr( self::SLUG ); ?>">
				<?php if ( '' !== $filters['status'] ) : ?>
					<input type="hidden" name="creator_status" value="<?php echo esc_attr( $filters['status'] ); ?>">
				<?php endif; ?>
				<?php
				$table->search_box( __( 'Search creators', 'igsync-bridge' ), 'igsync-creators' );
				$table->display();
				?>
			</form>
		</div>
		<?php
	}

	/**
	 * After Approve or Decline: what was done.
	 */
	public static function render_outcome(): void {
		$done = isset( $_GET['done'] ) ? sanitize_key( $_GET['done'] ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only, after the redirect.
		$text = array(
			'approve'       => __( 'Creator approved: their code works now.', 'igsync-bridge' ),
			'decline'       => __( 'Application declined.', 'igsync-bridge' ),
			'failed'        => __( 'That application could not be approved (it may have been already).', 'igsync-bridge' ),
			'invite'        => __( 'Invitation sent: the customer sees it on My Account > Instagram and accepts it there.', 'igsync-bridge' ),
			'invite_failed' => __( 'That lead cannot be invited (it needs a connected customer account, and an open program).', 'igsync-bridge' ),
			'payout'        => __( 'Commission paid as store credit: the coupon is on the creator\'s My Account > Instagram, for their email only.', 'igsync-bridge' ),
			'payout_failed' => __( 'Nothing was paid: nothing is due, or the creator has no customer account.', 'igsync-bridge' ),
		);
		if ( isset( $text[ $done ] ) ) {
			printf( '<div class="notice notice-%1$s is-dismissible"><p>%2$s</p></div>', in_array( $done, array( 'failed', 'invite_failed', 'payout_failed' ), true ) ? 'warning' : 'success', esc_html( $text[ $done ] ) );
		}
	}

	/**
	 * A creator's page.
	 *
	 * @param array<string, mixed> $creator The creator.
	 */
	private static function render_creator( array $creator ): void {
		$tier    = Igsync_Creator_Terms::tier( (string) $creator['tier'] );
		$history = Igsync_Creators::follower_history( (int) $creator['id'] );
		$orders  = Igsync_Creator_Orders::of_creator( (int) $creator['id'] );
		$events  = Igsync_Creators::history( (int) $creator['id'], 20 );
		$lead    = Igsync_Creators::newest_lead( (string) $creator['ig_user_id'] );
		/* translators: %s: Instagram username */
		$chart_title = sprintf( __( 'Followers of @%s over time', 'igsync-bridge' ), (string) $creator['username'] );
		include __DIR__ . '/views/creator-page.php';
	}

	/**
	 * The creators matching the list's filters as CSV, streamed.
	 */
	public static function export_csv(): void {
		if ( ! current_user_can( self::VIEW_CAPABILITY ) || ! check_admin_referer( 'igsync_export_creators' ) ) {
			wp_die( esc_html__( 'You are not allowed to export creators.', 'igsync-bridge' ), 403 );
		}
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="instagram-creators-' . gmdate( 'Y-m-d' ) . '.csv"' );
		$headings = array(
			'username'        => __( 'Instagram username', 'igsync-bridge' ),
			'name'            => __( 'Name', 'igsync-bridge' ),
			'status'          => __( 'Status', 'igsync-bridge' ),
			'tier'            => __( 'Tier', 'igsync-bridge' ),
			'code'            => __( 'Code', 'igsync-bridge' ),
			'followers_count' => __( 'Followers', 'igsync-bridge' ),
			'engagement_rate' => __( 'Engagement rate (%)', 'igsync-bridge' ),
			'top_country'     => __( 'Top country', 'igsync-bridge' ),
			'orders_count'    => __( 'Orders', 'igsync-bridge' ),
			'revenue'         => __( 'Sales', 'igsync-bridge' ),
			'commission'      => __( 'Commission', 'igsync-bridge' ),
			'commission_paid' => __( 'Commission paid', 'igsync-bridge' ),
			'due'             => __( 'Commission due', 'igsync-bridge' ),
			'last_order_at'   => __( 'Last order (UTC)', 'igsync-bridge' ),
			'wp_user_id'      => __( 'WordPress user id', 'igsync-bridge' ),
			'created_at'      => __( 'Creator since (UTC)', 'igsync-bridge' ),
		);
		echo "\xEF\xBB\xBF"; // UTF-8's byte order mark, for Excel.
		echo Igsync_Leads_Screen::csv_line( array_values( $headings ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a CSV file, quoted by csv_line().
		foreach ( Igsync_Creators_Query::each( Igsync_Creators_Table::filters() ) as $creator ) {
			$cells          = array();
			$creator['due'] = wc_format_decimal( Igsync_Creator_Payouts::due( $creator ), 2 );
			foreach ( array_keys( $headings ) as $column ) {
				$cells[] = (string) ( $creator[ $column ] ?? '' );
			}
			echo Igsync_Leads_Screen::csv_line( $cells ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a CSV file, quoted by csv_line().
		}
		exit;
	}
}
