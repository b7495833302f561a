<?php
/**
 * GET igsync/v1/creators and igsync/v1/creators/<id>: the creators, read-only, for other
 * plugins and tools, the way WooCommerce's own REST controllers answer: authenticated
 * (WooCommerce's manage_woocommerce, as its reports are), paged with `page` and `per_page`
 * and the X-WP-Total / X-WP-TotalPages headers, filtered with `search`, `status` and `tier`,
 * sorted with `orderby` and `order`, each item with its `_links`, amounts as strings.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The creators' REST controller.
 */
final class Igsync_Creators_Rest extends WP_REST_Controller {

	/**
	 * The routes' place.
	 */
	public function __construct() {
		$this->namespace = 'igsync/v1';
		$this->rest_base = 'creators';
	}

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action(
			'rest_api_init',
			static function (): void {
				( new self() )->register_routes();
			}
		);
	}

	/**
	 * The routes.
	 */
	public function register_routes(): void {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'get_items_permissions_check' ),
					'args'                => $this->get_collection_params(),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<id>[\d]+)',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/**
	 * Who may read creators: the shop's managers.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public function get_items_permissions_check( $request ) {
		return current_user_can( Igsync_Creators_Screen::VIEW_CAPABILITY ) ? true : new WP_Error( 'igsync_rest_cannot_view', __( 'Sorry, you cannot list creators.', 'igsync-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}

	/**
	 * Who may read a creator.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public function get_item_permissions_check( $request ) {
		return $this->get_items_permissions_check( $request );
	}

	/**
	 * A page of creators.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public function get_items( $request ) {
		$per_page = (int) $request['per_page'];
		$result   = Igsync_Creators_Query::query(
			array(
				'search'   => (string) $request['search'],
				'status'   => (string) $request['status'],
				'tier'     => (string) $request['tier'],
				'country'  => (string) $request['country'],
				'orderby'  => (string) $request['orderby'],
				'order'    => (string) $request['order'],
				'page'     => (int) $request['page'],
				'per_page' => $per_page,
			)
		);
		$items    = array();
		foreach ( $result['rows'] as $row ) {
			$items[] = $this->prepare_response_for_collection( $this->prepare_item_for_response( $row, $request ) );
		}
		$response = rest_ensure_response( $items );
		$response->header( 'X-WP-Total', (string) $result['total'] );
		$response->header( 'X-WP-TotalPages', (string) (int) ceil( $result['total'] / max( 1, $per_page ) ) );
		return $response;
	}

	/**
	 * One creator.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function get_item( $request ) {
		$creator = Igsync_Creators::find( (int) $request['id'] );
		if ( null === $creator ) {
			return new WP_Error( 'igsync_rest_creator_invalid_id', __( 'Invalid creator ID.', 'igsync-bridge' ), array( 'status' => 404 ) );
		}
		return $this->prepare_item_for_response( $creator, $request );
	}

	/**
	 * A creator as the API gives it.
	 *
	 * @param array<string, mixed> $item    The creator.
	 * @param WP_REST_Request      $request The request.
	 * @return WP_REST_Response
	 */
	public function prepare_item_for_response( $item, $request ) {
		$tier     = Igsync_Creator_Terms::tier( (string) $item['tier'] );
		$data     = array(
			'id'               => (int) $item['id'],
			'username'         => (string) $item['username'],
			'name'             => (string) ( $item['name'] ?? '' ),
			'status'           => (string) $item['status'],
			'tier'             => (string) $tier['slug'],
			'tier_name'        => (string) $tier['name'],
			'code'             => (string) ( $item['code'] ?? '' ),
			'coupon_id'        => (int) ( $item['coupon_id'] ?? 0 ),
			'customer_id'      => (int) ( $item['wp_user_id'] ?? 0 ),
			'followers_count'  => null === $item['followers_count'] ? null : (int) $item['followers_count'],
			'engagement_rate'  => null === $item['engagement_rate'] ? null : (string) $item['engagement_rate'],
			'top_country'      => isset( $item['top_country'] ) ? (string) $item['top_country'] : null,
			'orders_count'     => (int) $item['orders_count'],
			'revenue'          => wc_format_decimal( (string) $item['revenue'], wc_get_price_decimals() ),
			'commission'       => wc_format_decimal( (string) $item['commission'], wc_get_price_decimals() ),
			'commission_due'   => wc_format_decimal( Igsync_Creator_Payouts::due( $item ), wc_get_price_decimals() ),
			'last_order_gmt'   => empty( $item['last_order_at'] ) ? null : mysql_to_rfc3339( (string) $item['last_order_at'] ),
			'date_created_gmt' => mysql_to_rfc3339( (string) $item['created_at'] ),
			'sandbox'          => ! empty( $item['sandbox'] ),
		);
		$response = rest_ensure_response( $this->filter_response_by_context( $data, 'view' ) );
		$response->add_links(
			array(
				'self'       => array( 'href' => rest_url( "{$this->namespace}/{$this->rest_base}/{$data['id']}" ) ),
				'collection' => array( 'href' => rest_url( "{$this->namespace}/{$this->rest_base}" ) ),
			)
		);
		/**
		 * Filters a creator as the REST API gives it.
		 *
		 * @since 0.7.0
		 *
		 * @param WP_REST_Response     $response The response.
		 * @param array<string, mixed> $item     The creator's row.
		 * @param WP_REST_Request      $request  The request.
		 */
		return apply_filters( 'igsync_rest_prepare_creator', $response, $item, $request );
	}

	/**
	 * The collection's parameters.
	 *
	 * @return array<string, array<string, mixed>>
	 */
	public function get_collection_params() {
		$params            = parent::get_collection_params();
		$params['status']  = array(
			'description' => __( 'Limit to creators of this status.', 'igsync-bridge' ),
			'type'        => 'string',
			'enum'        => Igsync_Creators_Query::STATUSES,
		);
		$params['tier']    = array(
			'description' => __( 'Limit to creators of this tier (its slug).', 'igsync-bridge' ),
			'type'        => 'string',
		);
		$params['country'] = array(
			'description' => __( 'Limit to creators whose followers are mostly in this country (ISO 3166-1 alpha-2).', 'igsync-bridge' ),
			'type'        => 'string',
			'pattern'     => '^[A-Z]{2}$',
		);
		$params['orderby'] = array(
			'description' => __( 'Sort by this figure.', 'igsync-bridge' ),
			'type'        => 'string',
			'default'     => 'revenue',
			'enum'        => array_keys( Igsync_Creators_Query::ORDER_BY ),
		);
		$params['order']   = array(
			'description' => __( 'Sort ascending or descending.', 'igsync-bridge' ),
			'type'        => 'string',
			'default'     => 'desc',
			'enum'        => array( 'asc', 'desc' ),
		);
		unset( $params['context'] );
		return $params;
	}

	/**
	 * A creator's schema.
	 *
	 * @return array<string, mixed>
	 */
	public function get_item_schema() {
		$string = array(
			'type'     => 'string',
			'context'  => array( 'view' ),
			'readonly' => true,
		);
		$int    = array(
			'type'     => 'integer',
			'context'  => array( 'view' ),
			'readonly' => true,
		);
		return $this->add_additional_fields_schema(
			array(
				'$schema'    => 'http://json-schema.org/draft-04/schema#',
				'title'      => 'igsync_creator',
				'type'       => 'object',
				'properties' => array(
					'id'               => $int,
					'username'         => $string,
					'name'             => $string,
					'status'           => $string,
					'tier'             => $string,
					'tier_name'        => $string,
					'code'             => $string,
					'coupon_id'        => $int,
					'customer_id'      => $int,
					'followers_count'  => array_merge( $int, array( 'type' => array( 'integer', 'null' ) ) ),
					'engagement_rate'  => array_merge( $string, array( 'type' => array( 'string', 'null' ) ) ),
					'top_country'      => array_merge(
						$string,
						array(
							'type'        => array( 'string', 'null' ),
							'description' => __( 'The country most followers are in (ISO 3166-1 alpha-2), "suppressed" when Instagram withholds it, "unavailable" when the Graph API version does not serve it, null when audience insights are off.', 'igsync-bridge' ),
						)
					),
					'orders_count'     => $int,
					'revenue'          => $string,
					'commission'       => $string,
					'commission_due'   => $string,
					'last_order_gmt'   => array_merge(
						$string,
						array(
							'type'   => array( 'string', 'null' ),
							'format' => 'date-time',
						)
					),
					'date_created_gmt' => array_merge( $string, array( 'format' => 'date-time' ) ),
					'sandbox'          => array(
						'type'     => 'boolean',
						'context'  => array( 'view' ),
						'readonly' => true,
					),
				),
			)
		);
	}
}
