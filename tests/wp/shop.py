"""A WooCommerce shop's own parts, set up as an owner would and used as a shopper does: a
product, Cash on delivery (a payment method that needs no network), and a guest checkout through
the Store API, the API WooCommerce's block checkout itself calls."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import eventually
from tests.wordpress import FLAVOURS, WordPress, php_json, start_wordpress
from tests.wp.shopper import connect

WC = "require __DIR__ . '/wp-load.php';\n"
SHOP = next(flavour for flavour in FLAVOURS if flavour.woocommerce)


def shop_only(tmp_path_factory: pytest.TempPathFactory, purpose: str) -> Iterator[WordPress]:
    """For a module's `wp` fixture: only the WooCommerce site of the matrix, for what needs
    WooCommerce."""
    site = start_wordpress(tmp_path_factory.mktemp(f"{SHOP.name}-{purpose}"), SHOP)
    yield site
    site.stop()


SET_UP_SHOP = (
    WC
    + """
$product = new WC_Product_Simple();
$product->set_name( 'Linen tote' );
$product->set_regular_price( '25' );
$product->set_virtual( true );
$product->set_status( 'publish' );
$product->save();
update_option( 'woocommerce_cod_settings', array(
	'enabled' => 'yes', 'title' => 'Cash on delivery', 'enable_for_virtual' => 'yes',
) );
echo wp_json_encode( array( 'product' => $product->get_id() ) );
"""
)


def set_up_shop(wp: WordPress) -> int:
    """A simple (virtual) product for sale and Cash on delivery on; the product's id."""
    return int(php_json(wp, SET_UP_SHOP)["product"])


def order_screen(wp: WordPress, order_id: int) -> str:
    """The order's edit screen in wp-admin, for whichever order storage the shop uses."""
    return str(
        php_json(
            wp,
            WC + "echo wp_json_encode( wc_get_order( (int) $argv[1] )->get_edit_order_url() );",
            str(order_id),
        )
    )


def cart_with(wp: WordPress, http: requests.Session, product_id: int) -> dict[str, str]:
    """The product in this shopper's cart; the Store API headers for what follows."""
    cart = http.get(wp.rest("/wc/store/v1/cart"), timeout=30)
    assert cart.status_code == 200, cart.text[:300]
    added = http.post(
        wp.rest("/wc/store/v1/cart/add-item"),
        json={"id": product_id, "quantity": 1},
        headers={"Nonce": cart.headers["Nonce"]},
        timeout=30,
    )
    assert added.status_code == 201, added.text[:300]
    return {"Nonce": added.headers.get("Nonce", cart.headers["Nonce"])}


def apply_coupon(
    wp: WordPress, http: requests.Session, headers: dict[str, str], code: str
) -> requests.Response:
    return http.post(
        wp.rest("/wc/store/v1/cart/apply-coupon"), json={"code": code}, headers=headers, timeout=30
    )


def checkout(
    wp: WordPress, http: requests.Session, headers: dict[str, str], email: str
) -> dict[str, Any]:
    """Pay the cart with Cash on delivery, as the block checkout does; the Store API's answer
    (order_id, order_key, payment_result.redirect_url)."""
    address = {
        "first_name": "Gia",
        "last_name": "Guest",
        "address_1": "Torstraße 1",
        "city": "Berlin",
        "postcode": "10119",
        "country": "DE",
    }
    answer = http.post(
        wp.rest("/wc/store/v1/checkout"),
        json={
            "billing_address": {**address, "email": email},
            "shipping_address": address,
            "payment_method": "cod",
        },
        headers=headers,
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:600]
    return dict(answer.json())


def guest_checkout(
    wp: WordPress, guest: requests.Session, product_id: int, email: str
) -> dict[str, Any]:
    """Buy the product: into the cart, then Cash on delivery."""
    return checkout(wp, guest, cart_with(wp, guest, product_id), email)


def buy_and_connect(wp: WordPress, product_id: int, email: str, username: str) -> dict[str, Any]:
    """A guest buys the product, connects Instagram from the order-received page (the prompt
    must be on) and is sent back there; returns the order once the lead is in WordPress."""
    with requests.Session() as guest:
        order = guest_checkout(wp, guest, product_id, email)
        thank_you = order["payment_result"]["redirect_url"]
        assert "Connect your Instagram" in guest.get(thank_you, timeout=30).text
        _, landing = connect(wp, guest, username, page_url=thank_you)
        assert landing.url == thank_you  # back on their order's page, with a notice
    count = f"SELECT COUNT(*) FROM wp_igsync_leads WHERE username = '{username}'"  # noqa: S608
    eventually(lambda: wp.sql(count).strip() == "1", what=f"the lead of @{username}")
    return order


def order_box(page: str) -> str:
    """The Instagram box of an order screen, as text."""
    start = page.index('id="igsync-order-instagram"')
    box = page[start : page.index("</div>\n</div>", start)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", box)).split())


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
