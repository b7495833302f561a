<?php
/**
 * Where WooCommerce's Marketing hub reads its channels, igsync adds its own
 * (Igsync_Marketing_Channel), when this WooCommerce has the marketing channel interface.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Registers the marketing channel.
 */
final class Igsync_Marketing {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		if ( interface_exists( 'Automattic\WooCommerce\Admin\Marketing\MarketingChannelInterface' ) ) {
			add_filter( 'woocommerce_marketing_channels', array( __CLASS__, 'add_channel' ) );
		}
	}

	/**
	 * The channels, igsync's among them.
	 *
	 * @param array<string, object> $channels The registered channels, by slug.
	 * @return array<string, object>
	 */
	public static function add_channel( $channels ): array {
		$channels                                   = (array) $channels;
		$channels[ Igsync_Marketing_Channel::SLUG ] = new Igsync_Marketing_Channel();
		return $channels;
	}
}
