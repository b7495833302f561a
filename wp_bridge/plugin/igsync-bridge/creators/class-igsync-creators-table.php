<?php
/**
 * The creators as a WordPress list table: status views, a tier filter, a search by username
 * or code, sortable figures, paging, and the Approve and Decline actions of applications
 * (carried out by Igsync_Creators_Screen).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( 'WP_List_Table' ) ) {
	require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
}

/**
 * The creators list.
 */
final class Igsync_Creators_Table extends WP_List_Table {

	const PER_PAGE_OPTION = 'igsync_creators_per_page';

	/**
	 * Creators per status, for the views.
	 *
	 * @var array<string, int>
	 */
	private $counts = array();

	/**
	 * A list of creators.
	 */
	public function __construct() {
		parent::__construct(
			array(
				'singular' => 'creator',
				'plural'   => 'creators',
				'ajax'     => false,
			)
		);
	}

	/**
	 * The filters the request asks for.
	 *
	 * @return array{search: string, status: string, tier: string, country: string}
	 */
	public static function filters(): array {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- a list's filters change nothing.
		$status  = isset( $_GET['creator_status'] ) ? sanitize_key( $_GET['creator_status'] ) : '';
		$country = isset( $_GET['country'] ) ? strtoupper( sanitize_key( $_GET['country'] ) ) : '';
		return array(
			'search'  => isset( $_REQUEST['s'] ) ? sanitize_text_field( wp_unslash( $_REQUEST['s'] ) ) : '',
			'status'  => in_array( $status, Igsync_Creators_Query::STATUSES, true ) ? $status : '',
			'tier'    => isset( $_GET['tier'] ) ? sanitize_title( wp_unslash( $_GET['tier'] ) ) : '',
			'country' => preg_match( '/^[A-Z]{2}$/', $country ) ? $country : '',
		);
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
	}

	/**
	 * Reads the page of creators the request asks for.
	 */
	public function prepare_items(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- sorting changes nothing.
		$per_page     = $this->get_items_per_page( self::PER_PAGE_OPTION, 20 );
		$this->counts = Igsync_Creators_Query::count_by_status();
		$result       = Igsync_Creators_Query::query(
			array_merge(
				self::filters(),
				array(
					'orderby'  => isset( $_GET['orderby'] ) ? sanitize_key( $_GET['orderby'] ) : '',
					'order'    => isset( $_GET['order'] ) ? sanitize_key( $_GET['order'] ) : '',
					'page'     => $this->get_pagenum(),
					'per_page' => $per_page,
				)
			)
		);
		// phpcs:enable WordPress.Security.NonceVerification.Recommended
		$this->items = $result['rows'];
		$this->set_pagination_args(
			array(
				'total_items' => $result['total'],
				'per_page'    => $per_page,
			)
		);
	}

	/**
	 * The columns.
	 *
	 * @return array<string, string>
	 */
	public function get_columns(): array {
		return array(
			'username'   => __( 'Creator', 'igsync-bridge' ),
			'tier'       => __( 'Tier', 'igsync-bridge' ),
			'followers'  => __( 'Followers', 'igsync-bridge' ),
			'engagement' => __( 'Engagement', 'igsync-bridge' ),
			'country'    => __( 'Top country', 'igsync-bridge' ),
			'orders'     => __( 'Orders', 'igsync-bridge' ),
			'revenue'    => __( 'Sales', 'igsync-bridge' ),
			'commission' => __( 'Commission', 'igsync-bridge' ),
			'code'       => __( 'Code', 'igsync-bridge' ),
			'last_order' => __( 'Last order', 'igsync-bridge' ),
		);
	}

	/**
	 * The columns one can sort by, and whether they start descending.
	 *
	 * @return array<string, array{0: string, 1: bool}>
	 */
	protected function get_sortable_columns(): array {
		$sortable = array();
		foreach ( array_keys( Igsync_Creators_Query::ORDER_BY ) as $column ) {
			$sortable[ $column ] = array( $column, ! in_array( $column, array( 'username', 'tier', 'code' ), true ) );
		}
		return $sortable;
	}

	/**
	 * The status views: All, Active, Pending approval, Invited, Declined, with counts.
	 *
	 * @return array<string, string>
	 */
	protected function get_views(): array {
		$current = self::filters()['status'];
		$base    = remove_query_arg( array( 'creator_status', 'paged', 'done' ) );
		$labels  = array(
			''                        => __( 'All', 'igsync-bridge' ),
			Igsync_Creators::ACTIVE   => __( 'Active', 'igsync-bridge' ),
			Igsync_Creators::PENDING  => __( 'Pending approval', 'igsync-bridge' ),
			Igsync_Creators::INVITED  => __( 'Invited', 'igsync-bridge' ),
			Igsync_Creators::DECLINED => __( 'Declined', 'igsync-bridge' ),
		);
		$views   = array();
		foreach ( $labels as $status => $label ) {
			$count                                     = '' === $status ? array_sum( $this->counts ) : ( $this->counts[ $status ] ?? 0 );
			$views[ '' === $status ? 'all' : $status ] = sprintf(
				'<a href="%1$s"%2$s>%3$s <span class="count">(%4$s)</span></a>',
				esc_url( '' === $status ? $base : add_query_arg( 'creator_status', $status, $base ) ),
				$status === $current ? ' class="current" aria-current="page"' : '',
				esc_html( $label ),
				esc_html( number_format_i18n( $count ) )
			);
		}
		return $views;
	}

	/**
	 * The tier filter, beside the bulk actions as WordPress's own filters are.
	 *
	 * @param string $which top or bottom.
	 */
	protected function extra_tablenav( $which ): void {
		if ( 'top' !== $which ) {
			return;
		}
		$current = self::filters()['tier'];
		echo '<div class="alignleft actions"><label class="screen-reader-text" for="igsync-tier-filter">' . esc_html__( 'Filter by tier', 'igsync-bridge' ) . '</label>';
		echo '<select name="tier" id="igsync-tier-filter"><option value="">' . esc_html__( 'All tiers', 'igsync-bridge' ) . '</option>';
		foreach ( Igsync_Creator_Terms::all()['tiers'] as $tier ) {
			printf( '<option value="%1$s"%2$s>%3$s</option>', esc_attr( (string) $tier['slug'] ), selected( $current, $tier['slug'], false ), esc_html( (string) $tier['name'] ) );
		}
		echo '</select>';
		$countries = Igsync_Creators_Query::top_countries();
		if ( $countries ) {
			$chosen = self::filters()['country'];
			echo '<label class="screen-reader-text" for="igsync-country-filter">' . esc_html__( 'Filter by top country', 'igsync-bridge' ) . '</label>';
			echo '<select name="country" id="igsync-country-filter"><option value="">' . esc_html__( 'All countries', 'igsync-bridge' ) . '</option>';
			foreach ( $countries as $code ) {
				printf( '<option value="%1$s"%2$s>%3$s</option>', esc_attr( $code ), selected( $chosen, $code, false ), esc_html( Igsync_Audience::country_name( $code ) ) );
			}
			echo '</select>';
		}
		submit_button( __( 'Filter', 'igsync-bridge' ), '', 'filter_action', false, array( 'id' => 'igsync-creators-filter' ) );
		echo '</div>';
	}

	/**
	 * What an empty list says.
	 */
	public function no_items(): void {
		esc_html_e( 'No creators yet. Connected customers become creators from My Account > Instagram once the program is open (WooCommerce > Settings > Instagram creators).', 'igsync-bridge' );
	}

	/**
	 * The handle, linked to the creator's page; the name under it.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_username( array $item ): string {
		$html = sprintf( '<strong><a class="row-title" href="%1$s">@%2$s</a></strong>', esc_url( Igsync_Creators_Screen::creator_url( (int) $item['id'] ) ), esc_html( (string) $item['username'] ) )
			. ( empty( $item['sandbox'] ) ? '' : Igsync_Lead_Format::sandbox_tag( $item ) );
		if ( ! empty( $item['name'] ) ) {
			$html .= '<br><span class="igsync-creator-name">' . esc_html( (string) $item['name'] ) . '</span>';
		}
		if ( Igsync_Creators::ACTIVE !== $item['status'] ) {
			$labels = array(
				Igsync_Creators::PENDING  => __( 'Pending approval', 'igsync-bridge' ),
				Igsync_Creators::INVITED  => __( 'Invited', 'igsync-bridge' ),
				Igsync_Creators::DECLINED => __( 'Declined', 'igsync-bridge' ),
			);
			$label  = $labels[ $item['status'] ] ?? (string) $item['status'];
			$html  .= ' &mdash; <span class="post-state">' . esc_html( $label ) . '</span>';
		}
		return $html;
	}

	/**
	 * The row actions: View; Approve and Decline for an application.
	 *
	 * @param array<string, mixed>|object $item        The creator.
	 * @param string                      $column_name The column.
	 * @param string                      $primary     The primary column.
	 * @return string
	 */
	protected function handle_row_actions( $item, $column_name, $primary ) {
		if ( $column_name !== $primary || ! is_array( $item ) ) {
			return '';
		}
		$actions = array(
			'view' => sprintf( '<a href="%1$s">%2$s</a>', esc_url( Igsync_Creators_Screen::creator_url( (int) $item['id'] ) ), esc_html__( 'View', 'igsync-bridge' ) ),
		);
		if ( Igsync_Creators::PENDING === $item['status'] && current_user_can( Igsync_Creators_Screen::MANAGE_CAPABILITY ) ) {
			$actions['approve'] = sprintf( '<a href="%1$s">%2$s</a>', esc_url( Igsync_Creators_Screen::action_url( 'approve', (int) $item['id'] ) ), esc_html__( 'Approve', 'igsync-bridge' ) );
			$actions['decline'] = sprintf( '<a href="%1$s" class="submitdelete">%2$s</a>', esc_url( Igsync_Creators_Screen::action_url( 'decline', (int) $item['id'] ) ), esc_html__( 'Decline', 'igsync-bridge' ) );
		}
		return $this->row_actions( $actions );
	}

	/**
	 * The tier's name.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_tier( array $item ): string {
		return esc_html( (string) Igsync_Creator_Terms::tier( (string) $item['tier'] )['name'] );
	}

	/**
	 * Followers and their trend, as on the Leads screen.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_followers( array $item ): string {
		$html = Igsync_Lead_Format::followers_html( $item, false );
		return '' === $html ? '&mdash;' : $html;
	}

	/**
	 * The engagement rate.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_engagement( array $item ): string {
		return Igsync_Lead_Format::engagement_html( $item );
	}

	/**
	 * The country most of their followers are in, with its share; or why it is not known.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_country( array $item ): string {
		$top = (string) ( $item['top_country'] ?? '' );
		if ( preg_match( '/^[A-Z]{2}$/', $top ) ) {
			return sprintf( '<abbr title="%1$s">%2$s</abbr>', esc_attr( Igsync_Audience::country_name( $top ) ), esc_html( $top ) );
		}
		$state = '' === $top ? null : $top;
		$short = array(
			Igsync_Audience::SUPPRESSED  => __( 'Withheld', 'igsync-bridge' ),
			Igsync_Audience::UNAVAILABLE => __( 'Unavailable', 'igsync-bridge' ),
		);
		if ( isset( $short[ $state ] ) ) {
			return sprintf( '<span class="igsync-muted" title="%1$s">%2$s</span>', esc_attr( Igsync_Audience::why_none( $state ) ), esc_html( $short[ $state ] ) );
		}
		return sprintf( '<span aria-hidden="true" title="%1$s">&mdash;</span><span class="screen-reader-text">%1$s</span>', esc_attr( Igsync_Audience::why_none( null ) ) );
	}

	/**
	 * Paid orders with their code.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_orders( array $item ): string {
		return esc_html( number_format_i18n( (int) $item['orders_count'] ) );
	}

	/**
	 * Their sales.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_revenue( array $item ): string {
		return wp_kses_post( wc_price( (float) $item['revenue'] ) );
	}

	/**
	 * Their commission.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_commission( array $item ): string {
		return wp_kses_post( wc_price( (float) $item['commission'] ) );
	}

	/**
	 * Their code, linked to the coupon (where the owner edits it).
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_code( array $item ): string {
		if ( empty( $item['code'] ) ) {
			return '&mdash;';
		}
		$code = '<code class="igsync-nowrap">' . esc_html( (string) $item['code'] ) . '</code>';
		$edit = get_edit_post_link( (int) $item['coupon_id'] );
		return $edit ? '<a href="' . esc_url( $edit ) . '">' . $code . '</a>' : $code;
	}

	/**
	 * When their code was last used.
	 *
	 * @param array<string, mixed> $item The creator.
	 * @return string
	 */
	protected function column_last_order( array $item ): string {
		$at = empty( $item['last_order_at'] ) ? false : strtotime( $item['last_order_at'] . ' UTC' );
		return $at ? sprintf( '<time datetime="%1$s">%2$s</time>', esc_attr( gmdate( 'c', $at ) ), esc_html( wp_date( (string) get_option( 'date_format' ), $at ) ) ) : '&mdash;';
	}
}
