"""Where a lead's order came from, as WooCommerce's own Order Attribution recorded it (source
type, source, medium, campaign): on the Leads screen and in its export (read through WC_Order,
whichever storage holds the order; this site's is HPOS)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.leads_screen import leads_html, parse_rows
from tests.wp.pushes import a_lead, push
from tests.wp.shop import WC, set_up_shop, shop_only
from wp_bridge.signing import Signer

# An order as the Checkout block leaves it when the shopper came from a tagged Instagram link.
ORDER_FROM = (
    WC
    + """
$order = wc_create_order();
$order->add_product( wc_get_product( (int) $argv[1] ), 1 );
foreach ( json_decode( $argv[2], true ) as $field => $value ) {
	$order->update_meta_data( '_wc_order_attribution_' . $field, $value );
}
$order->calculate_totals();
$order->save();
echo wp_json_encode( $order->get_id() );
"""
)


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """Only the WooCommerce site of the matrix: Order Attribution is WooCommerce's."""
    yield from shop_only(tmp_path_factory, "origin")


def test_the_lead_shows_and_exports_where_its_order_came_from(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    product = set_up_shop(wp)
    tagged = {
        "source_type": "utm",
        "utm_source": "instagram",
        "utm_medium": "social",
        "utm_campaign": "spring",
    }
    typed = {"source_type": "typein", "utm_source": "(direct)"}
    signer = Signer(shared["secret"])
    for username, fields in (("came.tagged", tagged), ("came.typed", typed)):
        order_id = php_json(wp, ORDER_FROM, str(product), json.dumps(fields))
        lead = a_lead(username=username, wc_order_id=order_id)
        assert push(wp, signer, lead).status_code == 201
    assert push(wp, signer, a_lead(username="came.none")).status_code == 201

    admin = wp.admin()
    rows = {row["username"].split()[0]: row for row in parse_rows(leads_html(admin, wp, s="came"))}
    assert "Order from instagram / social / spring" in rows["@came.tagged"]["username"]
    assert "Order from Direct" in rows["@came.typed"]["username"]
    assert "Order from" not in rows["@came.none"]["username"]

    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        for width in (1280, 390):
            browser.set_window_size(width, 900)
            browser.get(f"{wp.url}/wp-admin/admin.php?page=igsync-leads&s=came")
            browser.find_element(By.CSS_SELECTOR, ".igsync-lead-origin")
            screenshot(browser, wp, f"wp-admin-leads-order-origin-{width}")

    page = leads_html(admin, wp)
    export = re.search(r'id="igsync-export"[^>]* href="([^"]+)"', page)
    assert export
    answer = admin.get(html.unescape(export.group(1)), timeout=30)
    table = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_name = {row["Instagram username"]: row for row in table}
    assert by_name["came.tagged"]["Order source type"] == "utm"
    assert by_name["came.tagged"]["Order source"] == "instagram"
    assert by_name["came.tagged"]["Order medium"] == "social"
    assert by_name["came.tagged"]["Order campaign"] == "spring"
    assert by_name["came.typed"]["Order source type"] == "typein"
    assert by_name["came.none"]["Order source type"] == ""


CUSTOMER_ORDER = (
    WC
    + """
$order = wc_create_order( array( 'customer_id' => (int) $argv[1] ) );
$order->add_product( wc_get_product( (int) $argv[2] ), 1 );
foreach ( json_decode( $argv[3], true ) as $field => $value ) {
	$order->update_meta_data( '_wc_order_attribution_' . $field, $value );
}
$order->calculate_totals();
$order->save();
echo wp_json_encode( $order->get_id() );
"""
)
NEW_CUSTOMER = (
    WC + "echo wp_json_encode( wp_create_user("
    " $argv[1], wp_generate_password(), $argv[1] . '@shop.example' ) );"
)


def test_a_customers_lead_says_where_all_their_orders_came_from(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """Not only the order the lead came with: every order of the customer the lead belongs to,
    counted by where WooCommerce's Order Attribution says it came from (one query for the page
    or the export's batch), on the Leads screen, in the CSV and in the get-lead ability."""
    wp = configured
    product = set_up_shop(wp)
    ida = int(php_json(wp, NEW_CUSTOMER, "ida"))
    other = int(php_json(wp, NEW_CUSTOMER, "olga"))
    social = {"source_type": "utm", "utm_source": "instagram", "utm_medium": "social"}
    for customer, fields in (
        (ida, social),
        (ida, social),
        (ida, {"source_type": "typein", "utm_source": "(direct)"}),
        (ida, {}),
        (other, social),
    ):
        php_json(wp, CUSTOMER_ORDER, str(customer), str(product), json.dumps(fields))
    signer = Signer(shared["secret"])
    assert push(wp, signer, a_lead(username="ida.buys", wp_user_id=ida)).status_code == 201
    assert push(wp, signer, a_lead(username="ida.none")).status_code == 201
    expected = "2 instagram / social, 1 Direct, 1 Not recorded"

    admin = wp.admin()
    rows = {row["username"].split()[0]: row for row in parse_rows(leads_html(admin, wp, s="ida"))}
    assert f"Their orders: {expected}" in rows["@ida.buys"]["username"]
    assert "Their orders" not in rows["@ida.none"]["username"]
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(f"{wp.url}/wp-admin/admin.php?page=igsync-leads&s=ida")
        browser.find_element(By.CSS_SELECTOR, ".igsync-lead-orders")
        screenshot(browser, wp, "wp-admin-leads-customer-orders")

    export = re.search(r'id="igsync-export"[^>]* href="([^"]+)"', leads_html(admin, wp))
    assert export
    answer = admin.get(html.unescape(export.group(1)), timeout=30)
    table = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_name = {row["Instagram username"]: row for row in table}
    assert by_name["ida.buys"]["Customer's orders by source"] == expected
    assert by_name["ida.none"]["Customer's orders by source"] == ""

    summary = php_json(
        wp,
        WC
        + "wp_set_current_user( 1 );"
        + " echo wp_json_encode( wp_get_ability( 'igsync/get-lead' )->execute("
        " array( 'username' => 'ida.buys' ) ) );",
    )
    assert summary["customer_orders"] == expected
