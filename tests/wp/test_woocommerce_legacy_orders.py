"""The same shop with WooCommerce's legacy order storage (orders as posts), as shops that have
not moved to High-Performance Order Storage run it: the thank-you prompt, the order screen's
Instagram box and the creator program's attribution work there too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.wordpress import FLAVOURS, WordPress, php_json, start_wordpress
from tests.wp.conftest import RunningDaemon
from tests.wp.creators import refund
from tests.wp.pushes import a_lead, push
from tests.wp.shop import (
    WC,
    apply_coupon,
    buy_and_connect,
    cart_with,
    checkout,
    order_box,
    order_screen,
    set_up_shop,
)
from wp_bridge.signing import Signer

SHOP = next(flavour for flavour in FLAVOURS if flavour.woocommerce)

POSTS_STORAGE = """
use Automattic\\WooCommerce\\Internal\\Features\\FeaturesController;
// What WooCommerce > Settings > Advanced > Features does when the owner picks posts storage.
$features = wc_get_container()->get( FeaturesController::class );
echo wp_json_encode( $features->change_feature_enable( 'custom_order_tables', false ) );
"""

STORAGE = """
use Automattic\\WooCommerce\\Utilities\\OrderUtil;
echo wp_json_encode( OrderUtil::custom_orders_table_usage_is_enabled() );
"""


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """A new WooCommerce site switched to posts storage before its first order."""
    site = start_wordpress(tmp_path_factory.mktemp(SHOP.name + "-posts"), SHOP)
    # WooCommerce turns HPOS on for a new shop at the first wp-admin visit: let it, then do
    # what an owner who prefers posts does.
    assert site.admin().get(f"{site.url}/wp-admin/", timeout=60).status_code == 200
    assert php_json(site, WC + POSTS_STORAGE) is True
    assert php_json(site, WC + STORAGE) is False  # seen by a new request too
    yield site
    site.stop()


def test_the_order_screen_shows_instagram_with_orders_stored_as_posts(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    product = set_up_shop(wp)
    admin = wp.admin()
    assert wp.configure(admin, thank_you_prompt="1").status_code == 200
    daemon.start()
    order = buy_and_connect(wp, product, "pat.posts@example.com", "pat.posts")
    screen = order_screen(wp, order["order_id"])
    assert "post.php?post=" in screen  # orders are posts here
    box = order_box(admin.get(screen, timeout=30).text)
    assert "@pat.posts" in box and "Connected" in box


def test_an_order_with_a_creator_code_is_attributed_with_orders_stored_as_posts(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    product = set_up_shop(wp)
    php_json(wp, WC + "Igsync_Creator_Terms::save( array( 'enabled' => 'yes' ) ); echo 'true';")
    lead = a_lead(username="posts.creator", wp_user_id=wp.shopper_id)
    assert push(wp, Signer(shared["secret"]), lead).status_code == 201
    code = php_json(
        wp,
        WC + "echo wp_json_encode( Igsync_Creator_Program::apply( (int) $argv[1] )['code'] );",
        str(wp.shopper_id),
    )
    assert code == "POSTSCREATOR"
    with requests.Session() as follower:
        headers = cart_with(wp, follower, product)
        assert apply_coupon(wp, follower, headers, code).status_code == 200
        order = checkout(wp, follower, headers, "posts.follower@example.com")
    meta = "SELECT meta_value FROM wp_postmeta WHERE post_id = %d AND meta_key = '%s'"
    assert wp.sql(meta % (order["order_id"], "_igsync_creator_code")).strip() == code
    refund(wp, order["order_id"], "2.50")
    screen = order_screen(wp, order["order_id"])
    assert "post.php?post=" in screen
    box = order_box(wp.admin().get(screen, timeout=30).text)
    assert "Creator code POSTSCREATOR of @posts.creator" in box and "Counts $20.00" in box
