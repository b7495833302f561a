"""igsync inside a real WooCommerce 10 shop (WordPress 7, High-Performance Order Storage on, as
in a new store): the My Account "Instagram" tab with connect, reconnect and disconnect; a guest
who buys, connects from the thank-you page and later registers; the order screen's box."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from selenium.webdriver.common.by import By
from sqlmodel import col, select

from daemon.models import Customer, Token, TokenStatus
from tests.conftest import eventually
from tests.wordpress import ADMIN, FLAVOURS, SHOPPER, WordPress, start_wordpress
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import leads_screen
from tests.wp.shop import (
    WC,
    buy_and_connect,
    guest_checkout,
    order_box,
    order_screen,
    php_json,
    set_up_shop,
)
from tests.wp.shopper import connect, connect_link, consent, land

NEW_CUSTOMER = (
    "echo wp_json_encode( wc_create_new_customer( $argv[1], $argv[2], wp_generate_password() ) );"
)
SHOP = next(flavour for flavour in FLAVOURS if flavour.woocommerce)


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """Only the WooCommerce site of the matrix: these scenarios need WooCommerce."""
    site = start_wordpress(tmp_path_factory.mktemp(SHOP.name), SHOP)
    yield site
    site.stop()


def instagram_tab(wp: WordPress) -> str:
    assert wp.account_url
    return wp.account_url.rstrip("/") + "/instagram/"


def notices(page: str) -> list[str]:
    """WooCommerce's notices on a page, as text."""
    found = re.findall(
        r'class="(?:woocommerce-(?:message|error|info)|wc-block-components-notice-banner[^"]*)"'
        r"[^>]*>(.*?)</(?:div|ul)>",
        page,
        re.S,
    )
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split()) for text in found]


def disconnect(wp: WordPress, shopper: requests.Session) -> str:
    """Press Disconnect on the tab; the page WooCommerce then shows."""
    tab = shopper.get(instagram_tab(wp), timeout=30).text
    nonce = re.search(
        r'<form method="post" class="igsync-disconnect">\s*<input[^>]*'
        r'name="_wpnonce" value="([^"]+)"',
        tab,
    )
    assert nonce, "no Disconnect button on the tab"
    answer = shopper.post(
        instagram_tab(wp),
        data={"_wpnonce": nonce.group(1), "igsync_disconnect": "1"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.url == instagram_tab(wp)
    return answer.text


def test_the_account_menu_has_an_instagram_tab_to_connect_and_disconnect(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    shopper = wp.login(*SHOPPER)
    account = shopper.get(wp.account_url or "", timeout=30).text
    menu = re.findall(r"woocommerce-MyAccount-navigation-link--([a-z-]+)", account)
    assert "instagram" in menu and menu.index("instagram") == menu.index("customer-logout") - 1
    tab = shopper.get(instagram_tab(wp), timeout=30)
    assert tab.status_code == 200
    assert 'id="igsync-connect"' in tab.text and "Disconnect Instagram" not in tab.text

    daemon.start()
    _, landing = connect(wp, shopper, "tab.shopper", page_url=instagram_tab(wp))
    assert landing.url == instagram_tab(wp)
    eventually(
        lambda: (
            "Connected to Instagram as @tab.shopper"
            in shopper.get(instagram_tab(wp), timeout=30).text
        ),
        what="the tab showing the connection",
    )
    connected = shopper.get(instagram_tab(wp), timeout=30).text
    assert "Disconnect Instagram" in connected and 'id="igsync-connect"' not in connected
    with chromium() as browser:
        log_in(browser, wp, *SHOPPER)
        browser.get(instagram_tab(wp))
        assert browser.find_element(
            By.CSS_SELECTOR, ".woocommerce-MyAccount-navigation-link--instagram.is-active"
        )
        button = browser.find_element(By.NAME, "igsync_disconnect")
        assert "wp-element-button" in (button.get_attribute("class") or "")  # the theme's button
        screenshot(browser, wp, "woocommerce-account-instagram-connected")

    daemon.stop()  # the daemon cannot be asked: nothing changes, and the shopper is told
    refused = disconnect(wp, shopper)
    assert any(
        "could not disconnect your Instagram account just now" in n for n in notices(refused)
    )
    assert "Connected to Instagram as @tab.shopper" in refused

    daemon.start()
    done = disconnect(wp, shopper)
    assert any("Your Instagram account is disconnected" in n for n in notices(done))
    assert "You disconnected your Instagram account" in done
    assert 'id="igsync-connect"' in done and "Disconnect Instagram" not in done
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        customer = session.execute(
            select(Customer).where(col(Customer.username) == "tab.shopper")
        ).scalar_one()  # the customer stays
        token = session.execute(
            select(Token).where(col(Token.customer_id) == customer.id)
        ).scalar_one()
    assert token.status == TokenStatus.REVOKED and token.access_token_ciphertext == ""
    [row] = leads_screen(wp.admin(), wp, s="tab.shopper")
    assert row["status"] == "Disconnected disconnected by the customer"  # the lead stays

    forged = shopper.post(
        instagram_tab(wp), data={"_wpnonce": "0123456789", "igsync_disconnect": "1"}, timeout=30
    )
    assert any("expired" in n for n in notices(forged.text))

    # Connecting again makes the same lead connected again.
    connect(wp, shopper, "tab.shopper", page_url=instagram_tab(wp))
    eventually(
        lambda: "Disconnect Instagram" in shopper.get(instagram_tab(wp), timeout=30).text,
        what="the tab connected again",
    )
    assert {row["status"] for row in leads_screen(wp.admin(), wp, s="tab.shopper")} == {"Connected"}


def test_a_guest_buys_connects_from_the_thank_you_page_and_the_order_shows_it(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    product = set_up_shop(wp)
    with requests.Session() as guest:
        order = guest_checkout(wp, guest, product, "gia.guest@example.com")
        thank_you = order["payment_result"]["redirect_url"]
        assert 'id="igsync-connect"' not in guest.get(thank_you, timeout=30).text  # off by default

    admin = wp.admin()
    assert wp.configure(admin, thank_you_prompt="1").status_code == 200
    daemon.start()
    with requests.Session() as guest:
        waiting = guest_checkout(wp, guest, product, "someone.else@example.com")
    with chromium() as browser:
        browser.get(waiting["payment_result"]["redirect_url"])
        prompt = browser.find_element(By.CSS_SELECTOR, ".igsync-thank-you")
        assert "Connect your Instagram" in prompt.text
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", prompt)
        screenshot(browser, wp, "woocommerce-thank-you-prompt")
    order = buy_and_connect(wp, product, "gia.guest@example.com", "gia.buys.linen")
    thank_you = order["payment_result"]["redirect_url"]
    lead = wp.sql(
        "SELECT CONCAT_WS(' ', email, wc_order_id, IFNULL(wp_user_id, 'guest'))"
        " FROM wp_igsync_leads WHERE username = 'gia.buys.linen'"
    ).strip()
    assert lead == f"gia.guest@example.com {order['order_id']} guest"
    with requests.Session() as guest:  # the order's page now thanks them instead of asking
        again = guest.get(thank_you, timeout=30).text
        assert "Thank you for connecting your Instagram, @gia.buys.linen." in again
        assert 'id="igsync-connect"' not in again
    box = order_box(admin.get(order_screen(wp, order["order_id"]), timeout=30).text)
    assert "@gia.buys.linen" in box and "Connected" in box

    # Someone whose email differs by a letter registers first: nothing of Gia's becomes theirs.
    php_json(wp, WC + NEW_CUSTOMER, "gia.guest@example.co", "gia2")
    assert (
        "@gia.buys.linen" not in admin.get(f"{wp.url}/wp-admin/users.php?s=gia2", timeout=30).text
    )
    # When Gia registers with the email she ordered with, the lead becomes her account's.
    registered = php_json(wp, WC + NEW_CUSTOMER, "gia.guest@example.com", "gia")
    users = admin.get(f"{wp.url}/wp-admin/users.php?s=gia", timeout=30).text
    assert "@gia.buys.linen" in users
    [row] = leads_screen(admin, wp, s="gia.buys.linen")
    assert row["customer"] == "gia"
    linked = wp.sql("SELECT wp_user_id FROM wp_igsync_leads WHERE username = 'gia.buys.linen'")
    assert linked.strip() == str(registered)

    # A start link whose order key is not the order's vouches for nothing.
    with requests.Session() as guest:
        forged = guest_checkout(wp, guest, product, "forger@example.com")
        link = connect_link(wp, guest, forged["payment_result"]["redirect_url"])
        link = re.sub(r"wc_order_key=[^&]+", "wc_order_key=wc_order_forged", link)
        start = guest.get(link, allow_redirects=False, timeout=30)
        callback = consent(guest, start.headers["Location"], "forged.order")
        land(guest, guest.get(callback, allow_redirects=False, timeout=30))
    leads = (
        "SELECT CONCAT_WS(' ', IFNULL(email, '-'), IFNULL(wc_order_id, '-')) FROM wp_igsync_leads"
    )
    forged_lead = f"{leads} WHERE username = 'forged.order'"
    eventually(lambda: wp.sql(forged_lead).strip() != "", what="the forged link's lead")
    assert wp.sql(forged_lead).strip() == "- -"

    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(order_screen(wp, order["order_id"]))
        box_element = browser.find_element(By.ID, "igsync-order-instagram")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box_element)
        assert "@gia.buys.linen" in box_element.text
        screenshot(browser, wp, "woocommerce-order-instagram-box")


COMPATIBILITY = """
use Automattic\\WooCommerce\\Internal\\Features\\FeaturesController;
use Automattic\\WooCommerce\\Utilities\\OrderUtil;
$features = wc_get_container()->get( FeaturesController::class );
$compatible = array();
foreach ( array( 'custom_order_tables', 'cart_checkout_blocks' ) as $feature ) {
	$plugins = $features->get_compatible_plugins_for_feature( $feature, true );
	$ours    = in_array( 'igsync-bridge/igsync-bridge.php', $plugins['compatible'], true );
	$compatible[ $feature ] = $ours;
}
echo wp_json_encode( array(
	'compatible' => $compatible,
	'hpos'       => OrderUtil::custom_orders_table_usage_is_enabled(),
) );
"""


def test_woocommerce_knows_igsync_is_compatible_with_hpos_and_the_block_checkout(
    configured: WordPress,
) -> None:
    found = php_json(configured, WC + COMPATIBILITY)
    assert found == {
        "compatible": {"custom_order_tables": True, "cart_checkout_blocks": True},
        "hpos": True,  # the default of a new WooCommerce 10 store, which these tests run on
    }
    header = (configured.root / "wp-content/plugins/igsync-bridge/igsync-bridge.php").read_text()
    assert re.search(r"WC requires at least: +\d", header)
    assert re.search(r"WC tested up to: +10\.0", header)
