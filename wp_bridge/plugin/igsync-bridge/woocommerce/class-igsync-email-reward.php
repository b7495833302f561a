<?php
/**
 * The reward email: a WooCommerce email (its styles, its header and footer, its switch and
 * subject settings under WooCommerce > Settings > Emails).
 *
 * @package igsync-bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * "Thanks for connecting your Instagram": the coupon, to the customer.
 */
final class Igsync_Email_Reward extends WC_Email {

	/**
	 * The email's identity and templates.
	 */
	public function __construct() {
		$this->id             = 'igsync_reward';
		$this->customer_email = true;
		$this->title          = __( 'Instagram connection reward', 'igsync-bridge' );
		$this->description    = __( 'Sent to a customer with their coupon the first time they connect an Instagram account (igsync).', 'igsync-bridge' );
		$this->template_html  = 'emails/igsync-reward.php';
		$this->template_plain = 'emails/plain/igsync-reward.php';
		$this->template_base  = IGSYNC_BRIDGE_DIR . '/templates/';
		$this->placeholders   = array( '{coupon_code}' => '' );
		parent::__construct();
	}

	/**
	 * The default subject.
	 *
	 * @return string
	 */
	public function get_default_subject() {
		return __( 'Your reward for connecting Instagram with {site_title}', 'igsync-bridge' );
	}

	/**
	 * The default heading.
	 *
	 * @return string
	 */
	public function get_default_heading() {
		return __( 'Thanks for connecting your Instagram', 'igsync-bridge' );
	}

	/**
	 * Sends the coupon.
	 *
	 * @param int    $coupon_id The coupon.
	 * @param string $recipient Its owner's email.
	 */
	public function trigger( $coupon_id, $recipient ): void {
		$this->setup_locale();
		$this->object                        = new WC_Coupon( (int) $coupon_id );
		$this->recipient                     = (string) $recipient;
		$this->placeholders['{coupon_code}'] = strtoupper( $this->object->get_code() );
		if ( $this->is_enabled() && $this->get_recipient() ) {
			$this->send( $this->get_recipient(), $this->get_subject(), $this->get_content(), $this->get_headers(), $this->get_attachments() );
		}
		$this->restore_locale();
	}

	/**
	 * The HTML body.
	 *
	 * @return string
	 */
	public function get_content_html() {
		return wc_get_template_html( $this->template_html, $this->template_args( false ), '', $this->template_base );
	}

	/**
	 * The plain text body.
	 *
	 * @return string
	 */
	public function get_content_plain() {
		return wc_get_template_html( $this->template_plain, $this->template_args( true ), '', $this->template_base );
	}

	/**
	 * What the templates show.
	 *
	 * @param bool $plain_text Whether for the plain text body.
	 * @return array<string, mixed>
	 */
	private function template_args( bool $plain_text ): array {
		$expires = $this->object instanceof WC_Coupon ? $this->object->get_date_expires() : null;
		return array(
			'email_heading'      => $this->get_heading(),
			'additional_content' => $this->get_additional_content(),
			'coupon_code'        => $this->object instanceof WC_Coupon ? strtoupper( $this->object->get_code() ) : '',
			'coupon_terms'       => $this->object instanceof WC_Coupon ? Igsync_Reward::describe( $this->object ) : '',
			'expires'            => $expires ? wc_format_datetime( $expires ) : '',
			'shop_url'           => wc_get_page_permalink( 'shop' ),
			'sent_to_admin'      => false,
			'plain_text'         => $plain_text,
			'email'              => $this,
		);
	}

	/**
	 * What the email says by default under the coupon.
	 *
	 * @return string
	 */
	public function get_default_additional_content() {
		return __( 'The coupon works once, with the email address this message was sent to.', 'igsync-bridge' );
	}
}
