<?php
/**
 * A lead as wp-admin and the shopper's pages show it: the follower count with its trend, the
 * sandbox's tag.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Leads in the owner's words.
 */
final class Igsync_Lead_Format {

	/**
	 * The follower count ("1,234 followers", or the bare number under a Followers heading),
	 * with its trend where the daemon measured one ("+56 in 30 days", marked up or down);
	 * '' when the count is unknown.
	 *
	 * @param array<string, mixed> $lead     A stored lead.
	 * @param bool                 $in_words Whether to say "followers" after the number.
	 * @return string HTML, escaped.
	 */
	public static function followers_html( array $lead, bool $in_words = true ): string {
		if ( null === ( $lead['followers_count'] ?? null ) ) {
			return '';
		}
		$followers = (int) $lead['followers_count'];
		/* translators: %s: number of followers */
		$html   = esc_html( $in_words ? sprintf( _n( '%s follower', '%s followers', $followers, 'igsync-bridge' ), number_format_i18n( $followers ) ) : number_format_i18n( $followers ) );
		$change = $lead['followers_change'] ?? null;
		$days   = (int) ( $lead['followers_change_days'] ?? 0 );
		if ( null !== $change && $days > 0 ) {
			$change    = (int) $change;
			$direction = $change > 0 ? 'up' : ( $change < 0 ? 'down' : 'flat' );
			$signed    = ( $change > 0 ? '+' : ( $change < 0 ? '&minus;' : '' ) ) . esc_html( number_format_i18n( abs( $change ) ) );
			$html     .= sprintf(
				'<br><span class="igsync-trend igsync-trend--%1$s">%2$s</span>',
				esc_attr( $direction ),
				sprintf(
					/* translators: 1: a signed number of followers, e.g. +56, 2: number of days */
					esc_html( _n( '%1$s in %2$s day', '%1$s in %2$s days', $days, 'igsync-bridge' ) ),
					$signed,
					esc_html( number_format_i18n( $days ) )
				)
			);
		}
		return $html;
	}

	/**
	 * The engagement rate as a list cell ("3.45%"), or a dash when not measured.
	 *
	 * @param array<string, mixed> $row A lead or a creator.
	 * @return string Escaped.
	 */
	public static function engagement_html( array $row ): string {
		if ( null === ( $row['engagement_rate'] ?? null ) ) {
			return '&mdash;';
		}
		/* translators: %s: a percentage, e.g. 3.45 */
		return esc_html( sprintf( __( '%s%%', 'igsync-bridge' ), number_format_i18n( (float) $row['engagement_rate'], 2 ) ) );
	}

	/**
	 * Whether a lead came while the site was paired in sandbox mode: an account made up on the
	 * sandbox's page, which must never pass for a real one (no link to instagram.com, where a
	 * stranger may own the name).
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return bool
	 */
	public static function is_sandbox_lead( array $lead ): bool {
		return ! empty( $lead['sandbox'] );
	}

	/**
	 * The "Sandbox" tag shown beside a sandbox lead's handle (escaped), or ''.
	 *
	 * @param array<string, mixed> $lead The stored lead.
	 * @return string
	 */
	public static function sandbox_tag( array $lead ): string {
		if ( ! self::is_sandbox_lead( $lead ) ) {
			return '';
		}
		return ' <span class="igsync-sandbox-tag" title="' . esc_attr__( 'Made up on the igsync sandbox\'s page: not a real Instagram account', 'igsync-bridge' ) . '">' . esc_html__( 'Sandbox', 'igsync-bridge' ) . '</span>';
	}
}
