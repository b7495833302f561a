<?php
/**
 * WooCommerce > Settings > Instagram creators: the program's switches and its tiers, on
 * WooCommerce's own settings page (its markup, its save button, its nonce). The tiers are a
 * table of rows, one per tier, lowest first; an empty name removes a row.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The creator program's settings tab.
 */
final class Igsync_Creator_Settings extends WC_Settings_Page {

	/** Blank rows offered under the tiers, for new ones. */
	const NEW_ROWS = 2;

	/**
	 * The tab.
	 */
	public function __construct() {
		$this->id    = 'igsync_creators';
		$this->label = __( 'Instagram creators', 'igsync-bridge' );
		parent::__construct();
		add_action( 'woocommerce_admin_field_igsync_tiers', array( __CLASS__, 'render_tiers' ) );
	}

	/**
	 * The fields.
	 *
	 * @return array<int, array<string, mixed>>
	 */
	protected function get_settings_for_default_section() {
		$option = Igsync_Creator_Terms::OPTION;
		$fields = array(
			array(
				'type' => 'title',
				'id'   => 'igsync_creators_program',
				'name' => __( 'Creator program', 'igsync-bridge' ),
				'desc' => __( 'Customers who connected Instagram become creators with a code of their own: their followers get its discount, the orders with it are theirs, and tiers by verified followers, engagement and sales set what the code gives and what they earn.', 'igsync-bridge' ),
			),
			array(
				'type'    => 'checkbox',
				'id'      => "{$option}[enabled]",
				'name'    => __( 'Program', 'igsync-bridge' ),
				'desc'    => __( 'Let connected customers become creators (My Account > Instagram)', 'igsync-bridge' ),
				'default' => 'no',
			),
			array(
				'type'    => 'checkbox',
				'id'      => "{$option}[approval]",
				'name'    => __( 'Approval', 'igsync-bridge' ),
				'desc'    => __( 'Approve each creator before their code works', 'igsync-bridge' ),
				'default' => 'no',
			),
			array(
				'type'              => 'number',
				'id'                => "{$option}[window_days]",
				'name'              => __( 'Sales counted over', 'igsync-bridge' ),
				'desc'              => __( 'days (for the tiers\' sales thresholds)', 'igsync-bridge' ),
				'default'           => '90',
				'css'               => 'width: 6em;',
				'custom_attributes' => array(
					'min' => 1,
					'max' => 3650,
				),
			),
		);
		if ( Igsync_Settings::is_sandbox() ) {
			$fields[] = array(
				'type'    => 'checkbox',
				'id'      => "{$option}[sandbox]",
				'name'    => __( 'Sandbox', 'igsync-bridge' ),
				'desc'    => __( 'Also for sandbox accounts, to try the program: their codes start with TEST- and are real coupons. Anyone can make up a sandbox account, so untick this before you share the shop.', 'igsync-bridge' ),
				'default' => 'no',
			);
		}
		$fields[] = array(
			'type' => 'igsync_tiers',
			'id'   => "{$option}[tiers]",
			'name' => __( 'Tiers', 'igsync-bridge' ),
		);
		$fields[] = array(
			'type' => 'sectionend',
			'id'   => 'igsync_creators_program',
		);
		return $fields;
	}

	/**
	 * Saves the fields the way WooCommerce does, then the terms cleaned (typed tiers, unique
	 * slugs, named rows only).
	 */
	public function save() {
		parent::save();
		$stored = get_option( Igsync_Creator_Terms::OPTION, array() );
		Igsync_Creator_Terms::save( is_array( $stored ) ? $stored : array() );
	}

	/**
	 * The tiers' table, in WooCommerce's settings markup.
	 *
	 * @param array<string, mixed> $field The field.
	 */
	public static function render_tiers( $field ): void {
		$name  = Igsync_Creator_Terms::OPTION . '[tiers]';
		$tiers = Igsync_Creator_Terms::all()['tiers'];
		for ( $i = 0; $i < self::NEW_ROWS; ++$i ) {
			$tiers[] = array_merge(
				Igsync_Creator_Terms::DEFAULT_TIER,
				array(
					'slug' => '',
					'name' => '',
				)
			);
		}
		include __DIR__ . '/views/tiers-field.php';
	}
}
