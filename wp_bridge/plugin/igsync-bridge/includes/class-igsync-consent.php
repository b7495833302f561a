<?php
/**
 * What the shopper is told under the Connect with Instagram button, recorded with each
 * connection: the text's version and hash, and (with the lead) the permissions Instagram
 * granted and when. WordPress's personal data export includes them.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The consent text and its record.
 */
final class Igsync_Consent {

	const VERSION = '1'; // Raise when the default text's meaning changes.

	/**
	 * The text, as shown (in the shopper's language, with the shop's name).
	 *
	 * @return string
	 */
	public static function text(): string {
		$text = sprintf(
			/* translators: %s: the shop's name */
			__( 'Connecting shares your Instagram username, name, profile picture, biography, website and follower counts with %s, which keeps them with your customer details and may update them while you stay connected. You can disconnect at any time.', 'igsync-bridge' ),
			wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES )
		);
		/**
		 * Filters the consent text under the Connect with Instagram button. Its hash is recorded
		 * with every connection; raise the version (igsync_consent_version) when you change what
		 * it means.
		 *
		 * @since 0.4.0
		 *
		 * @param string $text The text (plain, no HTML).
		 */
		return wp_strip_all_tags( (string) apply_filters( 'igsync_consent_text', $text ) );
	}

	/**
	 * The record of what is shown now: version and SHA-256 of the text.
	 *
	 * @return array{version: string, hash: string}
	 */
	public static function current(): array {
		/**
		 * Filters the consent text's version, recorded with every connection.
		 *
		 * @since 0.4.0
		 *
		 * @param string $version The plugin's own text's version.
		 */
		$version = (string) apply_filters( 'igsync_consent_version', self::VERSION );
		return array(
			'version' => substr( sanitize_text_field( $version ), 0, 32 ),
			'hash'    => hash( 'sha256', self::text() ),
		);
	}
}
