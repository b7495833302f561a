<?php
/**
 * WordPress's privacy tools: Tools > Export Personal Data finds a person's Instagram connection
 * by their email, Tools > Erase Personal Data erases it here and asks the daemon to forget them,
 * and Settings > Privacy suggests a paragraph for the privacy policy.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Personal data exporter, eraser and privacy policy text.
 */
final class Igsync_Privacy {

	const ID = 'igsync-bridge';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_filter( 'wp_privacy_personal_data_exporters', array( __CLASS__, 'add_exporter' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( __CLASS__, 'add_eraser' ) );
		add_action( 'admin_init', array( __CLASS__, 'policy_text' ) );
	}

	/**
	 * Registers the exporter.
	 *
	 * @param array<string, array<string, mixed>> $exporters Exporters.
	 * @return array<string, array<string, mixed>>
	 */
	public static function add_exporter( $exporters ): array {
		$exporters             = is_array( $exporters ) ? $exporters : array();
		$exporters[ self::ID ] = array(
			'exporter_friendly_name' => __( 'Instagram connection (igsync)', 'igsync-bridge' ),
			'callback'               => array( __CLASS__, 'export' ),
		);
		return $exporters;
	}

	/**
	 * Registers the eraser.
	 *
	 * @param array<string, array<string, mixed>> $erasers Erasers.
	 * @return array<string, array<string, mixed>>
	 */
	public static function add_eraser( $erasers ): array {
		$erasers             = is_array( $erasers ) ? $erasers : array();
		$erasers[ self::ID ] = array(
			'eraser_friendly_name' => __( 'Instagram connection (igsync)', 'igsync-bridge' ),
			'callback'             => array( __CLASS__, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * The person's leads, for the export file.
	 *
	 * @param string $email The person's email.
	 * @param int    $page  Page (all fit on one).
	 * @return array{data: array<int, array<string, mixed>>, done: bool}
	 */
	public static function export( $email, $page = 1 ): array { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundAfterLastUsed -- WordPress passes a page; a person's leads fit on one.
		$labels = array(
			'username'        => __( 'Instagram username', 'igsync-bridge' ),
			'ig_user_id'      => __( 'Instagram user id', 'igsync-bridge' ),
			'name'            => __( 'Name on Instagram', 'igsync-bridge' ),
			'account_type'    => __( 'Account type', 'igsync-bridge' ),
			'email'           => __( 'Email', 'igsync-bridge' ),
			'connected_at'    => __( 'Connected (UTC)', 'igsync-bridge' ),
			'status'          => __( 'Connection status', 'igsync-bridge' ),
			'permissions'     => __( 'Permissions granted on Instagram', 'igsync-bridge' ),
			'consented_at'    => __( 'Agreed to connect (UTC)', 'igsync-bridge' ),
			'consent_version' => __( 'Version of the text shown when connecting', 'igsync-bridge' ),
			'consent_hash'    => __( 'Fingerprint (SHA-256) of the text shown when connecting', 'igsync-bridge' ),
		);
		$data   = array();
		foreach ( self::leads_of( (string) $email ) as $lead ) {
			$fields = array();
			foreach ( $labels as $column => $label ) {
				if ( null !== $lead[ $column ] && '' !== $lead[ $column ] ) {
					$fields[] = array(
						'name'  => $label,
						'value' => 'status' === $column ? Igsync_Status::label( (string) $lead[ $column ] ) : (string) $lead[ $column ],
					);
				}
			}
			/**
			 * What else the export says of a person's Instagram connection (the reward coupon).
			 *
			 * @since 0.3.0
			 *
			 * @param array<int, array{name: string, value: string}> $fields The fields so far.
			 * @param array<string, mixed>                           $lead   The lead.
			 */
			$fields = (array) apply_filters( 'igsync_privacy_export_fields', $fields, $lead );
			$data[] = array(
				'group_id'    => 'igsync-instagram',
				'group_label' => __( 'Instagram connection', 'igsync-bridge' ),
				'item_id'     => 'igsync-lead-' . (int) $lead['id'],
				'data'        => $fields,
			);
		}
		return array(
			'data' => $data,
			'done' => true,
		);
	}

	/**
	 * Erases the person's leads and Instagram user meta here, and asks the daemon to forget
	 * them (token, customer); what the daemon could not be asked is said, not hidden.
	 *
	 * @param string $email The person's email.
	 * @param int    $page  Page (all fit on one).
	 * @return array{items_removed: bool, items_retained: bool, messages: array<int, string>, done: bool}
	 */
	public static function erase( $email, $page = 1 ): array { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundAfterLastUsed -- WordPress passes a page; a person's leads fit on one.
		$removed  = false;
		$retained = false;
		$messages = array();
		$people   = array_unique( array_map( static fn( array $lead ): string => (string) $lead['ig_user_id'], self::leads_of( (string) $email ) ) );
		foreach ( $people as $ig_user_id ) {
			$erased  = Igsync_Leads::erase( $ig_user_id );
			$removed = $removed || $erased['leads'] > 0 || $erased['users'] > 0;
			$asked   = self::ask_daemon_to_forget( $ig_user_id );
			if ( true !== $asked ) {
				$retained   = true;
				$messages[] = $asked;
			}
		}
		return array(
			'items_removed'  => $removed,
			'items_retained' => $retained,
			'messages'       => $messages,
			'done'           => true,
		);
	}

	/**
	 * The suggested privacy policy paragraph (Settings > Privacy > Policy Guide).
	 */
	public static function policy_text(): void {
		if ( ! function_exists( 'wp_add_privacy_policy_content' ) ) {
			return;
		}
		$text = '<p>' . esc_html__( 'When you connect your Instagram account, we receive from Instagram your Instagram user id, username, name and account type, and keep them with your customer account (or, if you were not logged in, on their own). Our igsync service keeps an access token, encrypted, to keep this information current. We never receive your Instagram password or email address. You can disconnect at any time, remove our app in your Instagram settings, or ask us to erase this data.', 'igsync-bridge' ) . '</p>';
		wp_add_privacy_policy_content( __( 'igsync bridge (Instagram connection)', 'igsync-bridge' ), wp_kses_post( $text ) );
	}

	/**
	 * The leads whose email is this one, or whose customer's account email is.
	 *
	 * @param string $email Email.
	 * @return array<int, array<string, mixed>>
	 */
	private static function leads_of( string $email ): array {
		global $wpdb;
		if ( '' === $email ) {
			return array();
		}
		$table = Igsync_Schema::table( 'leads' );
		$user  = get_user_by( 'email', $email );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table name; a privacy request reads live data.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE email = %s OR wp_user_id = %d ORDER BY id", $email, $user ? (int) $user->ID : -1 ), ARRAY_A );
		return (array) $rows;
	}

	/**
	 * Asks the daemon to forget the person: true, or what to tell the owner.
	 *
	 * @param string $ig_user_id Instagram user id.
	 * @return true|string
	 */
	private static function ask_daemon_to_forget( string $ig_user_id ) {
		$why = Igsync_Daemon::forget( $ig_user_id );
		if ( true === $why ) {
			return true;
		}
		/* translators: %s: why the igsync daemon could not be asked */
		return sprintf( __( 'The Instagram connection was erased from WordPress, but the igsync daemon could not be asked to forget it (%s): run "igsync forget" for this person, or erase again once the daemon is reachable.', 'igsync-bridge' ), $why );
	}
}
