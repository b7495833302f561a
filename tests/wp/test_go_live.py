"""Settings > igsync > Go live with Instagram: Meta's steps with this shop's values, each step
ticking itself from what igsync can know (the daemon's word on the credentials, real
connections of testers and of the public, Meta's callbacks verified), the rest ticked by the
owner; looked at in Chromium, in sandbox mode and live, at desktop and phone width.

Here the sandbox stands in for Instagram without sandbox mode: to the plugin and the daemon
it is a live app, as Instagram would be."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import requests
from selenium.webdriver.common.by import By
from sqlmodel import col, select
from typer.testing import CliRunner

from daemon.cli import app
from daemon.clock import utcnow
from daemon.privacy.meta import build_signed_request
from daemon.redact import Secret
from daemon.store.models import Customer
from tests.conftest import Sandbox, eventually
from tests.test_daemon import daemon_env
from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.admin_forms import press
from tests.wp.browser import ARTIFACTS, chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.shopper import connect, leads_page
from tests.wp.test_connect_flow import SANDBOX_AT

GUIDE = "/wp-admin/options-general.php?page=igsync&tab=go-live"
INSIGHTS = "instagram_business_manage_insights"


def guide(wp: WordPress, admin: requests.Session) -> str:
    return admin.get(wp.url + GUIDE, timeout=30).text


def done(page: str, step: str) -> bool:
    found = re.search(rf'id="igsync-go-live-{step}" class="([^"]+)"', page)
    assert found, f"no step {step}"
    return "is-done" in found.group(1).split()


def ask_the_daemon(wp: WordPress, admin: requests.Session) -> str:
    answer = press(wp, admin, "igsync_test_connection", page=GUIDE, data={"igsync_back": "go-live"})
    assert answer.status_code == 200 and "tab=go-live" in answer.url
    return answer.text


def ig_user_id(daemon: RunningDaemon, username: str) -> str:
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        return session.execute(
            select(col(Customer.ig_user_id)).where(col(Customer.username) == username)
        ).scalar_one()


def test_the_review_kits_self_test_reaches_the_shop_and_is_not_taken_for_meta(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """`igsync review-kit` signs Meta's two callbacks itself and posts them to the URLs the
    guide gives Meta: both work, and the guide still waits for Meta's own."""
    wp = configured
    wp.sql("DELETE FROM wp_options WHERE option_name = 'igsync_go_live'")
    daemon.start()
    kit = ARTIFACTS / f"{wp.flavour.name}-review-kit"
    env = {**daemon_env(daemon.settings), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["review-kit", str(kit)], env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    tested = (kit / "callbacks-self-test.md").read_text()
    assert tested.count("HTTP 200 (works)") == 2, tested
    assert "confirmation_code" in tested  # the data deletion's receipt, as Meta gets it
    page = guide(wp, wp.admin())
    assert not done(page, "business_login")
    assert "A deauthorize callback from Meta arrived" in html.unescape(page)


def test_each_step_ticks_itself_where_igsync_can_know_it(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    wp, admin = configured, configured.admin()
    wp.sql("DELETE FROM wp_options WHERE option_name = 'igsync_go_live'")
    page = html.unescape(guide(wp, admin))
    meta = wp.callback_url.replace("/callback", "/meta/")
    for value in (wp.callback_url, meta + "deauthorize", meta + "data-deletion", f"{wp.url}/"):
        assert f'value="{value}"' in page, value  # each in a field with its Copy button
    assert "Standard Access" in page and "Advanced Access" in page and "Tester invites" in page
    assert not any(done(page, step) for step in ("credentials", "business_login", "testers"))

    daemon.start()
    page = html.unescape(ask_the_daemon(wp, admin))
    assert "Instagram accepts the app id, the app secret and the redirect URI." in page
    assert done(page, "credentials") and not done(page, "business_login")

    # The owner lists a tester and ticks what only they can know.
    saved = press(
        wp,
        admin,
        "igsync_go_live",
        page=GUIDE,
        data={"igsync_testers": "@Tester.One\nnot-a-name!", "igsync_ticked[]": ["app_created"]},
    )
    assert "Saved." in saved.text
    assert done(saved.text, "app") and not done(saved.text, "basic")
    assert re.search(r"<textarea[^>]*>tester\.one</textarea>", saved.text)

    with requests.Session() as shopper:
        connect(wp, shopper, "tester.one")
    eventually(lambda: "@tester.one" in leads_page(admin, wp), what="the tester's lead")
    page = guide(wp, admin)
    assert done(page, "testers") and not done(page, "public")
    with requests.Session() as shopper:
        connect(wp, shopper, "someone.else")
    eventually(lambda: done(guide(wp, admin), "public"), what="a shopper who is not a tester")

    # Meta's two callbacks, relayed and verified once each, tick the business login step.
    assert not done(guide(wp, admin), "business_login")
    user = ig_user_id(daemon, "someone.else")
    for route in ("deauthorize", "data-deletion"):
        signed = build_signed_request(user, ig.app_secret, issued_at=utcnow())
        answer = requests.post(
            wp.rest(f"/igsync/v1/meta/{route}"), {"signed_request": signed}, timeout=30
        )
        assert answer.status_code == 200, answer.text
    assert done(guide(wp, admin), "business_login")
    forged = build_signed_request(user, "not-the-secret", issued_at=utcnow())
    assert (
        requests.post(meta + "deauthorize", {"signed_request": forged}, timeout=30).status_code
        == 403
    )

    assert 'id="igsync-scopes-differ"' not in guide(wp, admin)
    # The daemon set to ask for more than the plugin asks for: the guide says to pair again.
    daemon.stop()
    kept = daemon.settings
    daemon.settings = replace(kept, scopes=("instagram_business_basic", INSIGHTS))
    daemon.start()
    page = html.unescape(ask_the_daemon(wp, admin))
    differ = re.search(r'id="igsync-scopes-differ">(.*?)</p>', page, re.S)
    assert differ and f"instagram_business_basic,{INSIGHTS}" in differ.group(1)
    daemon.settings = kept

    # A secret Instagram refuses: the guide says so, and the step is open again.
    daemon.stop()
    daemon.settings = replace(daemon.settings, instagram_app_secret=Secret("not-the-app-secret"))
    daemon.start()
    page = html.unescape(ask_the_daemon(wp, admin))
    assert "Instagram refused the app secret" in page and not done(page, "credentials")
    assert "not-the-app-secret" not in page


def test_the_guide_looks_like_wordpress_live_and_in_sandbox_mode(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    wp = configured
    daemon.start()
    ask_the_daemon(wp, wp.admin())
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        for width, name in ((1280, "desktop"), (600, "narrow"), (390, "phone")):
            browser.set_window_size(width, 2600)
            browser.get(wp.url + GUIDE)
            tabs = browser.find_elements(By.CSS_SELECTOR, ".nav-tab-wrapper .nav-tab")
            assert [t.text for t in tabs] == ["Settings", "Go live with Instagram"]
            assert "nav-tab-active" in (tabs[1].get_attribute("class") or "")
            step = browser.find_element(By.ID, "igsync-go-live-business_login")
            field = step.find_element(By.CSS_SELECTOR, "input[readonly]")
            button = step.find_element(By.CSS_SELECTOR, "button.igsync-copy")
            assert field.is_displayed() and button.is_displayed()
            assert field.rect["width"] > 150  # the address is readable, at phone width too
            assert button.location["x"] + button.size["width"] <= width
            screenshot(browser, wp, f"go-live-{name}")
        php_json(wp, SANDBOX_AT, "1", f"{ig.url}/oauth/authorize")
        try:
            browser.set_window_size(1280, 2600)
            browser.get(wp.url + GUIDE)
            body = browser.find_element(By.TAG_NAME, "body").text
            assert "Sandbox mode is on: the Connect button opens the igsync sandbox" in body
            screenshot(browser, wp, "go-live-sandbox-mode")
        finally:
            php_json(wp, SANDBOX_AT, "", "")
