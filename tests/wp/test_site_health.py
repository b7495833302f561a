"""Tools > Site Health: igsync's tests (the connection both ways, the queue, the tables) and its
section in Info, run as WordPress runs them and looked at in Chromium."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from selenium.webdriver.common.by import By

from daemon.redact import Secret
from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon

SITE_HEALTH = """
define( 'WP_ADMIN', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-debug-data.php';
$results = array();
foreach ( WP_Site_Health::get_tests()['direct'] as $id => $test ) {
	if ( 0 === strpos( $id, 'igsync' ) ) {
		$results[ $id ] = call_user_func( $test['test'] );
	}
}
$info = WP_Debug_Data::debug_data();
echo wp_json_encode( array( 'tests' => $results, 'info' => $info['igsync'] ?? null ) );
"""


def site_health(wp: WordPress) -> dict[str, Any]:
    return php_json(wp, SITE_HEALTH)


def test_site_health_tests_say_what_is_wrong(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str]
) -> None:
    wp = configured
    down = site_health(wp)["tests"]
    assert down["igsync_connection"]["status"] == "critical"
    assert "not reachable" in down["igsync_connection"]["description"]
    assert down["igsync_queue"]["status"] == "good"
    assert down["igsync_tables"]["status"] == "good"

    wp.sql("DROP TABLE wp_igsync_seen")
    wp.sql(  # a code the (stopped) daemon has not fetched for 20 minutes
        "INSERT INTO wp_igsync_codes (code_hash, code_enc, redirect_uri, context, received_at)"
        " VALUES (REPEAT('a', 64), 'x', 'https://x', '{}', UTC_TIMESTAMP() - INTERVAL 20 MINUTE)"
    )
    try:
        stuck = site_health(wp)["tests"]
    finally:
        wp.sql("DELETE FROM wp_igsync_codes WHERE code_hash = REPEAT('a', 64)")
    assert stuck["igsync_queue"]["status"] == "critical"
    assert "The oldest has waited 20 min" in stuck["igsync_queue"]["description"]
    assert stuck["igsync_tables"]["status"] == "good" and "wp_igsync_seen" in wp.tables()

    daemon.start()
    health = site_health(wp)
    assert health["tests"]["igsync_connection"]["status"] == "good"
    info = health["info"]
    fields = {key: field["value"] for key, field in info["fields"].items()}
    assert (
        fields["shared_secret"] == "Set (not shown)" and info["fields"]["shared_secret"]["private"]
    )
    assert shared["secret"] not in json.dumps(health)
    assert fields["woocommerce"] == ("10.0.2" if wp.woocommerce else "Not active")
    assert fields["redirect_uri"] == wp.callback_url


def test_site_health_looks_like_wordpress(configured: WordPress, daemon: RunningDaemon) -> None:
    daemon.start()
    with chromium() as browser:
        log_in(browser, configured, *ADMIN)
        browser.get(f"{configured.url}/wp-admin/site-health.php")
        browser.find_element(By.CSS_SELECTOR, "button.site-health-view-passed").click()
        passed = browser.find_element(
            By.XPATH, "//button[contains(., 'igsync reaches its daemon, and the daemon')]"
        )
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", passed)
        assert passed.is_displayed()
        screenshot(browser, configured, "site-health-status")
        browser.get(f"{configured.url}/wp-admin/site-health.php?tab=debug")
        section = browser.find_element(
            By.XPATH, "//button[@aria-controls='health-check-accordion-block-igsync']"
        )
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", section)
        section.click()
        shown = browser.find_element(By.ID, "health-check-accordion-block-igsync")
        assert "Set (not shown)" in shown.text
        screenshot(browser, configured, "site-health-info")


SEEN_BY_DAEMON = (
    "require 'wp-load.php'; $last = (array) get_option( 'igsync_health' );"
    " $last['instagram']['graph_api'] = array( 'version' => 'v22.0', 'available_until' =>"
    " '2027-05-20', 'days_left' => 30, 'verdict' => $argv[1] ); $last['checked_at'] = time();"
    " update_option( 'igsync_health', $last ); echo wp_json_encode( true );"
)


def test_site_health_says_when_instagram_refuses_the_app_or_the_graph_version_ends(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    daemon.start()
    good = site_health(wp)["tests"]["igsync_instagram"]
    assert good["status"] == "good", good
    assert "Graph API v25.0, which Meta serves until" in good["description"]

    for verdict, status, words in (
        ("warn", "recommended", "30 days from now"),
        ("fail", "critical", "which Meta stopped serving on"),
    ):
        php_json(wp, SEEN_BY_DAEMON, verdict)  # as a daemon pinned to v22.0 would report it
        seen = php_json(wp, SITE_HEALTH_INSTAGRAM)
        assert seen["status"] == status and words in seen["description"], seen

    daemon.stop()
    daemon.settings = replace(daemon.settings, instagram_app_secret=Secret("not-the-secret"))
    daemon.start()
    refused = site_health(wp)["tests"]["igsync_instagram"]
    assert refused["status"] == "critical" and "refused the app secret" in refused["description"]
    daemon.stop()
    stale = site_health(wp)["tests"]["igsync_instagram"]  # the daemon down: nothing fresh to say
    assert stale["status"] == "recommended" and "could not ask its daemon" in stale["label"]


SITE_HEALTH_INSTAGRAM = """
define( 'WP_ADMIN', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
echo wp_json_encode( Igsync_Site_Health::instagram() );
"""
