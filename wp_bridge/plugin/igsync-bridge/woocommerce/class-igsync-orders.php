<?php
/**
 * Orders and customers: a lead belongs to its WooCommerce customer (by user id when the shopper
 * was logged in; a guest's lead, once the order it was connected from is that customer's), and
 * the order screen (High-Performance Order Storage or posts) shows the customer's Instagram in a
 * box. An email typed at checkout or registration proves nothing, so it links nothing.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The order box and the linking of guests' leads.
 */
final class Igsync_Orders {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'add_meta_boxes', array( __CLASS__, 'add_box' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'box_style' ) );
		add_action( 'woocommerce_update_order', array( __CLASS__, 'link_order' ), 10, 2 );
	}

	/**
	 * The box on the order screen, whichever order storage the shop uses.
	 */
	public static function add_box(): void {
		add_meta_box( 'igsync-order-instagram', __( 'Instagram', 'igsync-bridge' ), array( __CLASS__, 'render_box' ), wc_get_page_screen_id( 'shop-order' ), 'side', 'default' );
	}

	/**
	 * The status dot's style, on the order screen.
	 */
	public static function box_style(): void {
		$screen = get_current_screen();
		if ( null !== $screen && wc_get_page_screen_id( 'shop-order' ) === $screen->id ) {
			wp_enqueue_style( 'igsync-bridge-admin', plugins_url( 'assets/igsync-admin.css', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION );
		}
	}

	/**
	 * The box: the customer's Instagram handle, followers when known, the connection's status,
	 * when they connected.
	 *
	 * @param WP_Post|WC_Order $order_or_post The order (HPOS) or its post (legacy storage).
	 */
	public static function render_box( $order_or_post ): void {
		$order = $order_or_post instanceof WC_Order ? $order_or_post : wc_get_order( $order_or_post->ID ?? 0 );
		if ( ! $order instanceof WC_Order ) {
			return;
		}
		self::render_lead( self::lead_of( $order ) );
		/**
		 * Fires at the end of the order screen's Instagram box (the creator program says there
		 * which creator's code the order used).
		 *
		 * @since 0.7.0
		 *
		 * @param WC_Order $order The order.
		 */
		do_action( 'igsync_order_box', $order );
	}

	/**
	 * The customer's Instagram in the box: handle, followers, status, since when.
	 *
	 * @param array<string, mixed>|null $lead The order's lead.
	 */
	private static function render_lead( ?array $lead ): void {
		if ( null === $lead ) {
			echo '<p class="igsync-order-none">' . esc_html__( 'No Instagram account is connected to this customer.', 'igsync-bridge' ) . '</p>';
			return;
		}
		$at     = empty( $lead['connected_at'] ) ? false : strtotime( $lead['connected_at'] . ' UTC' );
		$status = (string) $lead['status'];
		$handle = '<strong>@' . esc_html( (string) $lead['username'] ) . '</strong>';
		if ( ! Igsync_Lead_Format::is_sandbox_lead( $lead ) ) {
			$handle = '<a href="' . esc_url( 'https://www.instagram.com/' . rawurlencode( (string) $lead['username'] ) . '/' ) . '" target="_blank" rel="noopener noreferrer">' . $handle . '</a>';
		}
		echo '<p class="igsync-order-handle">' . $handle . Igsync_Lead_Format::sandbox_tag( $lead ) . ( empty( $lead['name'] ) ? '' : '<br>' . esc_html( (string) $lead['name'] ) ) . '</p>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- each part escaped above.
		$followers = Igsync_Lead_Format::followers_html( $lead );
		if ( '' !== $followers ) {
			echo '<p class="igsync-order-followers">' . $followers . '</p>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped by followers_html().
		}
		echo '<p class="igsync-order-status"><span class="igsync-lead-status igsync-lead-status--' . esc_attr( $status ) . '">' . esc_html( Igsync_Status::label( $status ) ) . '</span>';
		if ( $at ) {
			/* translators: %s: date */
			echo '<br><span class="description">' . esc_html( sprintf( __( 'Since %s', 'igsync-bridge' ), wp_date( (string) get_option( 'date_format' ), $at ) ) ) . '</span>';
		}
		echo '</p>';
		printf(
			'<p><a href="%1$s">%2$s</a></p>',
			esc_url( admin_url( 'admin.php?page=' . Igsync_Leads_Screen::SLUG . '&s=' . rawurlencode( (string) $lead['username'] ) ) ),
			esc_html__( 'See the lead', 'igsync-bridge' )
		);
	}

	/**
	 * The lead for an order: the one connected from its thank-you page, else its customer's.
	 * Never another guest's by the billing email: typing an address proves nothing.
	 *
	 * @param WC_Order $order The order.
	 * @return array<string, mixed>|null
	 */
	public static function lead_of( WC_Order $order ): ?array {
		return Igsync_Order_Leads::newest_matching( $order->get_id(), $order->get_customer_id() );
	}

	/**
	 * An order saved with a customer (WooCommerce's "link previous orders", an administrator
	 * assigning it, an account made at checkout): the guest's lead connected from that very order
	 * becomes the customer's, the proof being the order itself.
	 *
	 * @param int           $order_id The order.
	 * @param WC_Order|null $order    The order, where WooCommerce passes it.
	 */
	public static function link_order( $order_id, $order = null ): void {
		$order = $order instanceof WC_Order ? $order : wc_get_order( (int) $order_id );
		if ( $order instanceof WC_Order && $order->get_customer_id() > 0 ) {
			Igsync_Order_Leads::link_order_leads( $order->get_id(), $order->get_customer_id() );
		}
	}
}
