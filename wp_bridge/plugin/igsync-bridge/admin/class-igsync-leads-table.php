<?php
/**
 * The leads as a WordPress list table: search, sortable columns, status views, paging, and
 * the Erase row and bulk actions (carried out by Igsync_Leads_Screen).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( 'WP_List_Table' ) ) {
	require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
}

/**
 * The Leads list.
 */
final class Igsync_Leads_Table extends WP_List_Table {

	const PER_PAGE_OPTION = 'igsync_leads_per_page';

	/**
	 * Leads per status, for the views.
	 *
	 * @var array<string, int>
	 */
	private $counts = array();

	/**
	 * Where the page's customers' orders came from (Igsync_Order_Origin::of_customers()).
	 *
	 * @var array<int, array<string, int>>
	 */
	private $customers = array();

	/**
	 * A list of leads.
	 */
	public function __construct() {
		parent::__construct(
			array(
				'singular' => 'lead',
				'plural'   => 'leads',
				'ajax'     => false,
			)
		);
	}

	/**
	 * Reads the page of leads the request asks for.
	 */
	public function prepare_items(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- a list's search, filter and sort arguments change nothing.
		$per_page     = $this->get_items_per_page( self::PER_PAGE_OPTION, 20 );
		$this->counts = Igsync_Leads_Query::count_by_status();
		$result       = Igsync_Leads_Query::query(
			array(
				'search'   => isset( $_REQUEST['s'] ) ? sanitize_text_field( wp_unslash( $_REQUEST['s'] ) ) : '',
				'status'   => $this->current_status(),
				'orderby'  => isset( $_GET['orderby'] ) ? sanitize_key( $_GET['orderby'] ) : '',
				'order'    => isset( $_GET['order'] ) ? sanitize_key( $_GET['order'] ) : '',
				'page'     => $this->get_pagenum(),
				'per_page' => $per_page,
			)
		);
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
		$this->items     = $result['rows'];
		$this->customers = class_exists( 'WooCommerce' ) ? Igsync_Order_Origin::of_customers( array_column( $this->items, 'wp_user_id' ) ) : array();
		$this->set_pagination_args(
			array(
				'total_items' => $result['total'],
				'per_page'    => $per_page,
			)
		);
	}

	/**
	 * The status view asked for, '' for all.
	 *
	 * @return string
	 */
	private function current_status(): string {
		$status = isset( $_GET['igsync_status'] ) ? sanitize_key( $_GET['igsync_status'] ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a filter.
		return in_array( $status, Igsync_Status::LEAD, true ) ? $status : '';
	}

	/**
	 * The columns.
	 *
	 * @return array<string, string>
	 */
	public function get_columns(): array {
		return array(
			'cb'           => '<input type="checkbox">',
			'username'     => __( 'Instagram', 'igsync-bridge' ),
			'name'         => __( 'Name', 'igsync-bridge' ),
			'customer'     => __( 'Customer', 'igsync-bridge' ),
			'email'        => __( 'Email', 'igsync-bridge' ),
			'status'       => __( 'Status', 'igsync-bridge' ),
			'followers'    => __( 'Followers', 'igsync-bridge' ),
			'engagement'   => __( 'Engagement', 'igsync-bridge' ),
			'ig_user_id'   => __( 'Instagram user id', 'igsync-bridge' ),
			'connected_at' => __( 'Connected', 'igsync-bridge' ),
		);
	}

	/**
	 * The columns one can sort by, and whether they start descending.
	 *
	 * @return array<string, array{0: string, 1: bool}>
	 */
	protected function get_sortable_columns(): array {
		return array(
			'username'     => array( 'username', false ),
			'name'         => array( 'name', false ),
			'email'        => array( 'email', false ),
			'status'       => array( 'status', false ),
			'followers'    => array( 'followers', true ),
			'engagement'   => array( 'engagement', true ),
			'connected_at' => array( 'connected_at', true ),
		);
	}

	/**
	 * The status views: All, Connected, Needs reconnect, Disconnected, with counts.
	 *
	 * @return array<string, string>
	 */
	protected function get_views(): array {
		$current = $this->current_status();
		$base    = remove_query_arg( array( 'igsync_status', 'paged', 'erased', 'forget_failed' ) );
		$views   = array(
			'all' => sprintf(
				'<a href="%1$s"%2$s>%3$s <span class="count">(%4$s)</span></a>',
				esc_url( $base ),
				'' === $current ? ' class="current" aria-current="page"' : '',
				esc_html__( 'All', 'igsync-bridge' ),
				esc_html( number_format_i18n( array_sum( $this->counts ) ) )
			),
		);
		foreach ( $this->counts as $status => $count ) {
			$views[ $status ] = sprintf(
				'<a href="%1$s"%2$s>%3$s <span class="count">(%4$s)</span></a>',
				esc_url( add_query_arg( 'igsync_status', $status, $base ) ),
				$status === $current ? ' class="current" aria-current="page"' : '',
				esc_html( Igsync_Status::label( $status ) ),
				esc_html( number_format_i18n( $count ) )
			);
		}
		return $views;
	}

	/**
	 * The bulk actions.
	 *
	 * @return array<string, string>
	 */
	protected function get_bulk_actions(): array {
		return current_user_can( Igsync_Leads_Screen::ERASE_CAPABILITY ) ? array( 'erase' => __( 'Erase', 'igsync-bridge' ) ) : array();
	}

	/**
	 * What an empty list says.
	 */
	public function no_items(): void {
		esc_html_e( 'No leads found.', 'igsync-bridge' );
	}

	/**
	 * The checkbox.
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_cb( $item ): string {
		return sprintf(
			'<label class="screen-reader-text" for="igsync-lead-%1$d">%2$s</label><input type="checkbox" id="igsync-lead-%1$d" name="lead[]" value="%1$d">',
			(int) $item['id'],
			/* translators: %s: Instagram username */
			esc_html( sprintf( __( 'Select @%s', 'igsync-bridge' ), (string) $item['username'] ) )
		);
	}

	/**
	 * The Instagram handle (its row actions come from handle_row_actions(), as WordPress's own
	 * tables do: one "Show more details" toggle per row, not two).
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_username( array $item ): string {
		$html = '<strong>@' . esc_html( (string) $item['username'] ) . '</strong>' . Igsync_Lead_Format::sandbox_tag( $item );
		if ( ! empty( $item['wc_order_id'] ) && class_exists( 'Igsync_Order_Origin' ) && function_exists( 'wc_get_order' ) ) {
			$origin = Igsync_Order_Origin::of_lead( $item );
			$words  = Igsync_Order_Origin::words( $origin );
			if ( '' !== $words ) { // Where WooCommerce's Order Attribution says the lead's order came from.
				/* translators: %s: source / medium / campaign, as WooCommerce recorded them */
				$html .= '<br><span class="igsync-lead-origin description">' . esc_html( sprintf( __( 'Order from %s', 'igsync-bridge' ), $words ) ) . '</span>';
			}
		}
		$orders = Igsync_Order_Origin::counts_words( $this->customers[ (int) ( $item['wp_user_id'] ?? 0 ) ] ?? array() );
		if ( '' !== $orders ) { // The customer's orders, by where WooCommerce says each came from.
			/* translators: %s: how many of their orders came from where, e.g. "2 instagram / social, 1 Direct" */
			$html .= '<br><span class="igsync-lead-orders description">' . esc_html( sprintf( __( 'Their orders: %s', 'igsync-bridge' ), $orders ) ) . '</span>';
		}
		return $html;
	}

	/**
	 * The row actions, under the primary column: View on Instagram (not for a sandbox lead),
	 * Erase.
	 *
	 * @param array<string, mixed>|object $item        The lead.
	 * @param string                      $column_name The column.
	 * @param string                      $primary     The primary column.
	 * @return string
	 */
	protected function handle_row_actions( $item, $column_name, $primary ) {
		if ( $column_name !== $primary || ! is_array( $item ) ) {
			return '';
		}
		$handle  = (string) $item['username'];
		$actions = array();
		if ( ! Igsync_Lead_Format::is_sandbox_lead( $item ) ) { // A made-up name may be a stranger's on Instagram.
			$actions['instagram'] = sprintf(
				'<a href="%s" target="_blank" rel="noopener noreferrer">%s</a>',
				esc_url( 'https://www.instagram.com/' . rawurlencode( $handle ) . '/' ),
				esc_html__( 'View on Instagram', 'igsync-bridge' )
			);
		}
		if ( current_user_can( Igsync_Leads_Screen::ERASE_CAPABILITY ) ) {
			$actions['erase'] = sprintf(
				'<a href="%s" class="submitdelete" onclick="return window.confirm(this.dataset.confirm);" data-confirm="%s">%s</a>',
				esc_url( Igsync_Leads_Screen::erase_url( (int) $item['id'] ) ),
				/* translators: %s: Instagram username */
				esc_attr( sprintf( __( 'Erase @%s from WordPress and from the igsync daemon? This cannot be undone.', 'igsync-bridge' ), $handle ) ),
				esc_html__( 'Erase', 'igsync-bridge' )
			);
		}
		/**
		 * Filters a lead's row actions on the Leads screen (the creator program adds "Invite as
		 * creator").
		 *
		 * @since 0.7.0
		 *
		 * @param array<string, string> $actions Action links, by key.
		 * @param array<string, mixed>  $lead    The lead.
		 */
		$actions = (array) apply_filters( 'igsync_lead_row_actions', $actions, $item );
		return $this->row_actions( $actions );
	}

	/**
	 * The WordPress user the lead belongs to, by name, linked to their profile.
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_customer( array $item ): string {
		$user_id = (int) $item['wp_user_id'];
		if ( 0 === $user_id ) {
			return '<span class="igsync-guest">' . esc_html__( 'Guest', 'igsync-bridge' ) . '</span>';
		}
		$user = get_userdata( $user_id );
		if ( ! $user ) {
			/* translators: %d: a WordPress user id */
			return esc_html( sprintf( __( 'Deleted user #%d', 'igsync-bridge' ), $user_id ) );
		}
		$link = get_edit_user_link( $user_id );
		$name = esc_html( $user->display_name );
		return '' === $link ? $name : '<a href="' . esc_url( $link ) . '">' . $name . '</a>';
	}

	/**
	 * The connection's status; why, when it was lost.
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_status( array $item ): string {
		$status = (string) $item['status'];
		$html   = sprintf( '<span class="igsync-lead-status igsync-lead-status--%s">%s</span>', esc_attr( $status ), esc_html( Igsync_Status::label( $status ) ) );
		if ( Igsync_Status::CONNECTED !== $status && ! empty( $item['status_reason'] ) ) {
			$html .= '<br><span class="description">' . esc_html( (string) $item['status_reason'] ) . '</span>';
		}
		return $html;
	}

	/**
	 * The follower count and its trend.
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_followers( array $item ): string {
		$html = Igsync_Lead_Format::followers_html( $item, false );
		return '' === $html ? '&mdash;' : $html;
	}

	/**
	 * The engagement rate of the recent posts (likes and comments per post, per follower).
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_engagement( array $item ): string {
		return Igsync_Lead_Format::engagement_html( $item );
	}

	/**
	 * The Instagram user id, never wrapped.
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_ig_user_id( array $item ): string {
		return '<code class="igsync-nowrap">' . esc_html( (string) $item['ig_user_id'] ) . '</code>';
	}

	/**
	 * When the shopper connected, in the site's timezone and date format.
	 *
	 * @param array<string, mixed> $item The lead.
	 * @return string
	 */
	protected function column_connected_at( array $item ): string {
		$at = empty( $item['connected_at'] ) ? false : strtotime( $item['connected_at'] . ' UTC' );
		if ( ! $at ) {
			return '&mdash;';
		}
		return sprintf(
			'<time datetime="%1$s">%2$s</time>',
			esc_attr( gmdate( 'c', $at ) ),
			/* translators: 1: date, 2: time, in the site's formats */
			esc_html( sprintf( __( '%1$s at %2$s', 'igsync-bridge' ), wp_date( (string) get_option( 'date_format' ), $at ), wp_date( (string) get_option( 'time_format' ), $at ) ) )
		);
	}

	/**
	 * The plain text columns.
	 *
	 * @param array<string, mixed> $item        The lead.
	 * @param string               $column_name The column.
	 * @return string
	 */
	protected function column_default( $item, $column_name ): string {
		$value = (string) ( $item[ $column_name ] ?? '' );
		return '' === $value ? '&mdash;' : esc_html( $value );
	}
}
