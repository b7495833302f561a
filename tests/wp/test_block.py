"""The "Connect with Instagram" block (`igsync/connect`): rendered by the server with the
theme's button classes, showing a logged-in shopper's real status, and known to the block
editor without any build step."""

from __future__ import annotations

import re

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.wordpress import ADMIN, SHOPPER, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.pushes import a_lead, push
from wp_bridge.signing import Signer

BLOCK_PAGE = """require __DIR__ . '/wp-load.php';
wp_set_current_user( 1 );
$page = wp_insert_post( array(
	'post_type'    => 'page',
	'post_title'   => 'Instagram',
	'post_status'  => 'publish',
	'post_content' => '<!-- wp:paragraph --><p>Hear of new drops first.</p>'
		. '<!-- /wp:paragraph --><!-- wp:igsync/connect {"label":"Link your Instagram"} /-->',
) );
echo wp_json_encode( array( 'id' => $page, 'url' => get_permalink( $page ) ) );
"""


def block_page(wp: WordPress) -> dict[str, str]:
    return php_json(wp, BLOCK_PAGE)


def test_the_block_shows_a_button_in_the_themes_style_and_the_shoppers_status(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    page = block_page(wp)
    shown = requests.get(page["url"], timeout=30).text
    wrapper = re.search(r'<div class="wp-block-igsync-connect[^"]*">', shown)
    assert wrapper, "the block's wrapper is missing"
    button = re.search(r'<a class="([^"]+)" id="igsync-connect" href="[^"]+">([^<]+)</a>', shown)
    assert button and button.group(2) == "Link your Instagram"
    classes = button.group(1).split()
    assert {"wp-block-button__link", "wp-element-button"} <= set(classes)
    assert ("button" in classes) == wp.flavour.woocommerce  # WooCommerce's class when active

    with chromium() as browser:
        browser.get(page["url"])
        link = browser.find_element(By.ID, "igsync-connect")
        assert link.value_of_css_property("text-decoration-line") == "none"
        assert link.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
        screenshot(browser, wp, "block-on-a-page")

    shopper = wp.login(*SHOPPER)
    assert ">Link your Instagram</a>" in shopper.get(page["url"], timeout=30).text
    lead = a_lead(username="block.shopper", wp_user_id=wp.shopper_id)
    assert push(wp, Signer(shared["secret"]), lead).status_code == 201
    connected = shopper.get(page["url"], timeout=30).text
    assert "Connected to Instagram as @block.shopper." in connected
    assert 'id="igsync-connect"' not in connected


def test_the_block_editor_knows_the_block_without_a_build_step(configured: WordPress) -> None:
    wp = configured
    page = block_page(wp)
    admin = wp.admin()
    nonce = admin.get(f"{wp.url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=30).text
    described = admin.get(
        wp.rest("/wp/v2/block-types/igsync/connect"), headers={"X-WP-Nonce": nonce}, timeout=30
    )
    assert described.status_code == 200, described.text
    assert described.json()["title"] == "Connect with Instagram"
    assert described.json()["is_dynamic"] is True
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(f"{wp.url}/wp-admin/post.php?post={page['id']}&action=edit")
        title = WebDriverWait(browser, 60).until(
            lambda b: b.execute_script(
                "const type = window.wp && wp.blocks && wp.blocks.getBlockType('igsync/connect');"
                " return type ? type.title : null;"
            )
        )
        assert title == "Connect with Instagram"
        WebDriverWait(browser, 60).until(
            lambda b: b.execute_script(
                "return wp.data.select('core/block-editor').getBlocks()"
                ".some(block => block.name === 'igsync/connect' && block.isValid);"
            )
        )
