<?php
/**
 * Read-only abilities (WordPress 6.9's Abilities API): the leads found by status, followers,
 * creator tier or a search; one lead's summary; the connection's state. WordPress's own tools
 * and AI clients (through the abilities REST routes or an MCP adapter) then ask igsync about
 * leads without a route of ours, with the Leads screen's permission. Before 6.9 the hooks
 * never fire and nothing is registered.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The igsync abilities.
 */
final class Igsync_Abilities {

	/** The abilities' category. */
	const CATEGORY = 'igsync';

	/** The most leads one call returns. */
	const MAX_LEADS = 100;

	/** Nothing changes when an ability runs, and running it again gives the same. */
	const READ_ONLY = array(
		'annotations'  => array(
			'readonly'    => true,
			'destructive' => false,
			'idempotent'  => true,
		),
		'show_in_rest' => true,
	);

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'wp_abilities_api_categories_init', array( __CLASS__, 'add_category' ) );
		add_action( 'wp_abilities_api_init', array( __CLASS__, 'add_abilities' ) );
	}

	/**
	 * The category the abilities are listed under.
	 */
	public static function add_category(): void {
		wp_register_ability_category(
			self::CATEGORY,
			array(
				'label'       => __( 'Instagram leads', 'igsync-bridge' ),
				'description' => __( 'The Instagram leads igsync keeps for this site, and its connection to the igsync daemon.', 'igsync-bridge' ),
			)
		);
	}

	/**
	 * The abilities.
	 */
	public static function add_abilities(): void {
		wp_register_ability(
			'igsync/find-leads',
			array(
				'label'               => __( 'Find Instagram leads', 'igsync-bridge' ),
				'description'         => __( 'Lists Instagram leads, newest first, optionally only those of a status, with at least some followers, of a creator tier, or matching a search of username, name or email. Returns how many match and a page of them.', 'igsync-bridge' ),
				'category'            => self::CATEGORY,
				'input_schema'        => self::find_input(),
				'output_schema'       => array(
					'type'       => 'object',
					'properties' => array(
						'total' => array(
							'type'        => 'integer',
							'description' => __( 'How many leads match, on every page.', 'igsync-bridge' ),
						),
						'leads' => array(
							'type'  => 'array',
							'items' => self::lead_schema(),
						),
					),
				),
				'execute_callback'    => array( __CLASS__, 'find_leads' ),
				'permission_callback' => array( __CLASS__, 'may_read_leads' ),
				'meta'                => self::READ_ONLY,
			)
		);
		wp_register_ability(
			'igsync/get-lead',
			array(
				'label'               => __( 'Get an Instagram lead', 'igsync-bridge' ),
				'description'         => __( 'One Instagram lead by its id or its Instagram username: who it is, its status, followers and their change, engagement, the creator program, and where the order it came with came from.', 'igsync-bridge' ),
				'category'            => self::CATEGORY,
				'input_schema'        => array(
					'type'                 => 'object',
					'properties'           => array(
						'id'       => array(
							'type'        => 'integer',
							'minimum'     => 1,
							'description' => __( 'The lead\'s id.', 'igsync-bridge' ),
						),
						'username' => array(
							'type'        => 'string',
							'minLength'   => 1,
							'maxLength'   => 64,
							'description' => __( 'The Instagram username, with or without @.', 'igsync-bridge' ),
						),
					),
					'additionalProperties' => false,
				),
				'output_schema'       => self::lead_schema( true ),
				'execute_callback'    => array( __CLASS__, 'get_lead' ),
				'permission_callback' => array( __CLASS__, 'may_read_leads' ),
				'meta'                => self::READ_ONLY,
			)
		);
		wp_register_ability(
			'igsync/get-connection-status',
			array(
				'label'               => __( 'Get the igsync connection status', 'igsync-bridge' ),
				'description'         => __( 'Whether this site is paired with the igsync daemon and the connection works, in a word and a sentence, with the leads counted by status.', 'igsync-bridge' ),
				'category'            => self::CATEGORY,
				'output_schema'       => array(
					'type'       => 'object',
					'properties' => array(
						'state'  => array(
							'type' => 'string',
							'enum' => array( Igsync_Connection_State::NOT_PAIRED, Igsync_Connection_State::UNCHECKED, Igsync_Connection_State::WORKING, Igsync_Connection_State::FAILING ),
						),
						'label'  => array( 'type' => 'string' ),
						'detail' => array( 'type' => 'string' ),
						'leads'  => array(
							'type'                 => 'object',
							'additionalProperties' => array( 'type' => 'integer' ),
						),
					),
				),
				'execute_callback'    => array( __CLASS__, 'connection_status' ),
				'permission_callback' => array( __CLASS__, 'may_read_leads' ),
				'meta'                => self::READ_ONLY,
			)
		);
	}

	/**
	 * Whoever may open the Leads screen may ask.
	 *
	 * @return bool
	 */
	public static function may_read_leads(): bool {
		return current_user_can( Igsync_Leads_Screen::VIEW_CAPABILITY );
	}

	/**
	 * The find-leads ability.
	 *
	 * @param array<string, mixed>|null $input Validated against find_input().
	 * @return array{total: int, leads: array<int, array<string, mixed>>}
	 */
	public static function find_leads( $input = null ): array {
		$input = is_array( $input ) ? $input : array();
		$query = array(
			'search'   => (string) ( $input['search'] ?? '' ),
			'status'   => (string) ( $input['status'] ?? '' ),
			'tier'     => (string) ( $input['tier'] ?? '' ),
			'per_page' => min( self::MAX_LEADS, (int) ( $input['limit'] ?? 20 ) ),
			'page'     => (int) ( $input['page'] ?? 1 ),
		);
		if ( isset( $input['min_followers'] ) ) {
			$query['min_followers'] = (int) $input['min_followers'];
		}
		$found = Igsync_Leads_Query::query( $query );
		return array(
			'total' => $found['total'],
			'leads' => array_map( array( __CLASS__, 'summary' ), $found['rows'] ),
		);
	}

	/**
	 * The get-lead ability.
	 *
	 * @param array<string, mixed>|null $input An id or a username.
	 * @return array<string, mixed>|WP_Error
	 */
	public static function get_lead( $input = null ) {
		$input = is_array( $input ) ? $input : array();
		$lead  = null;
		if ( isset( $input['id'] ) ) {
			$lead = Igsync_Leads_Query::by_id( (int) $input['id'] );
		} elseif ( isset( $input['username'] ) ) {
			$lead = Igsync_Leads_Query::by_username( ltrim( (string) $input['username'], '@' ) );
		} else {
			return new WP_Error( 'igsync_ability_no_lead_named', __( 'Give the lead\'s id or its Instagram username.', 'igsync-bridge' ), array( 'status' => 400 ) );
		}
		if ( null === $lead ) {
			return new WP_Error( 'igsync_ability_no_such_lead', __( 'No Instagram lead has that id or username.', 'igsync-bridge' ), array( 'status' => 404 ) );
		}
		$summary = self::summary( $lead );
		$creator = Igsync_Creators::of_account( (string) $lead['ig_user_id'] );
		if ( null !== $creator ) {
			$summary['creator'] = array(
				'status' => (string) $creator['status'],
				'tier'   => (string) $creator['tier'],
				'code'   => (string) ( $creator['code'] ?? '' ),
				'orders' => (int) $creator['orders_count'],
			);
		}
		$orders = Igsync_Order_Origin::counts_words( Igsync_Order_Origin::of_customers( array( (int) ( $lead['wp_user_id'] ?? 0 ) ) )[ (int) ( $lead['wp_user_id'] ?? 0 ) ] ?? array() );
		if ( '' !== $orders ) {
			$summary['customer_orders'] = $orders;
		}
		$origin = Igsync_Order_Origin::of_lead( $lead );
		if ( null !== $origin ) {
			$summary['order'] = array(
				'id'     => (int) $lead['wc_order_id'],
				'origin' => Igsync_Order_Origin::words( $origin ),
			);
		}
		return $summary;
	}

	/**
	 * The get-connection-status ability.
	 *
	 * @return array<string, mixed>
	 */
	public static function connection_status(): array {
		return Igsync_Connection_State::now() + array( 'leads' => Igsync_Leads_Query::count_by_status() );
	}

	/**
	 * What an ability says of a lead: who, its status and its figures (never its token, which
	 * WordPress does not hold, nor its consent record).
	 *
	 * @param array<string, mixed> $lead A row of the leads table.
	 * @return array<string, mixed>
	 */
	public static function summary( array $lead ): array {
		$number = static fn( $value ): ?int => null === $value ? null : (int) $value;
		return array(
			'id'                    => (int) $lead['id'],
			'username'              => (string) $lead['username'],
			'name'                  => (string) ( $lead['name'] ?? '' ),
			'email'                 => (string) ( $lead['email'] ?? '' ),
			'status'                => (string) $lead['status'],
			'account_type'          => (string) ( $lead['account_type'] ?? '' ),
			'followers'             => $number( $lead['followers_count'] ?? null ),
			'followers_change'      => $number( $lead['followers_change'] ?? null ),
			'followers_change_days' => $number( $lead['followers_change_days'] ?? null ),
			'engagement_rate'       => null === ( $lead['engagement_rate'] ?? null ) ? null : (float) $lead['engagement_rate'],
			'connected_at'          => self::iso_time( $lead['connected_at'] ?? null ),
			'sandbox'               => Igsync_Lead_Format::is_sandbox_lead( $lead ),
			'admin_url'             => admin_url( 'admin.php?page=' . Igsync_Leads_Screen::SLUG . '&s=' . rawurlencode( (string) $lead['username'] ) ),
		);
	}

	/**
	 * The input of find-leads.
	 *
	 * @return array<string, mixed>
	 */
	private static function find_input(): array {
		return array(
			'type'                 => 'object',
			'properties'           => array(
				'status'        => array(
					'type'        => 'string',
					'enum'        => Igsync_Status::LEAD,
					'description' => __( 'Only leads of this status.', 'igsync-bridge' ),
				),
				'search'        => array(
					'type'        => 'string',
					'maxLength'   => 200,
					'description' => __( 'Words a username, name or email starts with, as the Leads screen\'s search.', 'igsync-bridge' ),
				),
				'min_followers' => array(
					'type'        => 'integer',
					'minimum'     => 0,
					'description' => __( 'Only leads with at least this many followers.', 'igsync-bridge' ),
				),
				'tier'          => array(
					'type'        => 'string',
					'maxLength'   => 64,
					'description' => __( 'Only creators of this tier of the creator program.', 'igsync-bridge' ),
				),
				'limit'         => array(
					'type'    => 'integer',
					'minimum' => 1,
					'maximum' => self::MAX_LEADS,
					'default' => 20,
				),
				'page'          => array(
					'type'    => 'integer',
					'minimum' => 1,
					'default' => 1,
				),
			),
			'additionalProperties' => false,
			'default'              => array(),
		);
	}

	/**
	 * A lead's summary, as JSON Schema.
	 *
	 * @param bool $detailed With the creator program and the order (get-lead).
	 * @return array<string, mixed>
	 */
	private static function lead_schema( bool $detailed = false ): array {
		$count      = array( 'type' => array( 'integer', 'null' ) );
		$properties = array(
			'id'                    => array( 'type' => 'integer' ),
			'username'              => array( 'type' => 'string' ),
			'name'                  => array( 'type' => 'string' ),
			'email'                 => array( 'type' => 'string' ),
			'status'                => array(
				'type' => 'string',
				'enum' => Igsync_Status::LEAD,
			),
			'account_type'          => array( 'type' => 'string' ),
			'followers'             => $count,
			'followers_change'      => $count,
			'followers_change_days' => $count,
			'engagement_rate'       => array( 'type' => array( 'number', 'null' ) ),
			'connected_at'          => array( 'type' => array( 'string', 'null' ) ),
			'sandbox'               => array( 'type' => 'boolean' ),
			'admin_url'             => array( 'type' => 'string' ),
		);
		if ( $detailed ) {
			$properties['creator']         = array(
				'type'       => 'object',
				'properties' => array(
					'status' => array( 'type' => 'string' ),
					'tier'   => array( 'type' => 'string' ),
					'code'   => array( 'type' => 'string' ),
					'orders' => array( 'type' => 'integer' ),
				),
			);
			$properties['customer_orders'] = array(
				'type'        => 'string',
				'description' => __( 'The customer\'s orders by where WooCommerce says they came from, e.g. "2 instagram / social, 1 Direct".', 'igsync-bridge' ),
			);
			$properties['order']           = array(
				'type'       => 'object',
				'properties' => array(
					'id'     => array( 'type' => 'integer' ),
					'origin' => array( 'type' => 'string' ),
				),
			);
		}
		return array(
			'type'       => 'object',
			'properties' => $properties,
		);
	}

	/**
	 * A UTC datetime of the table as ISO 8601, or null.
	 *
	 * @param mixed $value The column's value.
	 * @return string|null
	 */
	private static function iso_time( $value ): ?string {
		return empty( $value ) ? null : gmdate( 'c', (int) strtotime( (string) $value . ' UTC' ) );
	}
}
