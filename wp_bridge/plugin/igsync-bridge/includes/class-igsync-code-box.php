<?php
/**
 * Encryption of queued authorization codes (libsodium secretbox).
 *
 * The key is random, made once per site and kept in its own option, so it does not change when
 * the shop owner changes the shared secret: a code queued while the secret was wrong is still
 * readable once it is fixed. Rows written by version 0.1, whose key was derived from the shared
 * secret, are still read with that key while it is the same.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Seals and opens queued codes.
 */
final class Igsync_Code_Box {

	const KEY_OPTION = 'igsync_queue_key';

	/**
	 * Makes the site's key if it has none (activation, and lazily before the first seal).
	 *
	 * @return string The raw key, or '' when it could not be stored.
	 */
	public static function ensure_key(): string {
		$key = self::stored_key();
		if ( '' !== $key ) {
			return $key;
		}
		// add_option() does nothing when a concurrent request stored a key first; read it back.
		add_option( self::KEY_OPTION, base64_encode( random_bytes( SODIUM_CRYPTO_SECRETBOX_KEYBYTES ) ), '', false ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- binary key in a text option.
		wp_cache_delete( self::KEY_OPTION, 'options' );
		return self::stored_key();
	}

	/**
	 * Encrypts a code; null when the site has no key and cannot store one.
	 *
	 * @param string $code Plain code.
	 * @return string|null
	 */
	public static function seal( string $code ): ?string {
		$key = self::ensure_key();
		if ( '' === $key ) {
			return null;
		}
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		return base64_encode( $nonce . sodium_crypto_secretbox( $code, $nonce, $key ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- ciphertext in a text column.
	}

	/**
	 * Decrypts a stored code; null if no key this site has opens it.
	 *
	 * @param string $stored Stored value.
	 * @return string|null
	 */
	public static function open( string $stored ): ?string {
		$raw = base64_decode( $stored, true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- ciphertext from a text column.
		if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ) {
			return null;
		}
		$nonce  = substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$sealed = substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		foreach ( self::keys() as $key ) {
			$plain = sodium_crypto_secretbox_open( $sealed, $nonce, $key );
			if ( false !== $plain ) {
				return $plain;
			}
		}
		return null;
	}

	/**
	 * The keys to try: the site's own, then version 0.1's (derived from the shared secret).
	 *
	 * @return array<int, string>
	 */
	private static function keys(): array {
		$keys   = array();
		$stored = self::stored_key();
		if ( '' !== $stored ) {
			$keys[] = $stored;
		}
		$secret = Igsync_Signature::key();
		if ( '' !== $secret ) {
			$keys[] = hash_hmac( 'sha256', 'igsync-bridge code queue', $secret, true );
		}
		return $keys;
	}

	/**
	 * The stored raw key, or ''.
	 *
	 * @return string
	 */
	private static function stored_key(): string {
		$key = base64_decode( (string) get_option( self::KEY_OPTION, '' ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- binary key in a text option.
		return false !== $key && SODIUM_CRYPTO_SECRETBOX_KEYBYTES === strlen( $key ) ? $key : '';
	}
}
