"""igsync inside a real WooCommerce 10 shop (WordPress 7, High-Performance Order Storage on, as
in a new store): the My Account "Instagram" tab with connect, reconnect and disconnect; a guest
who buys, connects from the thank-you page and later registers; the order screen's box."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from sqlmodel import col, select

from daemon.store.models import Customer, Token
from daemon.store.statuses import TokenStatus
from tests.conftest import eventually
from tests.wordpress import ADMIN, FLAVOURS, SHOPPER, WordPress, php_json, start_wordpress
from tests.wp.browser import allow_at_the_sandbox, chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import leads_screen
from tests.wp.pushes import a_lead, an_event, push
from tests.wp.shop import (
    WC,
    apply_coupon,
    buy_and_connect,
    cart_with,
    checkout,
    guest_checkout,
    instagram_tab,
    notices,
    order_box,
    order_screen,
    set_up_shop,
)
from tests.wp.shopper import connect, connect_link, consent, land
from wp_bridge.signing import Signer
from wp_bridge.wordpress import WordPressClient

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


def disconnect(wp: WordPress, shopper: requests.Session, *, erase: bool = False) -> str:
    """Press Disconnect on the tab (ticking "also erase" if asked); the page then shown."""
    tab = shopper.get(instagram_tab(wp), timeout=30).text
    nonce = re.search(
        r'<form method="post" class="igsync-disconnect">\s*<input[^>]*'
        r'name="_wpnonce" value="([^"]+)"',
        tab,
    )
    assert nonce, "no Disconnect button on the tab"
    answer = shopper.post(
        instagram_tab(wp),
        data={"_wpnonce": nonce.group(1), "igsync_disconnect": "1"}
        | ({"igsync_erase": "1"} if erase else {}),
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
    picture = re.search(r'class="igsync-account__picture" src="([^"]+)"', connected)
    assert picture and picture.group(1).endswith("/pictures/tab.shopper.svg")
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

    # Disconnecting with "also erase": nothing of the account stays, here or in the daemon.
    erased = disconnect(wp, shopper, erase=True)
    assert any("its details are erased from this shop" in n for n in notices(erased))
    assert leads_screen(wp.admin(), wp, s="tab.shopper") == []
    assert "@tab.shopper" not in erased and 'id="igsync-connect"' in erased
    with daemon.daemon.store.read() as session:
        assert (
            session.execute(select(Customer).where(col(Customer.username) == "tab.shopper")).first()
            is None
        )


def test_a_guest_buys_connects_from_the_thank_you_page_and_the_order_shows_it(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str]
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
    page = wp.sql("SELECT return_url FROM wp_igsync_leads WHERE username = 'gia.buys.linen'")
    assert "order-received" in page and "key=" not in page  # the order key never left the page
    with requests.Session() as guest:  # the order's page now thanks them instead of asking
        again = guest.get(thank_you, timeout=30).text
        assert "Thank you for connecting your Instagram, @gia.buys.linen." in again
        assert 'id="igsync-connect"' not in again
    box = order_box(admin.get(order_screen(wp, order["order_id"]), timeout=30).text)
    assert "@gia.buys.linen" in box and "Connected" in box
    assert re.search(r"[\d,]+ followers", box)  # Instagram Login's figures, sent with the lead
    # A later event of the connection with a new count: the box follows.
    gia = (
        "SELECT ig_user_id, idempotency_key FROM wp_igsync_leads WHERE username = 'gia.buys.linen'"
    )
    ig_user_id, key = wp.sql(gia).split()
    update = an_event(
        {"idempotency_key": key, "ig_user_id": ig_user_id, "username": "gia.buys.linen"},
        "updated",
        2,
        followers_count=1234,
    )
    assert push(wp, Signer(shared["secret"]), update).json()["status"] == "updated"
    box = order_box(admin.get(order_screen(wp, order["order_id"]), timeout=30).text)
    assert "1,234 followers" in box

    # An email typed at registration or checkout proves nothing: Gia's lead stays hers alone.
    php_json(wp, WC + NEW_CUSTOMER, "gia.guest@example.co", "gia2")
    registered = php_json(wp, WC + NEW_CUSTOMER, "gia.guest@example.com", "gia")
    taker = wp.login(*SHOPPER)
    headers = cart_with(wp, taker, product)
    assert checkout(wp, taker, headers, "gia.guest@example.com")["order_id"]
    linked = (
        "SELECT IFNULL(wp_user_id, 'guest') FROM wp_igsync_leads WHERE username = 'gia.buys.linen'"
    )
    assert wp.sql(linked).strip() == "guest"
    for who in ("gia", "gia2", SHOPPER[0]):
        users = admin.get(f"{wp.url}/wp-admin/users.php?s={who}", timeout=30).text
        assert "@gia.buys.linen" not in users, who
    assert "@gia.buys.linen" not in taker.get(instagram_tab(wp), timeout=30).text
    # The order she connected from becomes her account's (the owner links it, as WooCommerce's
    # "link previous orders" does): that order is the proof, and the lead follows it.
    php_json(
        wp,
        WC + "$o = wc_get_order( (int) $argv[1] ); $o->set_customer_id( (int) $argv[2] );"
        " echo wp_json_encode( $o->save() );",
        str(order["order_id"]),
        str(registered),
    )
    users = admin.get(f"{wp.url}/wp-admin/users.php?s=gia", timeout=30).text
    assert "@gia.buys.linen" in users
    [row] = leads_screen(admin, wp, s="gia.buys.linen")
    assert row["customer"] == "gia"
    assert wp.sql(linked).strip() == str(registered)

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


MAIL_KEEPER = r"""<?php
// The shop's mail, kept instead of sent (a test machine has no mail server).
add_filter( 'pre_wp_mail', function ( $sent, $mail ) {
	$kept   = (array) get_option( 'mailtest_kept', array() );
	$kept[] = array(
		'to' => $mail['to'], 'subject' => $mail['subject'], 'body' => $mail['message'],
	);
	update_option( 'mailtest_kept', $kept, false );
	return true;
}, 10, 2 );
"""

COUPONS = WC + (
    "echo wp_json_encode( get_posts( array( 'post_type' => 'shop_coupon', 'post_status' => 'any',"
    " 'numberposts' => -1, 'fields' => 'ids' ) ) );"
)


REWARDED = "username = 'rewarded.shopper'"


def coupons(wp: WordPress) -> int:
    """Every coupon the shop has, trashed ones too."""
    return int(wp.sql("SELECT COUNT(*) FROM wp_posts WHERE post_type = 'shop_coupon'").strip())


def kept_mail(wp: WordPress, about: str) -> list[dict[str, str]]:
    """The emails the shop sent whose subject mentions `about`."""
    kept = php_json(wp, WC + "echo wp_json_encode( (array) get_option( 'mailtest_kept' ) );")
    return [mail for mail in kept if about in mail["subject"]]


def test_the_first_connection_earns_one_coupon_that_works_once(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str], tmp_path: Path
) -> None:
    wp = configured
    mu_plugins = wp.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    (mu_plugins / "mailtest.php").write_text(MAIL_KEEPER)
    product = set_up_shop(wp)
    admin = wp.admin()
    saved = wp.configure(admin, reward_enabled="1", reward_amount="10", reward_days="30")
    assert saved.status_code == 200 and "Settings saved." in saved.text
    emails = admin.get(f"{wp.url}/wp-admin/admin.php?page=wc-settings&tab=email", timeout=30)
    assert "Instagram connection reward" in emails.text  # WooCommerce's own list, to switch off
    # The customer has no Instagram connection yet (whatever an earlier scenario left).
    wp.sql(f"DELETE FROM wp_usermeta WHERE user_id = {wp.shopper_id} AND meta_key LIKE 'igsync%'")  # noqa: S608
    daemon.start()
    shopper = wp.login(*SHOPPER)
    connect(wp, shopper, "rewarded.shopper", page_url=instagram_tab(wp))
    eventually(
        lambda: "Your reward for connecting" in shopper.get(instagram_tab(wp), timeout=30).text,
        what="the reward on the Instagram tab",
    )
    tab = shopper.get(instagram_tab(wp), timeout=30).text
    code = re.search(r'class="igsync-reward__code">([A-Z0-9-]+)<', tab)
    assert code and "10% off your next order" in tab
    [mail] = kept_mail(wp, "reward")
    assert mail["to"] == "shopper@example.com" and code.group(1) in mail["body"]
    assert mail["subject"] == "Your reward for connecting Instagram with igsync test shop"
    letter = tmp_path / "reward-email.html"
    letter.write_text(mail["body"])
    with chromium() as browser:
        browser.get(letter.as_uri())
        assert code.group(1) in browser.find_element(By.TAG_NAME, "body").text
        screenshot(browser, wp, "woocommerce-reward-email")
        log_in(browser, wp, *SHOPPER)
        browser.get(instagram_tab(wp))
        browser.find_element(By.CSS_SELECTOR, ".igsync-reward")
        screenshot(browser, wp, "woocommerce-account-instagram-reward")

    # At checkout the coupon takes its 10% off, once.
    headers = cart_with(wp, shopper, product)
    applied = apply_coupon(wp, shopper, headers, code.group(1))
    assert applied.status_code == 200, applied.text
    order = checkout(wp, shopper, headers, "shopper@example.com")
    assert order["order_id"] and order["status"] == "processing"
    total = php_json(
        wp,
        WC + "echo wp_json_encode( wc_get_order( (int) $argv[1] )->get_total() );",
        str(order["order_id"]),
    )
    assert float(total) == 22.5
    headers = cart_with(wp, shopper, product)
    again = apply_coupon(wp, shopper, headers, code.group(1))
    assert again.status_code == 400 and "Usage limit" in again.json()["message"]
    assert "used, thank you!" in shopper.get(instagram_tab(wp), timeout=30).text

    # Disconnecting and connecting again, or the same account through another user, earns nothing.
    disconnect(wp, shopper)
    connect(wp, shopper, "rewarded.shopper", page_url=instagram_tab(wp))
    eventually(
        lambda: "Disconnect Instagram" in shopper.get(instagram_tab(wp), timeout=30).text,
        what="the tab connected again",
    )
    connect(wp, admin, "rewarded.shopper")
    # The reconnection updated the customer's lead in place; the administrator's is a second.
    admins = (
        f"SELECT COUNT(*) FROM wp_igsync_leads WHERE {REWARDED} AND wp_user_id <> {wp.shopper_id}"  # noqa: S608
    )
    eventually(lambda: wp.sql(admins).strip() == "1", what="the administrator's lead")
    leads = f"SELECT COUNT(*) FROM wp_igsync_leads WHERE {REWARDED}"  # noqa: S608
    assert wp.sql(leads).strip() == "2"
    assert coupons(wp) == 1
    assert len(kept_mail(wp, "reward")) == 1

    # The owner trashes the coupon: the account has still had its reward.
    account = wp.sql(f"SELECT ig_user_id FROM wp_igsync_leads WHERE {REWARDED} LIMIT 1")  # noqa: S608
    account = account.strip()
    [coupon_id] = php_json(wp, COUPONS)
    php_json(
        wp, WC + "echo wp_json_encode( (bool) wp_trash_post( (int) $argv[1] ) );", str(coupon_id)
    )
    signer = Signer(shared["secret"])
    again_lead = a_lead(ig_user_id=account, username="rewarded.shopper", wp_user_id=wp.shopper_id)
    assert push(wp, signer, again_lead).status_code == 201
    assert coupons(wp) == 1
    # The plugin deleted and installed again (its claims gone): the coupon still says it.
    wp.sql(f"UPDATE wp_posts SET post_status = 'publish' WHERE ID = {coupon_id}")  # noqa: S608
    wp.sql("DELETE FROM wp_options WHERE option_name LIKE 'igsync\\_reward\\_%'")
    after_reinstall = {**again_lead, "idempotency_key": "igsync-lead-after-reinstall"}
    assert push(wp, signer, after_reinstall).status_code == 201
    assert coupons(wp) == 1
    assert len(kept_mail(wp, "reward")) == 1


def reward_coupons(wp: WordPress, email: str) -> int:
    """The reward coupons restricted to this email (WooCommerce keeps the list serialised)."""
    return int(
        wp.sql(
            "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id"  # noqa: S608
            " WHERE p.post_type = 'shop_coupon' AND m.meta_key = 'customer_email'"
            f" AND m.meta_value LIKE '%\"{email}\"%'"
        ).strip()
    )


SANDBOX_MODE = (
    "$s = (array) get_option( 'igsync_settings' ); $s['sandbox'] = $argv[1];"
    " update_option( 'igsync_settings', $s ); echo wp_json_encode( true );"
)
PENDING_ORDER = WC + (
    "$o = wc_create_order(); $o->set_billing_email( $argv[1] ); $o->save();"
    " echo wp_json_encode( $o->get_id() );"
)


def test_one_reward_per_customer_per_email_per_order_and_none_for_made_up_accounts(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    set_up_shop(wp)
    admin = wp.admin()
    assert wp.configure(admin, reward_enabled="1").status_code == 200
    signer = Signer(shared["secret"])
    farmer = php_json(wp, WC + NEW_CUSTOMER, "farmer@example.com", "farmer")

    # One customer, five Instagram accounts: one reward.
    for _ in range(5):
        assert push(wp, signer, a_lead(wp_user_id=farmer)).status_code == 201
    assert reward_coupons(wp, "farmer@example.com") == 1
    # Guests: one per email however it is typed, one per order.
    first = php_json(wp, PENDING_ORDER, "guest.farmer@example.com")
    for email in ("guest.farmer@example.com", "Guest.Farmer+2@Example.com"):
        order = php_json(wp, PENDING_ORDER, email)
        assert push(wp, signer, a_lead(email=email, wc_order_id=order)).status_code == 201
    assert push(wp, signer, a_lead(email="other@example.com", wc_order_id=first)).status_code == 201
    assert push(wp, signer, a_lead(email="other@example.com", wc_order_id=first)).status_code == 201
    assert reward_coupons(wp, "guest.farmer@example.com") == 1
    assert reward_coupons(wp, "guest.farmer+2@example.com") == 0
    assert reward_coupons(wp, "other@example.com") == 1

    # Sandbox mode: the accounts are made up, so no reward unless the owner asks for one.
    php_json(wp, WC + SANDBOX_MODE, "1")
    try:
        page = admin.get(f"{wp.url}/wp-admin/options-general.php?page=igsync", timeout=30).text
        assert "anyone can make up an account" in page
        order = php_json(wp, PENDING_ORDER, "sandbox.guest@example.com")
        lead = a_lead(email="sandbox.guest@example.com", wc_order_id=order)
        assert push(wp, signer, lead).status_code == 201
        assert reward_coupons(wp, "sandbox.guest@example.com") == 0
        assert wp.configure(admin, reward_sandbox="1").status_code == 200
        order = php_json(wp, PENDING_ORDER, "sandbox.tester@example.com")
        lead = a_lead(email="sandbox.tester@example.com", wc_order_id=order)
        assert push(wp, signer, lead).status_code == 201
        assert reward_coupons(wp, "sandbox.tester@example.com") == 1
    finally:
        php_json(wp, WC + SANDBOX_MODE, "")

    # "Only once the customer has a paid order": the reward waits for the payment.
    assert wp.configure(admin, reward_paid_only="1").status_code == 200
    try:
        order = php_json(wp, PENDING_ORDER, "pays.later@example.com")
        lead = a_lead(email="pays.later@example.com", wc_order_id=order)
        assert push(wp, signer, lead).status_code == 201
        assert reward_coupons(wp, "pays.later@example.com") == 0
        php_json(
            wp,
            WC + "wc_get_order( (int) $argv[1] )->update_status( 'processing' );"
            " echo wp_json_encode( true );",
            str(order),
        )
        assert reward_coupons(wp, "pays.later@example.com") == 1
    finally:
        assert wp.configure(admin, reward_paid_only="", reward_sandbox="").status_code == 200


COUPON_TRACE = (
    "SELECT CONCAT_WS('|', p.post_status, p.post_excerpt,"
    " (SELECT COUNT(*) FROM wp_postmeta m WHERE m.post_id = p.ID"
    "  AND m.meta_key IN ('_igsync_ig_user_id', 'customer_email')))"
    " FROM wp_posts p WHERE p.ID = {}"
)


def test_erasing_a_person_leaves_no_coupon_that_names_them(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """Meta's deletion, the privacy eraser and the shopper's erase end in the same place: an
    unused reward coupon goes; a used one stays for the books, naming nobody."""
    wp = configured
    set_up_shop(wp)
    admin = wp.admin()
    assert wp.configure(admin, reward_enabled="1").status_code == 200
    client = WordPressClient(wp.url, Signer(shared["secret"]))
    coupon_of = (
        "SELECT post_id FROM wp_postmeta WHERE meta_key = '_igsync_ig_user_id'"
        " AND meta_value = '{}'"
    )
    kept = {}
    for email in ("unused.reward@example.com", "used.reward@example.com"):
        user = php_json(wp, WC + NEW_CUSTOMER, email, email.split("@")[0])
        lead = a_lead(wp_user_id=user, username=email.split(".")[0] + ".erased")
        assert push(wp, Signer(shared["secret"]), lead).status_code == 201
        kept[email] = (lead["ig_user_id"], int(wp.sql(coupon_of.format(lead["ig_user_id"]))))
    # The person's data export lists the coupon beside the connection.
    exported = php_json(
        wp,
        WC + "echo wp_json_encode( Igsync_Privacy::export( $argv[1] ) );",
        "used.reward@example.com",
    )
    names = [field["name"] for item in exported["data"] for field in item["data"]]
    assert "Reward coupon" in names
    used_id = kept["used.reward@example.com"][1]
    used = "UPDATE wp_postmeta SET meta_value = '1' WHERE meta_key = 'usage_count' AND post_id = "
    wp.sql(used + str(used_id))
    for ig_user_id, _ in kept.values():
        assert client.erase(ig_user_id, "0123456789abcdef") >= 1
    client.close()
    unused_id = kept["unused.reward@example.com"][1]
    assert wp.sql(COUPON_TRACE.format(unused_id)).strip() == ""  # gone
    status, description, naming = wp.sql(COUPON_TRACE.format(used_id)).strip().split("|")
    assert status == "publish" and "@" not in description and naming == "0"
    assert "used.erased" not in description


CLASSIC_THEME = Path("/usr/share/wordpress/wp-content/themes/twentytwentyone")
SWITCH_THEME = "require 'wp-load.php'; switch_theme( $argv[1] ); echo wp_json_encode( true );"
GAP = """
var above = document.querySelector(arguments[0]);
var button = document.getElementById('igsync-connect');
var a = above.getBoundingClientRect(), b = button.getBoundingClientRect();
return {gap: b.top - a.bottom, above: a.height, button: b.height};
"""


@pytest.mark.parametrize("theme", ["twentytwentyfive", "twentytwentyone", "twentytwentythree"])
def test_the_instagram_tab_after_disconnect_and_cancel_in_block_and_classic_themes(
    configured: WordPress, daemon: RunningDaemon, theme: str
) -> None:
    """The Connect button sits below the status text it follows, never over it, and a notice
    above it keeps its distance: in the block themes and in a classic one (Twenty Twenty-One,
    as Storefront-like themes are)."""
    wp = configured
    if theme == "twentytwentyone":
        themes = wp.root / "wp-content" / "themes"
        if not (themes / theme).exists():
            shutil.copytree(CLASSIC_THEME, themes / theme)
    php_json(wp, SWITCH_THEME, theme)
    # The customer has no Instagram connection yet (whatever an earlier scenario left).
    wp.sql(f"DELETE FROM wp_usermeta WHERE user_id = {wp.shopper_id} AND meta_key LIKE 'igsync%'")  # noqa: S608
    try:
        daemon.start()
        shopper = wp.login(*SHOPPER)
        connect(wp, shopper, f"tab.{theme[6:]}", page_url=instagram_tab(wp))
        eventually(
            lambda: "Disconnect Instagram" in shopper.get(instagram_tab(wp), timeout=30).text,
            what="the tab connected",
        )
        disconnect(wp, shopper)
        with chromium() as browser:
            log_in(browser, wp, *SHOPPER)
            for width in (1280, 600):
                browser.set_window_size(width, 1000)
                browser.get(instagram_tab(wp))
                placed = browser.execute_script(GAP, ".igsync-status--disconnected")
                assert placed["gap"] >= 8, (theme, width, placed)
                screenshot(browser, wp, f"woocommerce-account-disconnected-{theme}-{width}")
            browser.set_window_size(1280, 1000)
            browser.find_element(By.ID, "igsync-connect").click()
            browser.find_element(By.ID, "deny").click()
            notice = ".woocommerce-info, .wc-block-components-notice-banner, .woocommerce-message"
            browser.find_element(By.CSS_SELECTOR, notice)
            placed = browser.execute_script(GAP, notice)
            assert placed["gap"] >= 8, (theme, placed)
            screenshot(browser, wp, f"woocommerce-account-cancelled-{theme}")
    finally:
        php_json(wp, SWITCH_THEME, "twentytwentyfive")


def test_the_reward_is_offered_where_shoppers_decide_and_the_tab_shows_the_connection_by_itself(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """With the reward on, the thank-you prompt and My Account > Instagram say what connecting
    earns before the shopper connects; after Allow the tab turns to "Connected" without a
    reload by hand."""
    wp = configured
    product = set_up_shop(wp)
    admin = wp.admin()
    saved = wp.configure(admin, reward_enabled="1", reward_amount="15", thank_you_prompt="1")
    assert saved.status_code == 200
    offer = "Connect and get 15% off your next order."
    with requests.Session() as guest:
        order = guest_checkout(wp, guest, product, "offered.guest@example.com")
        prompt = guest.get(order["payment_result"]["redirect_url"], timeout=30).text
    assert offer in prompt and "Follow along" not in prompt
    wp.sql(f"DELETE FROM wp_usermeta WHERE user_id = {wp.shopper_id} AND meta_key LIKE 'igsync%'")  # noqa: S608
    daemon.start()
    with chromium() as browser:
        log_in(browser, wp, *SHOPPER)
        browser.get(instagram_tab(wp))
        assert offer in browser.find_element(By.CSS_SELECTOR, ".igsync-reward-offer").text
        screenshot(browser, wp, "woocommerce-account-instagram-offer")
        browser.find_element(By.ID, "igsync-connect").click()
        allow_at_the_sandbox(browser, "sees.it.live")
        # The tab reloads itself once connected: a body read as the reload begins is stale.
        WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda page: (
                "Connected to Instagram as @sees.it.live"
                in page.find_element(By.TAG_NAME, "body").text
            )
        )
        screenshot(browser, wp, "woocommerce-account-instagram-connected-live")
    assert wp.configure(admin, reward_enabled="", thank_you_prompt="").status_code == 200


def test_a_sandbox_lead_is_said_so_on_the_order_screen_and_in_the_new_lead_email(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """The order box and the owner's email tell a sandbox lead apart: no link to a stranger who
    may own the made-up name on Instagram."""
    wp = configured
    mu_plugins = wp.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    (mu_plugins / "mailtest.php").write_text(MAIL_KEEPER)
    set_up_shop(wp)
    admin = wp.admin()
    assert wp.configure(admin, notify_leads="1").status_code == 200
    order = php_json(wp, PENDING_ORDER, "sandbox.buyer@example.com")
    php_json(wp, WC + SANDBOX_MODE, "1")
    try:
        lead = a_lead(
            username="made.up.buyer", email="sandbox.buyer@example.com", wc_order_id=order
        )
        assert push(wp, Signer(shared["secret"]), lead).status_code == 201
    finally:
        php_json(wp, WC + SANDBOX_MODE, "")
    box = admin.get(order_screen(wp, order), timeout=30).text
    box = box[box.index('id="igsync-order-instagram"') :]
    box = box[: box.index("</div>\n</div>") if "</div>\n</div>" in box else 4000]
    assert "@made.up.buyer" in box and "Sandbox" in box
    assert "instagram.com/made.up.buyer" not in box
    [mail] = kept_mail(wp, "made.up.buyer")
    assert "sandbox lead (not Instagram)" in mail["subject"]
    assert "made up on the igsync sandbox's page" in mail["body"]
    assert wp.configure(admin, notify_leads="").status_code == 200


def test_uninstalling_leaves_no_reward_coupon_that_names_anyone(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """The last scenario of this module (it removes the plugin's data): the reward coupons
    stay in the shop's books, naming nobody; an unused one goes."""
    wp = configured
    set_up_shop(wp)
    assert wp.configure(wp.admin(), reward_enabled="1").status_code == 200
    user = php_json(wp, WC + NEW_CUSTOMER, "leaving@example.com", "leaving")
    lead = a_lead(wp_user_id=user, username="leaving.soon")
    assert push(wp, Signer(shared["secret"]), lead).status_code == 201
    assert reward_coupons(wp, "leaving@example.com") == 1
    php_json(
        wp,
        WC + "require_once WP_PLUGIN_DIR . '/igsync-bridge/includes/class-igsync-uninstaller.php';"
        " Igsync_Uninstaller::site(); echo wp_json_encode( true );",
    )
    naming = wp.sql(
        "SELECT COUNT(*) FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id"
        " WHERE p.post_type = 'shop_coupon'"
        " AND m.meta_key IN ('_igsync_ig_user_id', 'customer_email')"
    )
    assert naming.strip() == "0" and reward_coupons(wp, "leaving@example.com") == 0
    assert "leaving.soon" not in wp.sql("SELECT post_excerpt FROM wp_posts")
