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
