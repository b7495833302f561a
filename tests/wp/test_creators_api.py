"""The creator program for other plugins and tools, on every site of the matrix: with
WooCommerce, GET igsync/v1/creators answers the shop's managers only, paged and filtered the
way WooCommerce's REST controllers answer; on WordPress 6.1 without WooCommerce the program
is absent (no route, no screen) and nothing else changes."""

from __future__ import annotations

import requests

from tests.wordpress import SHOPPER, WordPress, php_json
from tests.wp.pushes import a_lead, push
from tests.wp.shop import WC, instagram_tab
from wp_bridge.signing import Signer

TERMS = WC + "Igsync_Creator_Terms::save( array( 'enabled' => 'yes' ) ); echo 'true';"
APPLY = WC + (
    "$c = Igsync_Creator_Program::apply( (int) $argv[1] );"
    " echo wp_json_encode( is_wp_error( $c ) ? $c->get_error_message() : $c['code'] );"
)
HOOKED = (
    "require __DIR__ . '/wp-load.php';"
    " echo wp_json_encode( array( 'woocommerce' => class_exists( 'WooCommerce' ),"
    " 'program' => false !== has_action( 'template_redirect',"
    " array( 'Igsync_Creator_Program', 'handle_application' ) ) ) );"
)


def rest_nonce(admin: requests.Session, wp: WordPress) -> str:
    return admin.get(f"{wp.url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=30).text


def test_creators_are_read_through_rest_by_managers_only_and_absent_without_woocommerce(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    hooked = php_json(wp, HOOKED)
    assert hooked == {"woocommerce": wp.woocommerce, "program": wp.woocommerce}
    admin = wp.admin()
    nonce = rest_nonce(admin, wp)
    listed = admin.get(wp.rest("/igsync/v1/creators"), headers={"X-WP-Nonce": nonce}, timeout=30)
    screen = admin.get(f"{wp.url}/wp-admin/admin.php?page=igsync-creators", timeout=30)
    if not wp.woocommerce:
        assert listed.status_code == 404 and listed.json()["code"] == "rest_no_route"
        assert screen.status_code == 403  # no such screen, as WordPress says of unknown pages
        return

    assert screen.status_code == 200 and "Instagram creators" in screen.text
    php_json(wp, TERMS)
    signer = Signer(shared["secret"])
    audience = {"country": {"DE": 900, "AT": 300}, "age": "suppressed", "read_on": "2026-12-01"}
    lead = a_lead(
        username="api.maker",
        wp_user_id=wp.shopper_id,
        followers_count=4321,
        insights={"reach": 800, "audience": audience},
    )
    assert push(wp, signer, lead).status_code == 201
    assert php_json(wp, APPLY, str(wp.shopper_id)) == "APIMAKER"

    anonymous = requests.get(wp.rest("/igsync/v1/creators"), timeout=30)
    assert anonymous.status_code == 401
    shopper = wp.login(*SHOPPER)
    shopper_nonce = shopper.get(
        f"{wp.url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=30
    ).text
    as_shopper = shopper.get(
        wp.rest("/igsync/v1/creators"), headers={"X-WP-Nonce": shopper_nonce}, timeout=30
    )
    assert as_shopper.status_code == 403, as_shopper.text
    assert "Become a creator" not in shopper.get(instagram_tab(wp), timeout=30).text

    listed = admin.get(
        wp.rest("/igsync/v1/creators"),
        params={"search": "api.", "per_page": "1", "orderby": "followers"},
        headers={"X-WP-Nonce": nonce},
        timeout=30,
    )
    assert listed.status_code == 200, listed.text
    assert listed.headers["X-WP-Total"] == "1" and listed.headers["X-WP-TotalPages"] == "1"
    [creator] = listed.json()
    assert creator["username"] == "api.maker" and creator["code"] == "APIMAKER"
    assert creator["followers_count"] == 4321 and creator["revenue"] == "0.00"
    assert creator["commission_due"] == "0.00" and creator["top_country"] == "DE"
    for country, found in (("DE", "1"), ("AT", "0")):
        by_country = admin.get(
            wp.rest("/igsync/v1/creators"),
            params={"country": country},
            headers={"X-WP-Nonce": nonce},
            timeout=30,
        )
        assert by_country.headers["X-WP-Total"] == found, (country, by_country.text)
    assert creator["customer_id"] == wp.shopper_id and creator["status"] == "active"
    one = admin.get(creator["_links"]["self"][0]["href"], headers={"X-WP-Nonce": nonce}, timeout=30)
    assert one.status_code == 200 and one.json()["id"] == creator["id"]
    wrong = admin.get(
        wp.rest("/igsync/v1/creators"),
        params={"orderby": "password"},
        headers={"X-WP-Nonce": nonce},
        timeout=30,
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "rest_invalid_param"
