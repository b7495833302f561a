"""The creator program as the tests drive it: the owner's terms, a customer's application on
My Account > Instagram, what the tab then says, and an order placed through WooCommerce's
classic (shortcode) checkout, the form that posts to `?wc-ajax=checkout` (the Checkout block's
order is tests/wp/checkout_block.py's)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import requests

from tests.wordpress import WordPress, php_json
from tests.wp.shop import WC, apply_coupon, cart_with, checkout, instagram_tab

CLASSIC_CHECKOUT_PAGE = (
    WC
    + """
$id = wp_insert_post( array(
	'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Classic checkout',
	'post_content' => '[woocommerce_checkout]',
) );
echo wp_json_encode( get_permalink( $id ) );
"""
)

TERMS = WC + "Igsync_Creator_Terms::save( json_decode( $argv[1], true ) ); echo 'true';"


def open_program(wp: WordPress, **terms: Any) -> None:
    """The owner's terms, as WooCommerce > Settings > Instagram creators saves them."""
    php_json(wp, TERMS, json.dumps({"enabled": "yes", **terms}))


def apply_as_creator(wp: WordPress, customer: requests.Session) -> str:
    """Press "Become a creator" on the Instagram tab; the page then shown."""
    tab = customer.get(instagram_tab(wp), timeout=30).text
    nonce = re.search(
        r'<form method="post" class="igsync-creator__apply">\s*<input[^>]*'
        r'name="_wpnonce" value="([^"]+)"',
        tab,
    )
    assert nonce, "no Become a creator button on the tab"
    answer = customer.post(
        instagram_tab(wp),
        data={"_wpnonce": nonce.group(1), "igsync_become_creator": "1"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.url == instagram_tab(wp)
    return answer.text


def creator_section(page: str) -> str:
    """The tab's creator program section, as text."""
    found = re.search(r'<section class="igsync-creator">(.*?)</section>', page, re.S)
    assert found, "no creator section on the tab"
    inline = re.sub(r"</?(?:span|bdi)[^>]*>", "", found.group(1))  # wc_price()'s "$22.50"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def code_on(page: str) -> str:
    found = re.search(r'class="igsync-creator__code">([^<]+)<', page)
    assert found, "no creator code on the tab"
    return found.group(1)


def order_with_code(wp: WordPress, product_id: int, code: str, email: str) -> dict[str, Any]:
    """A shopper orders the product with the code through the Store API, the one the Checkout
    block calls (Cash on delivery); the order."""
    with requests.Session() as shopper:
        headers = cart_with(wp, shopper, product_id)
        applied = apply_coupon(wp, shopper, headers, code)
        assert applied.status_code == 200, applied.text
        return checkout(wp, shopper, headers, email)


def classic_checkout_page(wp: WordPress) -> str:
    """A page with WooCommerce's classic checkout shortcode; its address."""
    return str(php_json(wp, CLASSIC_CHECKOUT_PAGE))


def classic_checkout(
    wp: WordPress, http: requests.Session, page: str, product_id: int, email: str, code: str
) -> dict[str, Any]:
    """Add to cart, apply the code and place the order as the classic checkout's form does
    (Cash on delivery); WooCommerce's answer (result, redirect)."""
    added = http.get(wp.url + "/", params={"add-to-cart": product_id}, timeout=30)
    assert added.status_code == 200
    form = http.get(page, timeout=30).text
    checkout_nonce = re.search(r'name="woocommerce-process-checkout-nonce" value="([^"]+)"', form)
    coupon_nonce = re.search(r'"apply_coupon_nonce":"([^"]+)"', form)
    assert checkout_nonce and coupon_nonce, "not the classic checkout form"
    applied = http.post(
        wp.url + "/",
        params={"wc-ajax": "apply_coupon"},
        data={"security": coupon_nonce.group(1), "coupon_code": code},
        timeout=30,
    )
    assert "woocommerce-error" not in applied.text, applied.text
    placed = http.post(
        wp.url + "/",
        params={"wc-ajax": "checkout"},
        data={
            "billing_first_name": "Cleo",
            "billing_last_name": "Classic",
            "billing_country": "DE",
            "billing_address_1": "Torstraße 1",
            "billing_city": "Berlin",
            "billing_postcode": "10119",
            "billing_phone": "030 1234567",
            "billing_email": email,
            "payment_method": "cod",
            "woocommerce-process-checkout-nonce": checkout_nonce.group(1),
            "_wp_http_referer": page,
        },
        timeout=60,
    )
    answer = dict(placed.json())
    assert answer.get("result") == "success", answer
    return answer


def order_id_of(redirect: str) -> int:
    found = re.search(r"order-received[=/](\d+)", redirect)
    assert found, redirect
    return int(found.group(1))


def set_order(wp: WordPress, order_id: int, status: str) -> None:
    php_json(
        wp,
        WC + "wc_get_order( (int) $argv[1] )->update_status( $argv[2] ); echo 'true';",
        str(order_id),
        status,
    )


def refund(wp: WordPress, order_id: int, amount: str) -> None:
    php_json(
        wp,
        WC
        + "$r = wc_create_refund( array( 'order_id' => (int) $argv[1], 'amount' => $argv[2] ) );"
        + " echo wp_json_encode( ! is_wp_error( $r ) );",
        str(order_id),
        amount,
    )
