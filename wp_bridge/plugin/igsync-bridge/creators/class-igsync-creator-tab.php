<?php
/**
 * The creator program on My Account > Instagram: the invitation to become a creator, the
 * application's state, and for a creator their code, a text ready to share, what their code
 * has brought, and what the shop can see of them.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The creator section of the Instagram tab.
 */
final class Igsync_Creator_Tab {

	/**
	 * The section, after what the tab shows already.
	 *
	 * @param string $html    Markup so far.
	 * @param int    $user_id The customer.
	 * @return string
	 */
	public static function render( $html, $user_id ): string {
		$user_id = (int) $user_id;
		$creator = Igsync_Creators::of_user( $user_id );
		$lead    = null === $creator ? Igsync_Creator_Program::lead_of_user( $user_id ) : null;
		if ( null === $creator && ( null === $lead || ! Igsync_Creator_Terms::admits( $lead ) ) ) {
			return (string) $html;
		}
		$args = array(
			'creator'  => $creator,
			'tier'     => Igsync_Creator_Terms::tier( (string) ( $creator['tier'] ?? '' ) ),
			'coupon'   => null,
			'share'    => '',
			'audience' => null !== $creator && self::audience_read( (string) $creator['ig_user_id'] ),
		);
		if ( null !== $creator && ! empty( $creator['coupon_id'] ) ) {
			$coupon         = new WC_Coupon( (int) $creator['coupon_id'] );
			$args['coupon'] = $coupon->get_id() ? $coupon : null;
			$args['share']  = null === $args['coupon'] ? '' : self::share_text( $args['coupon'] );
		}
		ob_start();
		wc_get_template( 'account-creator.php', $args, 'igsync-bridge/', IGSYNC_BRIDGE_DIR . '/templates/' );
		return (string) $html . (string) ob_get_clean();
	}

	/**
	 * What a creator posts: the code, what it gives, where.
	 *
	 * @param WC_Coupon $coupon The creator's coupon.
	 * @return string
	 */
	public static function share_text( WC_Coupon $coupon ): string {
		return sprintf(
			/* translators: 1: coupon code, 2: what it gives ("10% off"), 3: the shop's name, 4: its address */
			__( 'Use my code %1$s for %2$s at %3$s: %4$s', 'igsync-bridge' ),
			strtoupper( $coupon->get_code() ),
			Igsync_Creator_Coupon::describe( $coupon ),
			wp_specialchars_decode( (string) get_bloginfo( 'name' ), ENT_QUOTES ),
			home_url( '/' )
		);
	}

	/**
	 * Whether the shop reads this account's audience (insights granted and read).
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return bool
	 */
	private static function audience_read( string $ig_user_id ): bool {
		return null !== Igsync_Audience::read_on( Igsync_Creators::newest_lead( $ig_user_id ) );
	}
}
