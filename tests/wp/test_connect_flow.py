"""A shopper connects through the bridge plugin inside a real WordPress, driven over HTTP like a
browser, with the daemon and the sandbox on loopback. Runs once per site of the matrix.

What WordPress holds is read back through WordPress (its admin pages, its CSV export, its
signed queue route), never from igsync's own database.
"""

from __future__ import annotations

import csv
import html
import io
import re
import subprocess

import requests
from selenium.webdriver.common.by import By

from tests.conftest import SECRETS, Sandbox, eventually
from tests.wordpress import SHOPPER, WordPress, free_port, php_json
from tests.wp.browser import chromium, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import leads_screen
from tests.wp.shopper import (
    code_of,
    come_back,
    connect,
    connect_link,
    consent,
    land,
    leads_page,
    start_flow,
    state_of,
)
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import WordPressClient


def test_a_logged_in_customer_connects_and_the_lead_shows_in_wp_admin(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    wp = configured
    shopper = wp.login(*SHOPPER)
    # The daemon is not running yet: the page must say "connecting" until the lead is in.
    _, landing = connect(wp, shopper, "lena.bakes")
    assert landing.url == wp.page_url  # back where they started, nothing added to the address
    assert landing.notice == "connecting"
    assert "Connecting your Instagram account" in landing.page
    assert "Connected to Instagram" not in landing.page
    again = shopper.get(wp.page_url, timeout=30).text
    assert "We received your Instagram authorization" not in again  # a refresh does not repeat it
    daemon.start()
    admin = wp.admin()
    eventually(lambda: "@lena.bakes" in leads_page(admin, wp), what="the lead on the Leads page")
    page = shopper.get(wp.page_url, timeout=30).text
    assert page.count("Connected to Instagram as @lena.bakes") == 1
    assert "Connecting your Instagram account" not in page
    users = admin.get(f"{wp.url}/wp-admin/users.php", timeout=30).text
    assert "@lena.bakes" in users  # the Instagram column
    profile = admin.get(f"{wp.url}/wp-admin/user-edit.php?user_id={wp.shopper_id}", timeout=30).text
    assert 'id="igsync-profile"' in profile and "@lena.bakes" in profile
    listing = leads_page(admin, wp)
    assert "shopper@example.com" in listing  # the email WordPress sent along
    export = re.search(r'id="igsync-export" class="page-title-action" href="([^"]+)"', listing)
    assert export
    exported = admin.get(html.unescape(export.group(1)), timeout=30)
    assert exported.content.startswith(b"\xef\xbb\xbf")  # UTF-8's BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    mine = [r for r in rows if r["Instagram username"] == "lena.bakes"]
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert len(mine) == 1
    assert mine[0]["WordPress user id"] == str(wp.shopper_id)
    assert mine[0]["Email"] == "shopper@example.com"
    assert mine[0]["Page"] == wp.page_url
    assert ig.state.stats()["codes_exchanged_more_than_once"] == []


def test_a_guest_connects_and_is_told_the_connection_is_under_way(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    with requests.Session() as guest:
        _, landing = connect(configured, guest, "guest.visitor")
        assert landing.url == configured.page_url and landing.notice == "connecting"
        assert guest.get(configured.page_url, timeout=30).text.count("We are connecting") == 0
    admin = configured.admin()
    eventually(lambda: "@guest.visitor" in leads_page(admin, configured), what="the guest's lead")
    [row] = [r for r in leads_screen(admin, configured) if r["username"].startswith("@guest.")]
    assert row["customer"] == "Guest"


def test_cancelling_at_instagram_shows_a_notice_and_stores_nothing(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    with requests.Session() as guest:
        callback, landing = connect(configured, guest, "changed.mind", allow=False)
    assert "error=access_denied" in callback
    assert landing.url == configured.page_url and landing.notice == "denied"
    assert daemon.codes_stored() == 0


def test_an_instagram_error_is_a_notice_not_a_page_of_json(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    with requests.Session() as guest:
        state = state_of(start_flow(configured, guest))
        landing = come_back(
            configured,
            guest,
            error="server_error",
            error_reason="temporarily_unavailable",
            state=state,
        )
    assert landing.url == configured.page_url and landing.notice == "error"
    assert daemon.codes_stored() == 0


def test_a_tampered_state_is_refused_and_nothing_is_stored(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    daemon.start()
    with requests.Session() as guest:
        state = state_of(start_flow(configured, guest))
        code = ig.new_code("tamperer")
        for bad_state in (
            state[:-1] + ("0" if state[-1] != "0" else "1"),
            "",
            "x" * 48,
            "é" * 2000,
        ):
            landing = come_back(configured, guest, code=code, state=bad_state)
            assert landing.url == configured.page_url and landing.notice == "expired"
    assert daemon.codes_stored() == 0
    assert ig.state.exchanges_of(code) == 0
    assert WordPressClient(configured.url, Signer(shared["secret"])).fetch_queue() == []


def test_a_state_from_another_visitor_is_refused(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    with requests.Session() as victim, requests.Session() as attacker:
        authorize = start_flow(configured, victim)
        state = state_of(authorize)
        landing = come_back(configured, attacker, code=ig.new_code("attacker"), state=state)
        assert landing.notice == "expired"
        assert landing.url.rstrip("/") == configured.url  # the attacker never started: home
        assert daemon.codes_stored() == 0
        # The attempt did not spend the state: the shopper it belongs to still comes back.
        callback = consent(victim, authorize, "the.real.owner")
        mine = land(victim, victim.get(callback, allow_redirects=False, timeout=30))
    assert mine.notice in ("queued", "connecting")
    eventually(lambda: daemon.codes_stored() == 1, what="the owner's code")


def test_an_expired_state_sends_the_shopper_back_with_a_notice(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    with requests.Session() as guest:
        state = state_of(start_flow(configured, guest))
        # ten minutes pass: WordPress's own expiry of the stored state
        configured.sql(
            "UPDATE wp_options SET option_value = UNIX_TIMESTAMP() - 1 "
            "WHERE option_name LIKE '_transient_timeout_igsync_state_%'"
        )
        landing = come_back(configured, guest, code=ig.new_code("too.slow"), state=state)
    assert landing.url == configured.page_url and landing.notice == "expired"
    assert daemon.codes_stored() == 0


def test_a_trailing_fragment_marker_is_stripped_from_the_code(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    code = ig.new_code("fragment.keeper")
    with requests.Session() as guest:
        state = state_of(start_flow(configured, guest))
        landing = come_back(configured, guest, code=code + "#_", state=state)
        assert landing.notice == "connecting"
    eventually(lambda: ig.state.exchanges_of(code) == 1, what="the code, without #_, exchanged")


def test_a_replayed_callback_is_refused(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    with requests.Session() as guest:
        callback, landing = connect(configured, guest, "replayer")
        again = land(guest, guest.get(callback, allow_redirects=False, timeout=30))
    assert landing.notice == "connecting"
    assert again.notice == "expired"
    assert daemon.codes_stored() == 1
    eventually(lambda: ig.state.exchanges_of(code_of(callback)) == 1, what="the code exchanged")


def test_the_daemon_down_while_a_shopper_connects_catches_up_after_restart(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    with requests.Session() as guest:
        callback, landing = connect(configured, guest, "patient.shopper")  # no daemon is running
    assert landing.notice == "connecting"
    client = WordPressClient(configured.url, Signer(shared["secret"]))
    code = code_of(callback)
    assert [item["code"] for item in client.fetch_queue()] == [code]
    assert ig.state.exchanges_of(code) == 0
    daemon.start()
    admin = configured.admin()
    eventually(
        lambda: "@patient.shopper" in leads_page(admin, configured), what="the caught-up lead"
    )
    assert ig.state.exchanges_of(code) == 1
    assert client.fetch_queue() == []


def test_a_code_queued_under_a_wrong_secret_arrives_once_the_owner_fixes_it(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    """The queue's key does not change with the shared secret: nothing queued is lost."""
    admin = configured.admin()
    wrong = generate_secret()
    SECRETS.add(wrong)
    assert "Settings saved." in configured.configure(admin, shared_secret=wrong).text
    daemon.start()
    try:
        with requests.Session() as guest:
            callback, landing = connect(configured, guest, "wrong.secret")
        assert landing.notice == "connecting"  # the daemon refused the forward's signature
        assert "@wrong.secret" not in leads_page(admin, configured)
    finally:
        fixed = configured.configure(admin, shared_secret=shared["secret"])
    assert "Settings saved." in fixed.text
    eventually(
        lambda: "@wrong.secret" in leads_page(admin, configured),
        what="the lead, once the secrets match again",
    )
    assert ig.state.exchanges_of(code_of(callback)) == 1


def test_shopper_errors_at_the_start_are_notices_on_the_page(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """An expired connect link and an unconfigured site: back to the page, with a notice."""
    customer = configured.admin()  # a logged-in customer who has not connected yet
    link = connect_link(configured, customer)
    assert "_igsync_nonce=" in link
    stale = re.sub(r"_igsync_nonce=[0-9a-f]+", "_igsync_nonce=0123456789", link)
    landing = land(customer, customer.get(stale, allow_redirects=False, timeout=30))
    assert landing.url == configured.page_url and landing.notice == "expired_link"

    with requests.Session() as guest:
        link = connect_link(configured, guest)
        configured.sql(
            "UPDATE wp_options SET option_name = 'igsync_settings_away' "
            "WHERE option_name = 'igsync_settings'"
        )
        try:
            landing = land(guest, guest.get(link, allow_redirects=False, timeout=30))
            owner_view = customer.get(configured.page_url, timeout=30).text
        finally:
            configured.sql(
                "UPDATE wp_options SET option_name = 'igsync_settings' "
                "WHERE option_name = 'igsync_settings_away'"
            )
    assert landing.url == configured.page_url and landing.notice == "unavailable"
    assert 'id="igsync-connect"' not in landing.page  # no button while it cannot work
    assert "once igsync is set up" in owner_view  # the owner is told why


def test_only_administrators_reach_the_settings_page(configured: WordPress) -> None:
    shopper = configured.login(*SHOPPER)
    denied = shopper.get(f"{configured.url}/wp-admin/options-general.php?page=igsync", timeout=30)
    assert denied.status_code == 403 or "not allowed" in denied.text
    page = (
        configured.admin()
        .get(f"{configured.url}/wp-admin/options-general.php?page=igsync", timeout=30)
        .text
    )
    assert f'readonly value="{html.escape(configured.callback_url)}"' in page
    assert 'name="igsync_settings[shared_secret]" value=""' in page  # the secret is never sent back
    plugins = configured.admin().get(f"{configured.url}/wp-admin/plugins.php", timeout=30).text
    row = plugins[plugins.index('data-plugin="igsync-bridge/igsync-bridge.php"') :]
    assert re.search(r'href="[^"]*options-general\.php\?page=igsync">Settings</a>', row[:3000])


def test_notices_speak_the_sites_language(configured: WordPress, daemon: RunningDaemon) -> None:
    """Every shopper-facing string is in the plugin's text domain, loaded from its languages/
    folder: a German translation of one notice shows on a German site."""
    languages = configured.root / "wp-content" / "plugins" / "igsync-bridge" / "languages"
    po = languages / "igsync-bridge-de_DE.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "You cancelled the connection to Instagram. You can connect any time."\n'
        'msgstr "Sie haben die Verbindung zu Instagram abgebrochen."\n'
    )
    subprocess.run(["msgfmt", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    configured.sql("DELETE FROM wp_options WHERE option_name = 'WPLANG'")
    configured.sql("INSERT INTO wp_options (option_name, option_value) VALUES ('WPLANG', 'de_DE')")
    daemon.start()
    try:
        with requests.Session() as guest:
            _, landing = connect(configured, guest, "spricht.deutsch", allow=False)
    finally:
        configured.sql("UPDATE wp_options SET option_value = '' WHERE option_name = 'WPLANG'")
        po.with_suffix(".mo").unlink()
        po.unlink()
    assert "Sie haben die Verbindung zu Instagram abgebrochen." in landing.page
    assert landing.notices == []  # not the English text


SANDBOX_AT = (
    "require 'wp-load.php'; $s = (array) get_option( 'igsync_settings' );"
    " $s['sandbox'] = $argv[1]; $s['authorize_url'] = $argv[2];"
    " update_option( 'igsync_settings', $s ); echo wp_json_encode( true );"
)


def test_in_sandbox_mode_a_stopped_daemon_gives_the_shopper_the_shops_notice(
    configured: WordPress, ig: Sandbox
) -> None:
    """The sandbox lives in the daemon: with the daemon stopped, the shopper who clicks Connect
    stays on the shop with its notice (not the browser's "This site can't be reached"), and the
    owner is told on the dashboard without clicking Test connection."""
    wp = configured
    stopped = f"http://127.0.0.1:{free_port()}/oauth/authorize"
    php_json(wp, SANDBOX_AT, "1", stopped)
    try:
        with requests.Session() as guest:
            start = guest.get(connect_link(wp, guest), allow_redirects=False, timeout=30)
            assert not str(start.headers.get("Location", "")).startswith(stopped)
            landing = land(guest, start)
        assert landing.notice == "unavailable" and landing.url.startswith(wp.url)
        dashboard = wp.admin().get(f"{wp.url}/wp-admin/index.php", timeout=30).text
        assert "does not answer: is the daemon running?" in html.unescape(dashboard)
        with chromium() as browser:
            browser.get(connect_link(wp, requests.Session()))
            screenshot(browser, wp, "shopper-sandbox-daemon-stopped")
            assert "not available right now" in browser.find_element(By.TAG_NAME, "body").text
        # The sandbox back (the daemon started): the shopper goes to it as before.
        php_json(wp, SANDBOX_AT, "1", f"{ig.url}/oauth/authorize")
        with requests.Session() as guest:
            assert start_flow(wp, guest).startswith(ig.url)
    finally:
        php_json(wp, SANDBOX_AT, "", f"{ig.url}/oauth/authorize")
