"""The plugin's life in a site, as WordPress runs it: the hourly prune scheduled while active and
cleared on deactivation; queued codes no key opens kept and shown to the owner; uninstall in a
fresh PHP process with the plugin not loaded, and Plugins > Delete in Chromium, leaving nothing.

The module runs in order: the last test deletes the plugin from its site."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import APP_ID, Sandbox, eventually
from tests.wordpress import ADMIN, SHOPPER, WordPress
from tests.wordpress import php_json as site_php_json
from tests.wp.admin_forms import press
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.shopper import code_of, connect, leads_page, start_flow
from wp_bridge.signing import Signer
from wp_bridge.wordpress import WordPressClient

PLUGIN = "igsync-bridge/igsync-bridge.php"
KEY_SELECT = "SELECT option_value FROM wp_options WHERE option_name = 'igsync_queue_key'"
KEY_UPDATE = "UPDATE wp_options SET option_value = '%s' WHERE option_name = 'igsync_queue_key'"
WP = "require __DIR__ . '/wp-load.php'; require_once ABSPATH . 'wp-admin/includes/plugin.php';\n"


def php_json(wp: WordPress, code: str) -> Any:
    """Run PHP in a fresh process of the site, WordPress and its plugin API loaded; the JSON
    it echoes."""
    return site_php_json(wp, WP + code)


NOTHING: dict[str, list[str]] = {
    "tables": [],
    "options": [],
    "cron": [],
    "usermeta": [],
    "notes": [],
}


def footprint(wp: WordPress) -> dict[str, list[str]]:
    """Everything of the plugin's that the database holds."""
    return {
        "tables": wp.tables(),
        "options": wp.sql(
            "SELECT option_name FROM wp_options WHERE option_name LIKE '%igsync%'"
        ).split(),
        "cron": ["igsync_prune"]
        if "igsync_prune" in wp.sql("SELECT option_value FROM wp_options WHERE option_name='cron'")
        else [],
        "usermeta": wp.sql(
            "SELECT DISTINCT meta_key FROM wp_usermeta WHERE meta_key LIKE 'igsync%'"
        ).split(),
        "notes": wp.sql(  # WooCommerce's inbox, where WooCommerce is
            "SELECT name FROM wp_wc_admin_notes WHERE name LIKE 'igsync-%'"
        ).split()
        if wp.woocommerce
        else [],
    }


def test_the_prune_runs_hourly_while_active_and_stops_on_deactivation(
    configured: WordPress,
) -> None:
    scheduled = (
        "echo wp_json_encode("
        " array( wp_next_scheduled( 'igsync_prune' ), wp_get_schedule( 'igsync_prune' ) ) );"
    )
    when, schedule = php_json(configured, scheduled)
    assert when and schedule == "hourly"
    php_json(configured, f"deactivate_plugins( '{PLUGIN}' ); echo 1;")
    assert php_json(configured, scheduled) == [False, False]
    php_json(configured, f"echo wp_json_encode( activate_plugin( '{PLUGIN}' ) );")
    when, schedule = php_json(configured, scheduled)
    assert when and schedule == "hourly"


def test_a_queued_code_no_key_opens_is_kept_and_shown_to_the_owner(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    with requests.Session() as guest:
        callback, landing = connect(configured, guest, "locked.out")  # the daemon is down
    assert landing.notice == "connecting"
    key = configured.sql(KEY_SELECT).strip()
    configured.sql(KEY_UPDATE % base64.b64encode(secrets.token_bytes(32)).decode())
    client = WordPressClient(configured.url, Signer(shared["secret"]))
    try:
        assert client.fetch_queue() == []  # nothing it can read...
        # ...but the row is kept, and the owner is told on the Dashboard.
        assert (
            configured.sql(
                "SELECT COUNT(*) FROM wp_igsync_codes WHERE code_enc IS NOT NULL"
            ).strip()
            == "1"
        )
        dashboard = configured.admin().get(f"{configured.url}/wp-admin/", timeout=30).text
        assert 'id="igsync-queue-unreadable"' in dashboard
        assert "1 Instagram connection is waiting in the queue but cannot be decrypted" in dashboard
        customer = configured.login(*SHOPPER).get(f"{configured.url}/wp-admin/", timeout=30).text
        assert "igsync-queue-unreadable" not in customer  # owners only
    finally:
        configured.sql(KEY_UPDATE % key)
    daemon.start()
    admin = configured.admin()
    eventually(
        lambda: "@locked.out" in leads_page(admin, configured), what="the lead, key restored"
    )
    assert ig.state.exchanges_of(code_of(callback)) == 1
    assert (
        'id="igsync-queue-unreadable"'
        not in admin.get(f"{configured.url}/wp-admin/", timeout=30).text
    )


def test_uninstall_as_wordpress_runs_it_leaves_nothing_behind(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """Deactivate, then uninstall in another PHP process, where the plugin is not loaded."""
    daemon.start()
    shopper = configured.login(*SHOPPER)
    connect(configured, shopper, "soon.uninstalled")
    admin = configured.admin()
    eventually(lambda: "@soon.uninstalled" in leads_page(admin, configured), what="the lead")
    daemon.stop()
    with requests.Session() as guest:
        start_flow(configured, guest)  # a state transient
    press(configured, admin, "igsync_pair")  # a pairing code, its attempts, the code shown
    # A failed test with the daemon stopped: with WooCommerce, a note in its inbox.
    php_json(configured, "require __DIR__ . '/wp-load.php'; Igsync_Health::test(); echo 1;")
    before = footprint(configured)
    assert before["tables"] and before["cron"] and "igsync_ig_username" in before["usermeta"]
    assert before["notes"] == (["igsync-connection-lost"] if configured.woocommerce else [])
    assert any(name.startswith("_transient_igsync_state_") for name in before["options"])
    assert "igsync_pairing" in before["options"]

    php_json(configured, f"deactivate_plugins( '{PLUGIN}' ); echo 1;")
    loaded, uninstalled = php_json(
        configured,
        f"$loaded = class_exists( 'Igsync_Queue', false );"
        f" uninstall_plugin( '{PLUGIN}' );"
        " echo wp_json_encode( array( $loaded, true ) );",
    )
    assert loaded is False and uninstalled is True
    assert footprint(configured) == NOTHING


def test_deleting_the_plugin_in_wp_admin_works_and_leaves_nothing_behind(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    """Plugins > Deactivate, then Delete, in Chromium, as a shop owner does it."""
    php_json(configured, f"echo wp_json_encode( activate_plugin( '{PLUGIN}' ) );")
    configured.configure(  # uninstalled above: set up again, as a returning owner would
        configured.admin(),
        daemon_url=f"http://127.0.0.1:{shared['daemon_port']}",
        shared_secret=shared["secret"],
        app_id=APP_ID,
        authorize_url=f"{ig.url}/oauth/authorize",
    )
    daemon.start()
    with requests.Session() as guest:
        connect(configured, guest, "deleted.with.the.plugin")
    admin = configured.admin()
    eventually(lambda: "@deleted.with.the.plugin" in leads_page(admin, configured), what="lead")
    daemon.stop()
    assert footprint(configured)["tables"]
    with chromium() as browser:
        log_in(browser, configured, *ADMIN)
        browser.get(f"{configured.url}/wp-admin/plugins.php")
        row = f'tr[data-plugin="{PLUGIN}"]'
        browser.find_element(By.CSS_SELECTOR, f"{row} .deactivate a").click()
        browser.find_element(By.CSS_SELECTOR, f"{row} .delete a").click()
        WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
        browser.switch_to.alert.accept()
        # WordPress replaces the plugin's row with the outcome, in words.
        outcome = WebDriverWait(browser, 60).until(
            lambda b: [
                element.text
                for element in b.find_elements(
                    By.CSS_SELECTOR, ".plugin-deleted-tr, " + row + " .notice-error"
                )
                if element.text
            ]
        )
        screenshot(browser, configured, "wp-admin-plugin-deleted")
        assert outcome == ["igsync bridge was successfully deleted."], outcome
    assert footprint(configured) == NOTHING
    assert not (configured.root / "wp-content" / "plugins" / "igsync-bridge").exists()
