"""Restore leads from the daemon: a shop whose database came back from an older backup gets
every lead back through the reconciliation read (POST /v1/leads/since), clicked in wp-admin,
without a second "new lead" hook, mail or reward."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.conftest import eventually
from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.admin_forms import SETTINGS, press
from tests.wp.browser import chromium, log_in, screenshot, submit
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import handles, leads_screen
from tests.wp.shopper import connect

NAMES = ("restored.ana", "restored.ben", "restored.cleo")

LISTENER = """<?php
function reconciletest_record( $entry ) {
	$log   = get_option( 'reconciletest_log', array() );
	$log[] = $entry;
	update_option( 'reconciletest_log', $log, false );
}
add_action( 'igsync_lead_received', function ( $lead ) {
	reconciletest_record( array( 'received', $lead['username'] ) );
} );
add_action( 'igsync_lead_restored', function ( $lead ) {
	reconciletest_record( array( 'restored', $lead['username'] ) );
} );
add_filter( 'pre_wp_mail', function ( $sent, $mail ) {
	reconciletest_record( array( 'mail', $mail['subject'] ) );
	return true;
}, 10, 2 );
"""


@pytest.fixture
def listener(configured: WordPress) -> Iterator[Path]:
    mu_plugins = configured.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    script = mu_plugins / "reconciletest.php"
    script.write_text(LISTENER)
    configured.sql("DELETE FROM wp_options WHERE option_name = 'reconciletest_log'")
    yield script
    script.unlink()


def told(wp: WordPress) -> list[tuple[str, str]]:
    """What the listener heard, in order: ("received" | "restored" | "mail", what)."""
    log = php_json(
        wp,
        "require __DIR__ . '/wp-load.php';"
        " echo wp_json_encode( (array) get_option( 'reconciletest_log', array() ) );",
    )
    return [(kind, what) for kind, what in log]


def keys_and_statuses(wp: WordPress) -> list[str]:
    return sorted(
        wp.sql("SELECT CONCAT(idempotency_key, ' ', username, ' ', status) FROM wp_igsync_leads")
        .strip()
        .splitlines()
    )


def test_a_leads_table_emptied_by_an_old_backup_is_restored_from_the_daemon(
    configured: WordPress, daemon: RunningDaemon, listener: Path
) -> None:
    wp = configured
    daemon.start()
    admin = wp.admin()
    for name in NAMES:
        connect(wp, requests.Session(), name)
    eventually(
        lambda: sorted(handles(leads_screen(admin, wp))) == sorted(f"@{n}" for n in NAMES),
        what="three leads",
    )
    before = keys_and_statuses(wp)
    assert sorted(what for kind, what in told(wp) if kind == "received") == sorted(NAMES)

    wp.sql("DELETE FROM wp_igsync_leads")  # the database as an older backup had it
    assert handles(leads_screen(admin, wp)) == []
    wp.sql("DELETE FROM wp_options WHERE option_name = 'reconciletest_log'")

    page = press(wp, admin, "igsync_reconcile")
    assert page.status_code == 200
    assert "3 leads restored from the igsync daemon. 0 were still here." in page.text
    assert keys_and_statuses(wp) == before  # the same leads, keys and statuses
    assert sorted(handles(leads_screen(admin, wp))) == sorted(f"@{n}" for n in NAMES)
    heard = told(wp)
    assert sorted(what for kind, what in heard if kind == "restored") == sorted(NAMES)
    assert [entry for entry in heard if entry[0] != "restored"] == []  # no mail, no "received"

    again = press(wp, admin, "igsync_reconcile")
    assert "0 leads restored from the igsync daemon. 3 were still here." in again.text
    assert keys_and_statuses(wp) == before


def test_the_restore_button_sits_with_the_connection_tools_and_says_what_it_does(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    daemon.start()
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        for width, name in ((1280, "desktop"), (600, "narrow"), (390, "phone")):
            browser.set_window_size(width, 2400)
            browser.get(wp.url + SETTINGS)
            button = browser.find_element(By.ID, "igsync-restore-leads")
            assert button.is_displayed() and button.is_enabled()
            assert button.location["x"] + button.size["width"] <= width
            submit(browser, button)
            result = browser.find_element(By.ID, "igsync-restore-result")
            assert "restored from the igsync daemon" in result.text
            browser.execute_script(
                "arguments[0].scrollIntoView()", browser.find_element(By.ID, "igsync-restore")
            )
            screenshot(browser, wp, f"restore-leads-{name}")
