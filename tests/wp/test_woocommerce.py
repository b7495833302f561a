"""igsync inside a real WooCommerce 10 shop (WordPress 7, High-Performance Order Storage on, as
in a new store): the My Account "Instagram" tab with connect, reconnect and disconnect."""

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
from tests.wordpress import FLAVOURS, SHOPPER, WordPress, start_wordpress
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import leads_screen
from tests.wp.shopper import connect

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
