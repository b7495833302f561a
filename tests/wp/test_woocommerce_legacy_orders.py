"""The same shop with WooCommerce's legacy order storage (orders as posts), as shops that have
not moved to High-Performance Order Storage run it: the thank-you prompt and the order screen's
Instagram box work there too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wordpress import FLAVOURS, WordPress, php_json, start_wordpress
from tests.wp.conftest import RunningDaemon
from tests.wp.shop import WC, buy_and_connect, order_box, order_screen, set_up_shop

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
