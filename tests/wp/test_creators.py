"""The creator program (WooCommerce): a connected customer becomes a creator with a code made
from their username; orders placed with it through the block checkout (the Store API) and the
classic checkout are theirs, with revenue taken back by refunds and cancellations and
commission on completed orders; their own orders earn nothing; one code per Instagram account
and per customer; sandbox accounts get none unless the owner tries the program; erasing the
person leaves no code or record that names them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.wordpress import ADMIN, SHOPPER, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.checkout_block import block_checkout_in_chromium
from tests.wp.creators import (
    apply_as_creator,
    classic_checkout,
    classic_checkout_page,
    code_on,
    creator_section,
    open_program,
    order_id_of,
    order_with_code,
    refund,
    set_order,
)
from tests.wp.leads_screen import leads_html, parse_rows
from tests.wp.pushes import a_lead, an_event, push
from tests.wp.shop import (
    WC,
    apply_coupon,
    cart_with,
    checkout,
    instagram_tab,
    notices,
    order_box,
    order_screen,
    set_up_shop,
    shop_only,
)
from wp_bridge.signing import Signer

NANO = {"name": "Nano", "amount": "10"}
MICRO = {"name": "Micro", "min_followers": 5000, "amount": "15", "commission": "5"}

CREATOR_OF_USER = WC + (
    "echo wp_json_encode( (int) Igsync_Creators::of_user( (int) $argv[1] )['id'] );"
)
NEW_CUSTOMER = WC + (
    "echo wp_json_encode( wc_create_new_customer( $argv[1], $argv[2], $argv[3] ) );"
)


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """Only the WooCommerce site of the matrix: the program needs WooCommerce."""
    yield from shop_only(tmp_path_factory, "creators")


def connected_customer(
    wp: WordPress, signer: Signer, username: str, user_id: int, **fields: object
) -> dict[str, object]:
    """A customer whose Instagram account the daemon has pushed as connected."""
    lead = a_lead(username=username, wp_user_id=user_id, **fields)
    assert push(wp, signer, lead).status_code == 201
    return lead


def password_of(name: str) -> str:
    return "pw-" + name + "-x7Q!"


def new_customer(wp: WordPress, name: str) -> tuple[int, requests.Session]:
    password = password_of(name)
    user_id = int(php_json(wp, NEW_CUSTOMER, f"{name}@example.com", name, password))
    return user_id, wp.login(name, password)


SANDBOX_MODE = WC + (
    "$s = get_option( 'igsync_settings' ); $s['sandbox'] = $argv[1];"
    " update_option( 'igsync_settings', $s ); echo wp_json_encode( Igsync_Settings::is_sandbox() );"
)


def sandbox_mode(wp: WordPress, on: bool) -> None:
    """The site paired with the sandbox (its accounts made up), or not."""
    assert php_json(wp, SANDBOX_MODE, "1" if on else "") is on


def creator_coupons(wp: WordPress) -> list[str]:
    return wp.sql(
        "SELECT p.post_title FROM wp_posts p JOIN wp_postmeta m ON m.post_id = p.ID"
        " WHERE p.post_type = 'shop_coupon' AND m.meta_key = '_igsync_creator_id'"
    ).split()


def test_a_customer_becomes_a_creator_and_the_orders_with_their_code_are_theirs(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    product = set_up_shop(wp)
    open_program(
        wp, tiers=[{"name": "Creator", "amount": "10", "commission": "5", "uses_per_customer": 1}]
    )
    signer = Signer(shared["secret"])
    connected_customer(wp, signer, "carla.crafts", wp.shopper_id)
    shopper = wp.login(*SHOPPER)
    offer = creator_section(shopper.get(instagram_tab(wp), timeout=30).text)
    assert "they get 10% off their order" in offer and "You earn 5% of what they buy" in offer

    page = apply_as_creator(wp, shopper)
    assert "Welcome to the creator program! Your code is CARLACRAFTS." in notices(page)
    assert code_on(page) == "CARLACRAFTS"
    section = creator_section(page)
    assert "10% off for your followers · Creator tier" in section
    assert "Use my code CARLACRAFTS for 10% off at igsync test shop:" in section
    assert "What the shop sees: your Instagram username" in section
    assert "it also sees your reach" not in section  # no insights asked for, none read
    assert creator_coupons(wp) == ["carlacrafts"]

    # A follower orders through the block checkout's API with the code, typed in lower case.
    order = order_with_code(wp, product, "carlacrafts", "follower@example.com")
    assert order["status"] == "processing"
    section = creator_section(shopper.get(instagram_tab(wp), timeout=30).text)
    assert "Orders with your code 1" in section
    assert "Their purchases $22.50" in section and "Your commission $0.00" in section

    set_order(wp, order["order_id"], "completed")  # commission accrues: 5% of 22.50
    assert "Your commission $1.13" in creator_section(
        shopper.get(instagram_tab(wp), timeout=30).text
    )
    refund(wp, order["order_id"], "10")  # what was given back no longer counts
    section = creator_section(shopper.get(instagram_tab(wp), timeout=30).text)
    assert "Their purchases $12.50" in section and "Your commission $0.63" in section
    box = order_box(wp.admin().get(order_screen(wp, order["order_id"]), timeout=30).text)
    assert "Creator code CARLACRAFTS of @carla.crafts" in box
    assert "Counts $12.50, commission $0.63" in box

    # The owner pays the commission as store credit, once however often the link is followed.
    admin = wp.admin()
    page = admin.get(creator_page(creators_screen(admin, wp), "carla.crafts"), timeout=30).text
    pay = re.search(r'id="igsync-pay-credit" class="page-title-action" href="([^"]+)"', page)
    assert pay and "Pay $0.63 as store credit" in html.unescape(page)
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(creator_page(creators_screen(admin, wp), "carla.crafts"))
        for width in (1280, 390):
            browser.set_window_size(width, 1100)
            browser.find_element(By.ID, "igsync-pay-credit")
            screenshot(browser, wp, f"wp-admin-creator-payout-{width}")
    paid = admin.get(html.unescape(pay.group(1)), timeout=30)
    assert "Commission paid as store credit" in paid.text and "igsync-pay-credit" not in paid.text
    again = admin.get(html.unescape(pay.group(1)), timeout=30)
    assert "Nothing was paid: nothing is due" in again.text
    credit = re.search(
        r'class="igsync-creator__credit">(CREDIT-[A-Z0-9]+)<',
        shopper.get(instagram_tab(wp), timeout=30).text,
    )
    assert credit, "no store credit on the tab"
    coupon = php_json(
        wp,
        WC
        + "$c = new WC_Coupon( $argv[1] ); echo wp_json_encode( array( $c->get_amount(),"
        + " $c->get_email_restrictions(), $c->get_usage_limit() ) );",
        credit.group(1),
    )
    assert coupon == ["0.63", ["shopper@example.com"], 1]
    with chromium() as browser:
        log_in(browser, wp, *SHOPPER)
        for width in (1280, 390):
            browser.set_window_size(width, 1400)
            browser.get(instagram_tab(wp))
            credit_code = browser.find_element(By.CSS_SELECTOR, ".igsync-creator__credit")
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", credit_code)
            screenshot(browser, wp, f"woocommerce-account-creator-credit-{width}")

    # A second follower through the classic checkout; then cancelled, it counts nothing.
    classic = classic_checkout_page(wp)
    with requests.Session() as second:
        placed = classic_checkout(wp, second, classic, product, "second@example.com", "CarlaCrafts")
    second_order = order_id_of(str(placed["redirect"]))
    section = creator_section(shopper.get(instagram_tab(wp), timeout=30).text)
    assert "Orders with your code 2" in section and "Their purchases $35.00" in section
    set_order(wp, second_order, "cancelled")
    section = creator_section(shopper.get(instagram_tab(wp), timeout=30).text)
    assert "Orders with your code 1" in section and "Their purchases $12.50" in section

    # The creator's own code is not for them: refused in their cart, and a guest order with
    # their email is not counted.
    headers = cart_with(wp, shopper, product)
    own = apply_coupon(wp, shopper, headers, "CARLACRAFTS")
    assert own.status_code == 400 and "your own creator code" in own.json()["message"]
    own_order = order_with_code(wp, product, "CARLACRAFTS", "Shopper+ig@Example.com")
    assert "Creator code" not in order_box(
        wp.admin().get(order_screen(wp, own_order["order_id"]), timeout=30).text
    )
    assert "Orders with your code 1" in creator_section(
        shopper.get(instagram_tab(wp), timeout=30).text
    )


def test_a_follower_orders_with_the_code_in_the_checkout_block_itself(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """The block a shop's Checkout page holds since WooCommerce 8.3, driven in Chromium: the
    code typed into "Add coupons", the order placed, and it is the creator's."""
    wp = configured
    product = set_up_shop(wp)
    open_program(wp, tiers=[{"name": "Creator", "amount": "10", "commission": "5"}])
    signer = Signer(shared["secret"])
    uma_id, uma = new_customer(wp, "uma")
    connected_customer(wp, signer, "uma.makes", uma_id)
    code = code_on(apply_as_creator(wp, uma))
    with chromium() as browser:
        order_id = block_checkout_in_chromium(browser, wp, product, "fay@example.com", coupon=code)
        screenshot(browser, wp, "woocommerce-block-checkout-order-received")
    attributed = php_json(
        wp,
        WC
        + "$o = wc_get_order( (int) $argv[1] ); echo wp_json_encode( array("
        + " $o->get_meta( '_igsync_creator_code' ), $o->get_created_via(),"
        + " (string) $o->get_discount_total() ) );",
        str(order_id),
    )
    assert attributed == [code, "store-api", "2.5"]  # placed by the block, 10% of 25 off
    section = creator_section(uma.get(instagram_tab(wp), timeout=30).text)
    assert "Orders with your code 1" in section and "Their purchases $22.50" in section


def test_one_code_per_account_and_per_customer_with_approval_and_none_for_made_up_accounts(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    signer = Signer(shared["secret"])
    open_program(wp, approval="yes")
    dana_id, dana = new_customer(wp, "dana")
    lead = connected_customer(wp, signer, "dana.draws", dana_id)
    page = apply_as_creator(wp, dana)
    assert "Thank you! The shop will look at your application soon." in notices(page)
    assert "Your application is with the shop." in creator_section(page)
    assert "dana" not in " ".join(creator_coupons(wp)).lower()  # no code before approval

    # The same Instagram account through another customer cannot apply a second time.
    eve_id, eve = new_customer(wp, "eve")
    connected_customer(wp, signer, "dana.draws", eve_id, ig_user_id=str(lead["ig_user_id"]))
    refused = apply_as_creator(wp, eve)
    assert "Your Instagram account or your customer account already has a creator code." in notices(
        refused
    )

    creator_id = php_json(wp, CREATOR_OF_USER, str(dana_id))
    php_json(
        wp,
        WC + "echo wp_json_encode( ! is_wp_error( Igsync_Creator_Program::approve( $argv[1] ) ) );",
        str(creator_id),
    )
    assert code_on(dana.get(instagram_tab(wp), timeout=30).text) == "DANADRAWS"

    # Sandbox mode: made-up accounts are offered nothing, unless the owner tries the program,
    # and then their code says TEST.
    sandbox_mode(wp, True)
    try:
        open_program(wp)
        finn_id, finn = new_customer(wp, "finn")
        connected_customer(wp, signer, "finn.films", finn_id)
        assert "Become a creator" not in finn.get(instagram_tab(wp), timeout=30).text
        open_program(wp, sandbox="yes")
        assert code_on(apply_as_creator(wp, finn)) == "TEST-FINNFILMS"
    finally:
        sandbox_mode(wp, False)


def test_erasing_a_creator_leaves_no_code_or_record_that_names_them(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    product = set_up_shop(wp)
    signer = Signer(shared["secret"])
    open_program(wp, sandbox="yes")
    gia_id, gia = new_customer(wp, "gia")
    lead = connected_customer(wp, signer, "gia.glass", gia_id)
    code = code_on(apply_as_creator(wp, gia))
    order = order_with_code(wp, product, code, "gia.follower@example.com")
    hal_id, hal = new_customer(wp, "hal")
    hal_lead = connected_customer(wp, signer, "hal.hikes", hal_id)
    hal_code = code_on(apply_as_creator(wp, hal))

    ids = ",".join(str(php_json(wp, CREATOR_OF_USER, str(user_id))) for user_id in (gia_id, hal_id))
    erase = WC + "Igsync_Leads::erase( $argv[1] ); echo 'true';"
    php_json(wp, erase, str(lead["ig_user_id"]))
    php_json(wp, erase, str(hal_lead["ig_user_id"]))
    for table, column in (
        ("wp_igsync_creators", "id"),
        ("wp_igsync_creator_orders", "creator_id"),
        ("wp_igsync_creator_events", "creator_id"),
    ):
        assert wp.sql(f"SELECT COUNT(*) FROM {table} WHERE {column} IN ({ids})").strip() == "0"  # noqa: S608
    # The used code stays for the order that used it, expired and naming nobody; the unused
    # one is gone.
    titles = f"'{code.lower()}', '{hal_code.lower()}'"
    coupons = f"SELECT post_excerpt FROM wp_posts WHERE post_title IN ({titles})"  # noqa: S608
    kept = wp.sql(coupons + " AND post_type = 'shop_coupon'").splitlines()
    assert kept == ["igsync: creator code (erased)"]
    assert code.lower() not in creator_coupons(wp)
    box = order_box(wp.admin().get(order_screen(wp, order["order_id"]), timeout=30).text)
    assert "Creator code" not in box and "gia" not in box
    with requests.Session() as late:
        headers = cart_with(wp, late, product)
        assert apply_coupon(wp, late, headers, code).status_code == 400


RUN_QUEUE = WC + "ActionScheduler_QueueRunner::instance()->run(); echo 'true';"


def test_tiers_follow_verified_followers_and_sales_and_rewrite_the_code(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    product = set_up_shop(wp)
    signer = Signer(shared["secret"])
    open_program(
        wp,
        tiers=[
            NANO,
            MICRO,
            {"name": "Macro", "min_followers": 5000, "min_revenue": 40, "amount": "20"},
        ],
    )
    ida_id, ida = new_customer(wp, "ida")
    lead = connected_customer(wp, signer, "ida.inks", ida_id, followers_count=1200)
    page = apply_as_creator(wp, ida)
    assert "10% off for your followers · Nano tier" in creator_section(page)

    # A profile sync counts 6,000 followers: Micro, and the code gives 15% from now on.
    grown = an_event(lead, "updated", 2, followers_count=6000)
    assert push(wp, signer, grown).status_code == 200
    section = creator_section(ida.get(instagram_tab(wp), timeout=30).text)
    assert "15% off for your followers · Micro tier" in section
    with requests.Session() as follower:
        headers = cart_with(wp, follower, product)
        applied = apply_coupon(wp, follower, headers, "IDAINKS")
        assert applied.status_code == 200
        assert applied.json()["totals"]["total_discount"] == "375"  # 15% of 25.00, in cents
        checkout(wp, follower, headers, "ida.follower@example.com")
    # Sales of 21.25 are under Macro's 40: still Micro once the background pass ran.
    php_json(wp, RUN_QUEUE)
    assert "Micro tier" in creator_section(ida.get(instagram_tab(wp), timeout=30).text)
    order_with_code(wp, product, "IDAINKS", "ida.second@example.com")
    assert "Micro tier" in creator_section(ida.get(instagram_tab(wp), timeout=30).text)
    php_json(wp, RUN_QUEUE)  # 42.50 in sales now: Macro
    assert "20% off for your followers · Macro tier" in creator_section(
        ida.get(instagram_tab(wp), timeout=30).text
    )
    history = php_json(
        wp,
        WC
        + "$newest_last = array_reverse( Igsync_Creators::history( (int) $argv[1] ) );"
        + " echo wp_json_encode( array_column( $newest_last, 'detail', 'kind' ) );",
        str(php_json(wp, CREATOR_OF_USER, str(ida_id))),
    )
    assert history["tier"] == "macro"  # the newest tier change


def creators_screen(admin: requests.Session, wp: WordPress, **query: str) -> str:
    answer = admin.get(
        f"{wp.url}/wp-admin/admin.php", params={"page": "igsync-creators", **query}, timeout=30
    )
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


def creator_page(screen: str, username: str) -> str:
    """The address of a creator's page, from their row on the creators screen."""
    found = re.search(rf'<a class="row-title" href="([^"]+)">@{re.escape(username)}</a>', screen)
    assert found, f"no row for @{username}"
    return html.unescape(found.group(1))


# A week's audience as the daemon pushes it with instagram_business_manage_insights.
JO_INSIGHTS = {
    "reach": 2100,
    "follower_count": 31,
    "audience": {
        "country": {"FR": 3200, "US": 1200, "BE": 400},
        "age": {"25-34": 2640, "18-24": 1440, "35-44": 720},
        "gender": {"F": 3360, "M": 1200, "U": 240},
        "read_on": "2026-12-01",
    },
}
WITHHELD_INSIGHTS = {
    "reach": "suppressed",
    "follower_count": "suppressed",
    "audience": {
        "country": "suppressed",
        "age": "suppressed",
        "gender": "suppressed",
        "read_on": "2026-12-01",
    },
}


def audience_box(page: str) -> str:
    """The text of a creator page's Audience box, spaces collapsed."""
    found = re.search(r'<div class="postbox igsync-audience".*?\n</div>\n', page, re.S)
    assert found, "no Audience box"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def handles(rows: list[dict[str, str]]) -> list[str]:
    return [row["username"].split()[0] for row in rows]


def test_the_creators_screen_invites_lists_filters_exports_and_charts_a_creator(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    wp.sql("DELETE FROM wp_igsync_creators")
    product = set_up_shop(wp)
    signer = Signer(shared["secret"])
    open_program(wp, tiers=[NANO, MICRO])
    jo_id, jo = new_customer(wp, "jo")
    lead = connected_customer(wp, signer, "jo.jewels", jo_id, followers_count=4000)
    admin = wp.admin()
    [row] = parse_rows(leads_html(admin, wp, s="jo.jewels"))
    leads = leads_html(admin, wp, s="jo.jewels")
    invite = re.search(r'<a href="([^"]+action=invite[^"]+)">Invite as creator</a>', leads)
    assert invite, row
    invited = admin.get(html.unescape(invite.group(1)), timeout=30)
    assert "Invitation sent" in invited.text
    assert "Invite as creator" not in leads_html(admin, wp, s="jo.jewels")
    tab = jo.get(instagram_tab(wp), timeout=30).text
    assert "The shop invites you to its creator program" in creator_section(tab)
    assert code_on(apply_as_creator(wp, jo)) == "JOJEWELS"

    # A week of growth (the chart's first point moved back as a sync a week ago would have
    # left it): 6,200 followers now, Micro.
    wp.sql("UPDATE wp_igsync_creator_followers SET day = DATE_SUB(day, INTERVAL 7 DAY)")
    grown = an_event(
        lead,
        "updated",
        2,
        followers_count=6200,
        followers_change=2200,
        followers_change_days=7,
        engagement_rate=3.4,
        insights=JO_INSIGHTS,
    )
    assert push(wp, signer, grown).status_code == 200
    kim_id, kim = new_customer(wp, "kim")
    connected_customer(
        wp, signer, "kim.knits", kim_id, followers_count=900, insights=WITHHELD_INSIGHTS
    )
    kim_code = code_on(apply_as_creator(wp, kim))
    order = order_with_code(wp, product, kim_code, "kim.follower@example.com")

    rows = parse_rows(creators_screen(admin, wp, orderby="followers", order="desc"))
    assert handles(rows) == ["@jo.jewels", "@kim.knits"]
    jo_row, kim_row = rows
    assert jo_row["tier"] == "Micro" and jo_row["followers"] == "6,200 +2,200 in 7 days"
    assert jo_row["engagement"] == "3.40%" and jo_row["code"] == "JOJEWELS"
    assert jo_row["country"] == "FR" and kim_row["country"] == "Withheld"
    assert kim_row["orders"] == "1" and kim_row["revenue"] == "$22.50"
    assert handles(parse_rows(creators_screen(admin, wp, orderby="revenue"))) == [
        "@kim.knits",
        "@jo.jewels",
    ]
    assert handles(parse_rows(creators_screen(admin, wp, s="kim"))) == ["@kim.knits"]
    assert handles(parse_rows(creators_screen(admin, wp, s="JOJ"))) == ["@jo.jewels"]
    assert handles(parse_rows(creators_screen(admin, wp, tier="micro"))) == ["@jo.jewels"]
    by_country = creators_screen(admin, wp, country="FR")
    assert "<option value=\"FR\" selected='selected'>France</option>" in by_country
    assert handles(parse_rows(by_country)) == ["@jo.jewels"]
    assert parse_rows(creators_screen(admin, wp, country="US")) == []  # second, not top

    screen = creators_screen(admin, wp)
    export = re.search(
        r'id="igsync-export-creators" class="page-title-action" href="([^"]+)"', screen
    )
    assert export
    csv = admin.get(html.unescape(export.group(1)), timeout=30)
    assert csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith('"Instagram username","Name","Status","Tier","Code"')
    assert any(line.startswith('"jo.jewels",') and '"JOJEWELS"' in line for line in lines[1:])
    assert len(lines) == 3

    jo_page = creator_page(screen, "jo.jewels")
    page = admin.get(jo_page, timeout=30).text
    chart = re.search(r'<polyline class="igsync-chart__line" fill="none" points="([^"]+)"', page)
    assert chart and len(chart.group(1).split()) == 2  # a week ago and today
    assert "Moved to the Micro tier." in page and "Invited by the shop." in page
    audience = audience_box(page)
    assert "France 67%" in audience and "United States (US) 25%" in audience
    assert "Women 70%" in audience and "25-34 55%" in audience
    assert "Reached 2,100 accounts" in audience and "as read on December 1, 2026" in audience
    kim_audience = audience_box(admin.get(creator_page(screen, "kim.knits"), timeout=30).text)
    told = "it also sees your reach and how many of your followers are in each country"
    assert told in creator_section(jo.get(instagram_tab(wp), timeout=30).text)
    assert kim_audience.count("Withheld by Instagram") == 3
    kim_page = admin.get(creator_page(screen, "kim.knits"), timeout=30).text
    assert f"#{order['order_id']}" in kim_page and "Processing" in kim_page

    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        for width in (1280, 390):
            browser.set_window_size(width, 1100)
            browser.get(f"{wp.url}/wp-admin/admin.php?page=igsync-creators")
            browser.find_element(By.CSS_SELECTOR, "#the-list tr")
            screenshot(browser, wp, f"wp-admin-creators-{width}")
            browser.get(jo_page)
            assert browser.find_element(By.CSS_SELECTOR, "svg.igsync-chart").is_displayed()
            screenshot(browser, wp, f"wp-admin-creator-page-{width}")
            box = browser.find_element(By.ID, "igsync-audience")
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            assert "France" in box.text
            screenshot(browser, wp, f"wp-admin-creator-audience-{width}")
            browser.get(order_screen(wp, order["order_id"]))
            box = browser.find_element(By.ID, "igsync-order-instagram")
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            assert "CARLACRAFTS" not in box.text and kim_code in box.text
            screenshot(browser, wp, f"wp-admin-order-creator-{width}")
            browser.get(f"{wp.url}/wp-admin/admin.php?page=wc-settings&tab=igsync_creators")
            browser.find_element(By.CSS_SELECTOR, "table.igsync-tiers")
            screenshot(browser, wp, f"wp-admin-creator-settings-{width}")
    with chromium() as browser:
        log_in(browser, wp, "kim", password_of("kim"))
        for width in (1280, 390):
            browser.set_window_size(width, 1400)
            browser.get(instagram_tab(wp))
            browser.find_element(By.CSS_SELECTOR, ".igsync-creator__code")
            screenshot(browser, wp, f"woocommerce-account-creator-{width}")
