<?php
/**
 * What the owner must act on (Igsync_Attention), as notes in WooCommerce's inbox
 * (WooCommerce > Home): each note added once while its cause lasts, its words kept current
 * ("3 leads" becomes "4 leads"), and removed when the cause is gone. A note the owner
 * dismissed stays dismissed while the same cause lasts.
 *
 * The notes are brought up to date at the end of a request that may have changed a cause
 * (a connection test or forward, a lead lost, reconnected or erased) and once a day; a
 * request that changed nothing reads one option and stops there.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

use Automattic\WooCommerce\Admin\Notes\Note;
use Automattic\WooCommerce\Admin\Notes\Notes;

/**
 * The igsync notes in WooCommerce's inbox.
 */
final class Igsync_Inbox {

	/** What the notes were last made from, so an unchanged cause costs no note query. */
	const SYNCED = 'igsync_inbox_synced';

	/** The notes' source (WooCommerce lists it with each note). */
	const SOURCE = 'igsync-bridge';

	/**
	 * Whether this request may have changed a cause.
	 *
	 * @var bool
	 */
	private static bool $due = false;

	/**
	 * Hooks, where WooCommerce's inbox exists.
	 */
	public static function register(): void {
		if ( ! class_exists( Note::class ) || ! class_exists( Notes::class ) ) {
			return;
		}
		foreach ( array( 'add_option_' . Igsync_Health::RESULT, 'update_option_' . Igsync_Health::RESULT, 'update_option_' . Igsync_Health::INSTAGRAM, 'add_option_' . Igsync_Health::INSTAGRAM, 'igsync_connection_lost', 'igsync_lead_received', 'igsync_lead_erased', 'update_option_' . Igsync_Settings::OPTION ) as $hook ) {
			add_action( $hook, array( __CLASS__, 'due' ) );
		}
		add_action( 'shutdown', array( __CLASS__, 'sync_if_due' ) );
		add_action( 'wc_admin_daily', array( __CLASS__, 'sync' ) );
	}

	/**
	 * A cause may have changed: look at the end of the request.
	 */
	public static function due(): void {
		self::$due = true;
	}

	/**
	 * The end of a request where a cause may have changed.
	 */
	public static function sync_if_due(): void {
		if ( self::$due ) {
			self::$due = false;
			self::sync( false );
		}
	}

	/**
	 * Brings the notes up to date with the open issues.
	 *
	 * @param bool $always Also when the issues read the same as last time (the daily look,
	 *                     which puts back what someone else removed).
	 */
	public static function sync( $always = true ): void {
		$issues      = Igsync_Attention::now();
		$fingerprint = md5( (string) wp_json_encode( $issues ) );
		if ( ! $always && get_option( self::SYNCED ) === $fingerprint ) {
			return;
		}
		try {
			foreach ( array( Igsync_Attention::CONNECTION, Igsync_Attention::RECONNECT, Igsync_Attention::GRAPH_API ) as $name ) {
				self::keep( $name, $issues[ $name ] ?? null );
			}
		} catch ( Exception $e ) {
			return; // The inbox's tables are not there (WooCommerce Admin off): nothing to keep.
		}
		update_option( self::SYNCED, $fingerprint, false );
	}

	/**
	 * Every igsync note, gone (at uninstall; WooCommerce keeps the inbox in its own tables).
	 */
	public static function remove_all(): void {
		if ( ! class_exists( Notes::class ) ) {
			return;
		}
		try {
			Notes::delete_notes_with_name( array( Igsync_Attention::CONNECTION, Igsync_Attention::RECONNECT, Igsync_Attention::GRAPH_API ) );
		} catch ( Exception $e ) {
			return; // No inbox tables: no notes.
		}
	}

	/**
	 * One note as the issue wants it: added, reworded, or removed.
	 *
	 * @param string                                                                  $name  The note's name.
	 * @param array{title: string, content: string, action: string, url: string}|null $issue The issue, or null when its cause is gone.
	 */
	private static function keep( string $name, ?array $issue ): void {
		$note = Notes::get_note_by_name( $name );
		if ( null === $issue ) {
			if ( $note ) {
				Notes::delete_notes_with_name( $name );
			}
			return;
		}
		if ( ! $note instanceof Note ) {
			$note = new Note();
			$note->set_name( $name );
			$note->set_source( self::SOURCE );
			$note->set_type( Note::E_WC_ADMIN_NOTE_WARNING ); // The inbox's kind; errors are banners above every screen.
			$note->add_action( 'igsync-open', $issue['action'], $issue['url'], Note::E_WC_ADMIN_NOTE_UNACTIONED, true );
		} elseif ( $note->get_title() === $issue['title'] && $note->get_content() === $issue['content'] ) {
			return;
		}
		$note->set_title( $issue['title'] );
		$note->set_content( $issue['content'] );
		$note->save();
	}
}
