<?php
/**
 * The setup checklist at the top of Settings > igsync: what is left before the first lead, each
 * item ticking itself when it holds.
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Checks and draws the setup steps.
 */
final class Igsync_Setup_Checklist {

	/**
	 * The steps, in order: id, label, whether done, and what to do (shown while not done).
	 *
	 * @return array<int, array{id: string, label: string, done: bool, todo: string}>
	 */
	public static function items(): array {
		$snapshot = Igsync_Health::snapshot();
		$lead     = null !== $snapshot['last_lead'];
		$sandbox  = Igsync_Settings::is_sandbox();
		return array(
			array(
				'id'    => 'paired',
				'label' => __( 'Paired with the igsync daemon', 'igsync-bridge' ),
				'done'  => Igsync_Pairing::is_paired(),
				'todo'  => __( 'Click "Pair with the igsync daemon" below and run the command it shows on the daemon\'s server.', 'igsync-bridge' ),
			),
			array(
				'id'    => 'app',
				'label' => $sandbox ? __( 'Instagram app set: the igsync sandbox\'s, for trying igsync (not Instagram)', 'igsync-bridge' ) : __( 'Instagram app set', 'igsync-bridge' ),
				'done'  => '' !== Igsync_Settings::get( 'app_id' ),
				'todo'  => __( 'Create an app in the Meta dashboard and enter its Instagram app id below (pairing brings it from the daemon).', 'igsync-bridge' ),
			),
			array(
				'id'    => 'redirect',
				'label' => $sandbox ? __( 'Redirect URI registered (at the sandbox, by pairing)', 'igsync-bridge' ) : __( 'Redirect URI registered at Meta', 'igsync-bridge' ),
				'done'  => $sandbox || $lead || self::code_came_back(),
				'todo'  => __( 'Add this address to "Valid OAuth Redirect URIs" in the Meta dashboard; this ticks when Instagram first sends a shopper back to it.', 'igsync-bridge' ),
			),
			array(
				'id'    => 'button',
				'label' => __( 'Shoppers can find the Connect with Instagram button', 'igsync-bridge' ),
				'done'  => class_exists( 'WooCommerce' ) || self::page_with_button(),
				'todo'  => __( 'Add the Connect with Instagram block, or the [igsync_connect] shortcode, to a published page.', 'igsync-bridge' ),
			),
			array(
				'id'    => 'lead',
				'label' => __( 'First lead received', 'igsync-bridge' ),
				'done'  => $lead,
				'todo'  => __( 'Connect an Instagram account through the button yourself to see the whole way through.', 'igsync-bridge' ),
			),
		);
	}

	/**
	 * The Setup section.
	 */
	public static function render(): void {
		$items = self::items();
		$done  = count( array_filter( array_column( $items, 'done' ) ) );
		?>
		<h2 id="igsync-setup"><?php esc_html_e( 'Setup', 'igsync-bridge' ); ?></h2>
		<p>
			<?php
			/* translators: 1: steps done, 2: steps in all */
			echo esc_html( sprintf( __( '%1$d of %2$d steps done.', 'igsync-bridge' ), $done, count( $items ) ) );
			?>
		</p>
		<ul class="igsync-checklist">
			<?php foreach ( $items as $item ) : ?>
				<li id="<?php echo esc_attr( 'igsync-step-' . $item['id'] ); ?>" class="<?php echo esc_attr( $item['done'] ? 'igsync-step is-done' : 'igsync-step' ); ?>">
					<span class="dashicons <?php echo esc_attr( $item['done'] ? 'dashicons-yes-alt' : 'dashicons-marker' ); ?>" aria-hidden="true"></span>
					<strong><?php echo esc_html( $item['label'] ); ?></strong>
					<span class="screen-reader-text"><?php echo esc_html( $item['done'] ? __( '(done)', 'igsync-bridge' ) : __( '(to do)', 'igsync-bridge' ) ); ?></span>
					<?php if ( ! $item['done'] ) : ?>
						<br><span class="description"><?php echo esc_html( $item['todo'] ); ?></span>
					<?php endif; ?>
					<?php if ( 'redirect' === $item['id'] ) : ?>
						<br><code id="igsync-redirect-uri-copy"><?php echo esc_html( Igsync_Settings::redirect_uri() ); ?></code>
						<button type="button" class="button button-small igsync-copy" data-copy="<?php echo esc_attr( Igsync_Settings::redirect_uri() ); ?>"><?php esc_html_e( 'Copy', 'igsync-bridge' ); ?></button>
					<?php endif; ?>
				</li>
			<?php endforeach; ?>
		</ul>
		<?php
	}

	/**
	 * The copy button's few lines, on the settings page only.
	 *
	 * @param string $hook The admin page's hook suffix.
	 */
	public static function enqueue( string $hook ): void {
		if ( 'settings_page_igsync' !== $hook ) {
			return;
		}
		wp_enqueue_style( 'igsync-bridge-admin', plugins_url( 'assets/igsync-admin.css', IGSYNC_BRIDGE_FILE ), array(), IGSYNC_BRIDGE_VERSION );
		wp_register_script( 'igsync-bridge-settings', false, array(), IGSYNC_BRIDGE_VERSION, true );
		wp_enqueue_script( 'igsync-bridge-settings' );
		$copied = wp_json_encode( __( 'Copied', 'igsync-bridge' ) );
		wp_add_inline_script(
			'igsync-bridge-settings',
			// The Clipboard API needs https (or localhost); a shop on plain HTTP gets the old way.
			'document.addEventListener("click",function(e){var b=e.target.closest(".igsync-copy");if(!b){return;}'
			. 'var done=function(){b.textContent=' . $copied . ';};'
			. 'if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(b.dataset.copy).then(done);return;}'
			. 'var t=document.createElement("textarea");t.value=b.dataset.copy;t.setAttribute("readonly","");t.style.position="fixed";t.style.opacity="0";'
			. 'document.body.appendChild(t);t.select();if(document.execCommand("copy")){done();}document.body.removeChild(t);});'
		);
	}

	/**
	 * Whether Instagram has sent a shopper back with a code at least once.
	 *
	 * @return bool
	 */
	private static function code_came_back(): bool {
		global $wpdb;
		$codes = Igsync_Schema::table( 'codes' );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our own table; one row is enough.
		return null !== $wpdb->get_var( "SELECT 1 FROM {$codes} LIMIT 1" );
	}

	/**
	 * Whether a published page or post carries the block or the shortcode.
	 *
	 * @return bool
	 */
	private static function page_with_button(): bool {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a one-off look for the button; no API searches post content by block.
		$found = $wpdb->get_var(
			$wpdb->prepare(
				"SELECT ID FROM {$wpdb->posts} WHERE post_status = 'publish' AND ( post_content LIKE %s OR post_content LIKE %s ) LIMIT 1",
				'%' . $wpdb->esc_like( '[igsync_connect' ) . '%',
				'%' . $wpdb->esc_like( '<!-- wp:igsync/connect' ) . '%'
			)
		);
		return null !== $found;
	}
}
