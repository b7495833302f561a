"""The Cart and Checkout blocks, which the plugin declares itself compatible with: a guest's
real order through the Checkout block in Chromium, with the optional "Connect my Instagram
after the order" box (WooCommerce's Additional Checkout Fields API) ticked, lands on the block
order confirmation with the Connect prompt and the reward's offer; connecting there brings the
lead back linked to that order, and the reward to the order's billing email. Unticked, and with
the prompt off for everyone, the confirmation asks nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import eventually
from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.browser import allow_at_the_sandbox, chromium, log_in, screenshot
from tests.wp.checkout_block import block_checkout_in_chromium
from tests.wp.conftest import RunningDaemon
from tests.wp.shop import WC, set_up_shop, shop_only

BOX = "Connect my Instagram after the order"
OFFER = "Connect and get 15% off your next order."
ORDER_FIELD = (
    WC
    + "$order = wc_get_order( (int) $argv[1] );"
    + "echo wp_json_encode( array( $order->get_meta( '_wc_other/igsync/connect-after-order' ),"
    " $order->get_created_via() ) );"
)
REWARD_OF = (
    WC + "$ids = get_posts( array( 'post_type' => 'shop_coupon', 'fields' => 'ids',"
    " 'meta_key' => '_igsync_ig_user_id', 'posts_per_page' => -1 ) );"
    + "$emails = array();"
    + "foreach ( $ids as $id ) { $emails = array_merge( $emails,"
    " ( new WC_Coupon( $id ) )->get_email_restrictions() ); }" + "echo wp_json_encode( $emails );"
)


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """Only the WooCommerce site: the Checkout block is WooCommerce's."""
    yield from shop_only(tmp_path_factory, "blocks")


def test_the_checkout_blocks_box_leads_to_the_prompt_and_the_reward(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    product = set_up_shop(wp)
    admin = wp.admin()
    saved = wp.configure(admin, checkout_field="1", reward_enabled="1", reward_amount="15")
    assert saved.status_code == 200
    daemon.start()
    with chromium() as browser:
        quiet = block_checkout_in_chromium(browser, wp, product, "no.box@example.com")
        assert php_json(wp, ORDER_FIELD, str(quiet)) == ["", "store-api"]
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Order received" in body or "Thank you" in body
        assert not browser.find_elements(By.CSS_SELECTOR, ".igsync-thank-you")

        order = block_checkout_in_chromium(
            browser, wp, product, "box.ticker@example.com", tick=(BOX,), shot="block-checkout-box"
        )
        assert php_json(wp, ORDER_FIELD, str(order)) == ["1", "store-api"]
        prompt = browser.find_element(
            By.CSS_SELECTOR, ".wc-block-order-confirmation-additional-information .igsync-thank-you"
        )
        assert "You asked to connect your Instagram with this order" in prompt.text
        assert OFFER in prompt.text
        for width in (1280, 390):
            browser.set_window_size(width, 1000)
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", prompt)
            screenshot(browser, wp, f"block-order-confirmation-prompt-{width}")
        browser.set_window_size(1280, 1000)
        confirmation = browser.current_url
        prompt.find_element(By.ID, "igsync-connect").click()
        allow_at_the_sandbox(browser, "box.ticker")
        WebDriverWait(browser, 30).until(
            lambda b: b.current_url.startswith(confirmation.split("?")[0])
        )

    lead = (
        "SELECT CONCAT_WS(' ', email, wc_order_id) FROM wp_igsync_leads"
        " WHERE username = 'box.ticker'"
    )
    eventually(lambda: wp.sql(lead).strip() != "", what="the lead of @box.ticker")
    assert wp.sql(lead).strip() == f"box.ticker@example.com {order}"
    eventually(
        lambda: "box.ticker@example.com" in php_json(wp, REWARD_OF),
        what="the reward coupon for the order's billing email",
    )
    assert "no.box@example.com" not in php_json(wp, REWARD_OF)

    with chromium() as browser:  # the owner sees the shopper's answer on the order
        log_in(browser, wp, *ADMIN)
        browser.get(
            str(
                php_json(
                    wp,
                    WC + "echo wp_json_encode("
                    " wc_get_order( (int) $argv[1] )->get_edit_order_url() );",
                    str(order),
                )
            )
        )
        page = browser.find_element(By.TAG_NAME, "body").text
        assert BOX in page
