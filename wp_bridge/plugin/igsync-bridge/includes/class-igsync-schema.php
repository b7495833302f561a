<?php
/**
 * The plugin's tables: the code queue, the leads, the replay memory of signed requests, Meta's
 * callbacks kept while the daemon was unreachable, and the creator program's creators, their
 * attributed orders and their history.
 *
 * Created with dbDelta at activation, again whenever the stored schema version differs from
 * this file's (a plugin update without re-activation), and repaired when a write finds a table
 * missing: a lead is never written around a broken table.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Table names, creation and repair.
 */
final class Igsync_Schema {

	const VERSION        = '11';
	const VERSION_OPTION = 'igsync_schema_version';

	/**
	 * Table names, by role.
	 *
	 * @return array{codes: string, leads: string, seen: string, meta: string, creators: string, creator_orders: string, creator_events: string, creator_followers: string}
	 */
	public static function tables(): array {
		global $wpdb;
		return array(
			'codes'             => $wpdb->prefix . 'igsync_codes',
			'leads'             => $wpdb->prefix . 'igsync_leads',
			'seen'              => $wpdb->prefix . 'igsync_seen',
			'meta'              => $wpdb->prefix . 'igsync_meta',
			'creators'          => $wpdb->prefix . 'igsync_creators',
			'creator_orders'    => $wpdb->prefix . 'igsync_creator_orders',
			'creator_events'    => $wpdb->prefix . 'igsync_creator_events',
			'creator_followers' => $wpdb->prefix . 'igsync_creator_followers',
		);
	}

	/**
	 * One table's name.
	 *
	 * @param string $role codes, leads or seen.
	 * @return string
	 */
	public static function table( string $role ): string {
		return self::tables()[ $role ];
	}

	/**
	 * Creates or updates every table, then records the schema version.
	 *
	 * @return bool Whether every table exists afterwards.
	 */
	public static function install(): bool {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$t       = self::tables();
		// The leads' search index keeps every word: InnoDB's stopword list would drop "com" and
		// "de" from emails (the setting is read when the index is built, for this session only).
		$suppress = $wpdb->suppress_errors( true );
		$wpdb->query( 'SET SESSION innodb_ft_enable_stopword = 0' ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->suppress_errors( $suppress );
		dbDelta(
			"CREATE TABLE {$t['codes']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  code_hash char(64) NOT NULL,
  code_enc text NULL,
  redirect_uri varchar(2048) NOT NULL,
  context longtext NOT NULL,
  received_at datetime NOT NULL,
  forward_attempts int(11) NOT NULL DEFAULT 0,
  daemon_id bigint(20) unsigned NULL,
  acked_at datetime NULL,
  last_error varchar(255) NULL,
  consent_version varchar(32) NULL,
  consent_hash char(64) NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY code_hash (code_hash),
  KEY pending (acked_at, received_at)
) $charset;
CREATE TABLE {$t['leads']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  idempotency_key varchar(64) NOT NULL,
  ig_user_id varchar(64) NOT NULL,
  username varchar(64) NOT NULL,
  name varchar(255) NULL,
  account_type varchar(32) NULL,
  api varchar(32) NULL,
  email varchar(254) NULL,
  wp_user_id bigint(20) unsigned NULL,
  source varchar(64) NULL,
  return_url text NULL,
  wc_order_id bigint(20) unsigned NULL,
  profile_picture_url text NULL,
  followers_count int(10) unsigned NULL,
  followers_change int(11) NULL,
  followers_change_days smallint(5) unsigned NULL,
  engagement_rate decimal(9,2) unsigned NULL,
  version int(10) unsigned NULL,
  status varchar(20) NOT NULL DEFAULT 'connected',
  status_reason varchar(255) NULL,
  connected_at datetime NULL,
  sandbox tinyint(1) unsigned NOT NULL DEFAULT 0,
  permissions varchar(1024) NULL,
  unavailable_fields varchar(255) NULL,
  insights text NULL,
  consent_version varchar(32) NULL,
  consent_hash char(64) NULL,
  consented_at datetime NULL,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY idempotency_key (idempotency_key),
  KEY ig_user_id (ig_user_id),
  KEY wp_user_id (wp_user_id),
  KEY status (status),
  KEY wc_order_id (wc_order_id),
  KEY username (username),
  KEY email (email(191)),
  KEY name (name(191)),
  KEY updated_at (updated_at),
  KEY connected_at (connected_at),
  KEY followers_count (followers_count),
  KEY engagement_rate (engagement_rate),
  FULLTEXT KEY search (username,name,email)
) $charset;
CREATE TABLE {$t['seen']} (
  webhook_id varchar(128) NOT NULL,
  seen_at datetime NOT NULL,
  PRIMARY KEY  (webhook_id),
  KEY seen_at (seen_at)
) $charset;
CREATE TABLE {$t['meta']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  kind varchar(16) NOT NULL,
  signed_request text NOT NULL,
  confirmation_code varchar(32) NULL,
  received_at datetime NOT NULL,
  acked_at datetime NULL,
  PRIMARY KEY  (id),
  KEY pending (acked_at, id),
  KEY confirmation_code (confirmation_code)
) $charset;
CREATE TABLE {$t['creators']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  ig_user_id varchar(64) NOT NULL,
  wp_user_id bigint(20) unsigned NULL,
  username varchar(64) NOT NULL,
  name varchar(255) NULL,
  status varchar(20) NOT NULL,
  tier varchar(64) NOT NULL DEFAULT '',
  followers_count int(10) unsigned NULL,
  followers_change int(11) NULL,
  followers_change_days smallint(5) unsigned NULL,
  engagement_rate decimal(9,2) unsigned NULL,
  coupon_id bigint(20) unsigned NULL,
  code varchar(64) NULL,
  sandbox tinyint(1) unsigned NOT NULL DEFAULT 0,
  orders_count int(10) unsigned NOT NULL DEFAULT 0,
  revenue decimal(19,4) NOT NULL DEFAULT 0,
  commission decimal(19,4) NOT NULL DEFAULT 0,
  commission_paid decimal(19,4) NOT NULL DEFAULT 0,
  top_country varchar(16) NULL,
  last_order_at datetime NULL,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY ig_user_id (ig_user_id),
  UNIQUE KEY wp_user_id (wp_user_id),
  KEY coupon_id (coupon_id),
  KEY status (status),
  KEY tier (tier),
  KEY username (username),
  KEY code (code),
  KEY followers_count (followers_count),
  KEY engagement_rate (engagement_rate),
  KEY revenue (revenue),
  KEY top_country (top_country),
  KEY last_order_at (last_order_at)
) $charset;
CREATE TABLE {$t['creator_followers']} (
  creator_id bigint(20) unsigned NOT NULL,
  day date NOT NULL,
  followers_count int(10) unsigned NOT NULL,
  PRIMARY KEY  (creator_id, day)
) $charset;
CREATE TABLE {$t['creator_orders']} (
  order_id bigint(20) unsigned NOT NULL,
  creator_id bigint(20) unsigned NOT NULL,
  code varchar(64) NOT NULL,
  order_status varchar(32) NOT NULL,
  revenue decimal(19,4) NOT NULL DEFAULT 0,
  commission_rate decimal(5,2) NOT NULL DEFAULT 0,
  commission decimal(19,4) NOT NULL DEFAULT 0,
  ordered_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY  (order_id),
  KEY creator (creator_id, ordered_at)
) $charset;
CREATE TABLE {$t['creator_events']} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  creator_id bigint(20) unsigned NOT NULL,
  kind varchar(32) NOT NULL,
  detail varchar(255) NOT NULL DEFAULT '',
  happened_at datetime NOT NULL,
  PRIMARY KEY  (id),
  KEY creator (creator_id, id)
) $charset;"
		);
		$complete = array() === self::missing();
		if ( $complete ) {
			update_option( self::VERSION_OPTION, self::VERSION, true ); // Read on every request: autoloaded.
		}
		return $complete;
	}

	/**
	 * Runs install() when the stored schema version is not this plugin's.
	 */
	public static function maybe_upgrade(): void {
		if ( get_option( self::VERSION_OPTION ) !== self::VERSION ) {
			self::install();
		}
	}

	/**
	 * The tables that do not exist.
	 *
	 * @return array<int, string>
	 */
	public static function missing(): array {
		global $wpdb;
		$missing = array();
		foreach ( self::tables() as $table ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a schema check, nothing to cache.
			$found = $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) );
			if ( $found !== $table ) {
				$missing[] = $table;
			}
		}
		return $missing;
	}

	/**
	 * Runs a write; when it fails (null) because a table is missing, recreates the tables and
	 * runs it once more. The write's result, null if it still failed.
	 *
	 * @template T
	 * @param callable(): (T|null) $write The write.
	 * @return T|null
	 */
	public static function write( callable $write ) {
		$result = $write();
		if ( null === $result && self::repair() ) {
			$result = $write();
		}
		return $result;
	}

	/**
	 * After a failed write: recreates missing tables. Whether anything was repaired (so the
	 * write is worth one more try).
	 *
	 * @return bool
	 */
	public static function repair(): bool {
		if ( array() === self::missing() ) {
			return false;
		}
		return self::install();
	}
}
