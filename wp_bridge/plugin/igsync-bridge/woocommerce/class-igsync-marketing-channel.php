<?php
/**
 * The igsync channel on WooCommerce > Marketing: set up once paired, its open issues
 * counted (the inbox's, Igsync_Attention), and its campaigns in the hub's Campaigns card:
 * the Connect with Instagram button with its leads this month, and the creator program with
 * what its codes sold and what it owes its creators. Loaded only where WooCommerce has the
 * marketing channel interface (Igsync_Marketing::register checks).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

use Automattic\WooCommerce\Admin\Marketing\MarketingCampaign;
use Automattic\WooCommerce\Admin\Marketing\MarketingCampaignType;
use Automattic\WooCommerce\Admin\Marketing\MarketingChannelInterface;
use Automattic\WooCommerce\Admin\Marketing\Price;

/**
 * The igsync marketing channel.
 */
final class Igsync_Marketing_Channel implements MarketingChannelInterface {

	/** The channel's slug: the plugin's. */
	const SLUG = 'igsync-bridge';

	/**
	 * The plugin's slug.
	 *
	 * @return string
	 */
	public function get_slug(): string {
		return self::SLUG;
	}

	/**
	 * The channel's name.
	 *
	 * @return string
	 */
	public function get_name(): string {
		return __( 'igsync: Instagram leads', 'igsync-bridge' );
	}

	/**
	 * Shown until the channel is set up.
	 *
	 * @return string
	 */
	public function get_description(): string {
		return __( 'Shoppers connect their Instagram account with one button; the igsync daemon sends each one back to your shop as a lead, with their followers and engagement. Pair this site with the daemon to start.', 'igsync-bridge' );
	}

	/**
	 * The channel's icon.
	 *
	 * @return string
	 */
	public function get_icon_url(): string {
		return plugins_url( 'assets/igsync-logo.svg', IGSYNC_BRIDGE_FILE );
	}

	/**
	 * Set up once paired with the daemon.
	 *
	 * @return bool
	 */
	public function is_setup_completed(): bool {
		return Igsync_Pairing::is_paired();
	}

	/**
	 * Settings > igsync, where pairing happens and the connection is managed.
	 *
	 * @return string
	 */
	public function get_setup_url(): string {
		return admin_url( 'options-general.php?page=igsync' );
	}

	/**
	 * No product listings: igsync lists no products.
	 *
	 * @return string
	 */
	public function get_product_listings_status(): string {
		return self::PRODUCT_LISTINGS_NOT_APPLICABLE;
	}

	/**
	 * What the owner must act on, as the inbox lists it.
	 *
	 * @return int
	 */
	public function get_errors_count(): int {
		return count( Igsync_Attention::now() );
	}

	/**
	 * The kinds of campaign igsync runs, for the hub's "Create a campaign".
	 *
	 * @return MarketingCampaignType[]
	 */
	public function get_supported_campaign_types(): array {
		return array_values( $this->campaign_types() );
	}

	/**
	 * The button's leads this month and, once it has creators, the creator program.
	 *
	 * @return MarketingCampaign[]
	 */
	public function get_campaigns(): array {
		$types     = $this->campaign_types();
		$month     = self::leads_this_month();
		$campaigns = array(
			new MarketingCampaign(
				'igsync-connect',
				$types['igsync-connect'],
				/* translators: %s: number of leads */
				sprintf( _n( 'Connect with Instagram: %s lead this month', 'Connect with Instagram: %s leads this month', $month, 'igsync-bridge' ), number_format_i18n( $month ) ),
				admin_url( 'admin.php?page=' . Igsync_Leads_Screen::SLUG )
			),
		);
		$program   = self::creator_program();
		if ( $program['creators'] > 0 ) {
			$currency    = get_woocommerce_currency();
			$campaigns[] = new MarketingCampaign(
				'igsync-creators',
				$types['igsync-creators'],
				/* translators: %s: number of creators */
				sprintf( _n( 'Creator program: %s active creator', 'Creator program: %s active creators', $program['creators'], 'igsync-bridge' ), number_format_i18n( $program['creators'] ) ),
				admin_url( 'admin.php?page=' . Igsync_Creators_Screen::SLUG ),
				new Price( $program['commission'], $currency ),
				new Price( $program['revenue'], $currency )
			);
		}
		return $campaigns;
	}

	/**
	 * The two kinds of campaign.
	 *
	 * @return array<string, MarketingCampaignType>
	 */
	private function campaign_types(): array {
		$icon = $this->get_icon_url();
		return array(
			'igsync-connect'  => new MarketingCampaignType(
				'igsync-connect',
				$this,
				__( 'Connect with Instagram', 'igsync-bridge' ),
				__( 'Put the Connect with Instagram block on a page; every shopper who connects becomes a lead.', 'igsync-bridge' ),
				admin_url( 'post-new.php?post_type=page' ),
				$icon
			),
			'igsync-creators' => new MarketingCampaignType(
				'igsync-creators',
				$this,
				__( 'Instagram creator program', 'igsync-bridge' ),
				__( 'Invite the Instagram accounts your shoppers connected to share a code of their own, and pay them a commission on what it sells.', 'igsync-bridge' ),
				admin_url( 'admin.php?page=' . Igsync_Creators_Screen::SLUG ),
				$icon
			),
		);
	}

	/**
	 * Leads that arrived since the first of this month (the site's month).
	 *
	 * @return int
	 */
	private static function leads_this_month(): int {
		global $wpdb;
		$table = Igsync_Schema::table( 'leads' );
		$start = ( new DateTimeImmutable( 'first day of this month midnight', wp_timezone() ) )->setTimezone( new DateTimeZone( 'UTC' ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table, by the connected_at index.
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE connected_at >= %s", $start->format( 'Y-m-d H:i:s' ) ) );
	}

	/**
	 * The active creators, what their codes sold and the commission they earned.
	 *
	 * @return array{creators: int, revenue: string, commission: string}
	 */
	private static function creator_program(): array {
		global $wpdb;
		$table = Igsync_Schema::table( 'creators' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT COUNT(*) AS creators, COALESCE(SUM(revenue), 0) AS revenue, COALESCE(SUM(commission), 0) AS commission FROM {$table} WHERE status = %s", Igsync_Creators::ACTIVE ), ARRAY_A );
		return array(
			'creators'   => (int) ( $row['creators'] ?? 0 ),
			'revenue'    => wc_format_decimal( (string) ( $row['revenue'] ?? '0' ), wc_get_price_decimals() ),
			'commission' => wc_format_decimal( (string) ( $row['commission'] ?? '0' ), wc_get_price_decimals() ),
		);
	}
}
