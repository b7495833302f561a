"""The bridge plugin inside a real WordPress (Debian's package, PHP's built-in server, MariaDB),
driven over HTTP like a shopper's browser, with the daemon and the sandbox on loopback.

What WordPress holds is read back through WordPress (its admin pages, its CSV export, its
signed queue route), never from igsync's own database.
"""

from __future__ import annotations

import csv
import html
import io
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlmodel import col, func, select

from daemon.clock import utcnow
from daemon.crypto import generate_key
from daemon.meta import build_signed_request
from daemon.models import Customer, ReceivedCode, Token, TokenStatus
from daemon.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from daemon.service import Daemon
from daemon.serving import ServerThread
from daemon.settings import Listen
from daemon.store import Store
from tests.conftest import APP_ID, SECRETS, Sandbox, eventually, make_settings
from tests.wordpress import ADMIN, SHOPPER, WordPress, free_port, mariadb, start_wordpress
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import LEADS_ROUTE, WordPressClient, encode_json

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    site = start_wordpress(tmp_path_factory.mktemp("wp"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def shared() -> dict[str, str]:
    return {
        "secret": generate_secret(),
        "key": generate_key(),
        "app_secret": secrets.token_hex(16),
        "daemon_port": str(free_port()),
    }


@pytest.fixture(scope="module")
def ig(wp: WordPress, shared: dict[str, str]) -> Iterator[Sandbox]:
    state = SandboxState(SandboxConfig(APP_ID, shared["app_secret"], frozenset({wp.callback_url})))
    with ServerThread(create_sandbox_app(state)) as server:
        yield Sandbox(state, server.url, wp.callback_url, shared["app_secret"])
    SECRETS.update({*state._codes, *state._tokens})


@pytest.fixture(scope="module")
def configured(wp: WordPress, ig: Sandbox, shared: dict[str, str]) -> WordPress:
    answer = wp.configure(
        wp.admin(),
        daemon_url=f"http://127.0.0.1:{shared['daemon_port']}",
        shared_secret=shared["secret"],
        app_id=APP_ID,
        api_flavour="instagram_login",
        authorize_url=f"{ig.url}/oauth/authorize",
    )
    assert answer.status_code == 200 and "Settings saved." in answer.text
    return wp


class RunningDaemon:
    def __init__(self, settings_kwargs: dict[str, object]) -> None:
        self.settings = make_settings(**settings_kwargs)  # type: ignore[arg-type]
        self.daemon: Daemon | None = None
        self.server: ServerThread | None = None

    def start(self) -> RunningDaemon:
        self.daemon = Daemon.build(self.settings)
        self.daemon.start()
        self.server = ServerThread(self.daemon.intake, self.settings.listen).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.daemon is not None:
            self.daemon.stop()
        self.server = self.daemon = None

    def codes_stored(self) -> int:
        store = Store(self.settings.database_url)
        store.migrate()
        try:
            with store.read() as session:
                return int(
                    session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one()
                )
        finally:
            store.dispose()


@pytest.fixture
def daemon(
    configured: WordPress, ig: Sandbox, shared: dict[str, str], tmp_path: Path
) -> Iterator[RunningDaemon]:
    running = RunningDaemon(
        {
            "sandbox": ig,
            "wp_url": configured.url,
            "shared_secret": shared["secret"],
            "encryption_key": shared["key"],
            "state_dir": tmp_path,
            "sweep_interval_seconds": 1.0,
            "listen": Listen("127.0.0.1", int(shared["daemon_port"])),
        }
    )
    yield running
    running.stop()


def connect(
    wp: WordPress, http: requests.Session, username: str, *, allow: bool = True
) -> tuple[str, str]:
    """Click "Connect with Instagram" on the shop, then Allow (or Cancel) at the sandbox.

    Returns (the callback URL Instagram sent the browser to, where the shop sent it next)."""
    page = http.get(f"{wp.url}/connect/", timeout=30)
    link = re.search(r'id="igsync-connect" href="([^"]+)"', page.text)
    assert link, "no connect button on the page"
    start = http.get(html.unescape(link.group(1)), allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text
    authorize = start.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert query["redirect_uri"] == wp.callback_url and query["client_id"] == APP_ID
    assert http.get(authorize, timeout=30).status_code == 200  # the consent page
    decision = http.post(
        authorize.split("?", 1)[0],
        allow_redirects=False,
        timeout=30,
        data={
            **query,
            "username": username,
            "account_type": "BUSINESS",
            "decision": "allow" if allow else "deny",
        },
    )
    callback = decision.headers["Location"]
    back = http.get(callback, allow_redirects=False, timeout=30)
    assert back.status_code == 302, back.text
    return callback, back.headers["Location"]


def notice(location: str) -> str:
    return parse_qs(urlsplit(location).query)["igsync_notice"][0]


def leads_page(admin: requests.Session, wp: WordPress) -> str:
    return admin.get(f"{wp.url}/wp-admin/admin.php?page=igsync-leads", timeout=30).text


def test_a_logged_in_customer_connects_and_the_lead_shows_in_wp_admin(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    wp = configured
    daemon.start()
    shopper = wp.login(*SHOPPER)
    _, back = connect(wp, shopper, "lena.bakes")
    assert back.startswith(f"{wp.url}/connect/") and notice(back) == "connected"
    admin = wp.admin()
    eventually(lambda: "@lena.bakes" in leads_page(admin, wp), what="the lead on the Leads page")
    users = admin.get(f"{wp.url}/wp-admin/users.php", timeout=30).text
    assert "@lena.bakes" in users  # the Instagram column
    profile = admin.get(f"{wp.url}/wp-admin/user-edit.php?user_id={wp.shopper_id}", timeout=30).text
    assert 'id="igsync-profile"' in profile and "@lena.bakes" in profile
    assert "shopper@example.com" in leads_page(admin, wp)  # the email WordPress sent along
    export_link = html.unescape(
        re.search(
            r'id="igsync-export" class="page-title-action" href="([^"]+)"', leads_page(admin, wp)
        ).group(1)
    )  # type: ignore[union-attr]
    exported = admin.get(export_link, timeout=30)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    mine = [r for r in rows if r["username"] == "lena.bakes"]
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert (
        len(mine) == 1
        and mine[0]["wp_user_id"] == str(wp.shopper_id)
        and mine[0]["email"] == "shopper@example.com"
    )
    assert (
        shopper.get(f"{wp.url}/connect/", timeout=30).text.count(
            "Connected to Instagram as @lena.bakes"
        )
        == 1
    )
    assert ig.state.stats()["codes_exchanged_more_than_once"] == []


def test_a_guest_connects_and_is_recorded_as_a_guest_lead(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    with requests.Session() as guest:
        _, back = connect(configured, guest, "guest.visitor")
    assert notice(back) == "connected"
    admin = configured.admin()
    eventually(lambda: "@guest.visitor" in leads_page(admin, configured), what="the guest's lead")
    row = re.search(
        r"<tr>\s*<td>@guest\.visitor</td>(.*?)</tr>", leads_page(admin, configured), re.S
    )
    assert row and "guest" in row.group(1)


def test_cancelling_at_instagram_shows_a_notice_and_stores_nothing(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    with requests.Session() as guest:
        callback, back = connect(configured, guest, "changed.mind", allow=False)
        page = guest.get(back, timeout=30).text
    assert "error=access_denied" in callback and notice(back) == "denied"
    assert "You cancelled the connection to Instagram" in page
    assert daemon.codes_stored() == 0


def test_a_tampered_state_is_refused_and_nothing_is_stored(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    daemon.start()
    with requests.Session() as guest:
        page = guest.get(f"{configured.url}/connect/", timeout=30)
        link = html.unescape(re.search(r'id="igsync-connect" href="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
        authorize = guest.get(link, allow_redirects=False, timeout=30).headers["Location"]
        state = parse_qs(urlsplit(authorize).query)["state"][0]
        code = ig.new_code("tamperer")
        for bad_state in (state[:-1] + ("0" if state[-1] != "0" else "1"), "", "x" * 48):
            answer = guest.get(
                configured.callback_url,
                params={"code": code, "state": bad_state},
                allow_redirects=False,
                timeout=30,
            )
            assert (
                answer.status_code == 302 and notice(answer.headers["Location"]) == "invalid_state"
            )
    assert daemon.codes_stored() == 0
    assert ig.state.exchanges_of(code) == 0
    queue = WordPressClient(configured.url, Signer(shared["secret"])).fetch_queue()
    assert queue == []


def test_a_state_from_another_visitor_is_refused(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    with requests.Session() as victim, requests.Session() as attacker:
        page = victim.get(f"{configured.url}/connect/", timeout=30)
        link = html.unescape(re.search(r'id="igsync-connect" href="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
        state = parse_qs(
            urlsplit(victim.get(link, allow_redirects=False, timeout=30).headers["Location"]).query
        )["state"][0]
        answer = attacker.get(
            configured.callback_url,
            params={"code": ig.new_code("attacker"), "state": state},
            allow_redirects=False,
            timeout=30,
        )
    assert notice(answer.headers["Location"]) == "invalid_state"
    assert daemon.codes_stored() == 0


def start_flow(wp: WordPress, http: requests.Session) -> str:
    """Click the connect button; the state the shop created."""
    page = http.get(f"{wp.url}/connect/", timeout=30)
    link = html.unescape(re.search(r'id="igsync-connect" href="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    authorize = http.get(link, allow_redirects=False, timeout=30).headers["Location"]
    return parse_qs(urlsplit(authorize).query)["state"][0]


def test_an_expired_state_is_refused(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    with requests.Session() as guest:
        state = start_flow(configured, guest)
        # ten minutes pass: WordPress's own expiry of the stored state
        mariadb(
            f"UPDATE {configured.database}.wp_options SET option_value = UNIX_TIMESTAMP() - 1 "  # noqa: S608 (our generated name)
            "WHERE option_name LIKE '_transient_timeout_igsync_state_%'"
        )
        answer = guest.get(
            configured.callback_url,
            params={"code": ig.new_code("too.slow"), "state": state},
            allow_redirects=False,
            timeout=30,
        )
    assert notice(answer.headers["Location"]) == "invalid_state"
    assert daemon.codes_stored() == 0


def test_a_trailing_fragment_marker_is_stripped_from_the_code(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    code = ig.new_code("fragment.keeper")
    with requests.Session() as guest:
        state = start_flow(configured, guest)
        answer = guest.get(
            configured.callback_url,
            params={"code": code + "#_", "state": state},
            allow_redirects=False,
            timeout=30,
        )
    assert notice(answer.headers["Location"]) == "connected"
    eventually(lambda: ig.state.exchanges_of(code) == 1, what="the code, without #_, exchanged")


def test_a_replayed_callback_is_refused(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    daemon.start()
    with requests.Session() as guest:
        callback, back = connect(configured, guest, "replayer")
        again = guest.get(callback, allow_redirects=False, timeout=30)
    assert notice(back) == "connected"
    assert notice(again.headers["Location"]) == "invalid_state"
    assert daemon.codes_stored() == 1
    code = parse_qs(urlsplit(callback).query)["code"][0]
    eventually(lambda: ig.state.exchanges_of(code) == 1, what="the code exchanged")


def test_forged_replayed_stale_or_malformed_lead_pushes_are_refused(
    configured: WordPress, shared: dict[str, str]
) -> None:
    lead = {
        "idempotency_key": "igsync-lead-forged",
        "ig_user_id": "17841400000000001",
        "username": "forged.lead",
    }
    body = encode_json(lead)
    url = configured.url + LEADS_ROUTE
    good = Signer(shared["secret"])

    def post(headers: dict[str, str], data: bytes = body) -> requests.Response:
        return requests.post(
            url, data=data, headers={**headers, "Content-Type": "application/json"}, timeout=30
        )

    forged = post(Signer(generate_secret()).headers(body))
    assert forged.status_code == 401 and forged.json()["code"] == "igsync_bad_signature"
    assert post({}).status_code == 401
    stale = post(good.headers(body, now=time.time() - 600))
    assert stale.status_code == 401 and "tolerance" in stale.json()["message"]
    malformed_body = encode_json({"idempotency_key": "igsync-lead-x", "username": "no id"})
    malformed = post(good.headers(malformed_body), malformed_body)
    assert (
        malformed.status_code == 400 and malformed.json()["code"] == "rest_missing_callback_param"
    )
    signed = good.headers(body)
    first, replay = post(signed), post(signed)
    assert first.status_code == 201
    assert replay.status_code == 401 and "already accepted" in replay.json()["message"]
    admin = configured.admin()
    page = leads_page(admin, configured)
    assert page.count("@forged.lead") == 1 and "no id" not in page


def test_the_daemon_down_while_a_shopper_connects_catches_up_after_restart(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    with requests.Session() as guest:
        callback, back = connect(configured, guest, "patient.shopper")  # no daemon is running
    assert notice(back) == "pending"
    queue = WordPressClient(configured.url, Signer(shared["secret"])).fetch_queue()
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert [item["code"] for item in queue] == [code]
    assert ig.state.exchanges_of(code) == 0
    daemon.start()
    admin = configured.admin()
    eventually(
        lambda: "@patient.shopper" in leads_page(admin, configured), what="the caught-up lead"
    )
    assert ig.state.exchanges_of(code) == 1
    assert WordPressClient(configured.url, Signer(shared["secret"])).fetch_queue() == []


def test_only_administrators_reach_the_settings_page(configured: WordPress) -> None:
    shopper = configured.login(*SHOPPER)
    denied = shopper.get(f"{configured.url}/wp-admin/options-general.php?page=igsync", timeout=30)
    assert denied.status_code == 403 or "not allowed" in denied.text
    page = (
        configured.admin()
        .get(f"{configured.url}/wp-admin/options-general.php?page=igsync", timeout=30)
        .text
    )
    assert f'readonly value="{configured.callback_url}"' in page
    assert 'name="igsync_settings[shared_secret]" value=""' in page  # the secret is never sent back


def test_a_headless_browser_clicks_through_and_the_leads_page_shows_the_lead(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    browser = webdriver.Chrome(options=options, service=service)
    try:
        browser.implicitly_wait(10)
        browser.get(f"{configured.url}/wp-login.php")
        browser.find_element(By.ID, "user_login").send_keys(SHOPPER[0])
        browser.find_element(By.ID, "user_pass").send_keys(SHOPPER[1])
        browser.find_element(By.ID, "wp-submit").click()
        browser.find_element(By.ID, "wpadminbar")
        browser.get(f"{configured.url}/connect/")
        browser.find_element(By.ID, "igsync-connect").click()
        username = browser.find_element(By.ID, "username")
        username.clear()
        username.send_keys("chromium.clicker")
        browser.find_element(By.ID, "allow").click()
        assert (
            "Your Instagram account is connected"
            in browser.find_element(By.CLASS_NAME, "igsync-notice").text
        )
        browser.delete_all_cookies()
        browser.get(f"{configured.url}/wp-login.php")
        browser.find_element(By.ID, "user_login").send_keys("admin")
        browser.find_element(By.ID, "user_pass").send_keys(ADMIN[1])
        browser.find_element(By.ID, "wp-submit").click()
        browser.find_element(By.ID, "wpadminbar")

        def lead_listed() -> bool:
            browser.get(f"{configured.url}/wp-admin/admin.php?page=igsync-leads")
            return "@chromium.clicker" in browser.find_element(By.ID, "igsync-leads").text

        eventually(lead_listed, what="the lead in the browser's Leads page")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "wp-admin-leads.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        browser.quit()


def test_meta_callbacks_through_the_plugin_revoke_then_erase_in_both_places(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    """Meta calls the shop (the daemon is on loopback): the plugin relays, the daemon verifies,
    revokes, erases, and tells the plugin to erase the lead and the user meta."""
    wp = configured
    daemon.start()
    admin = wp.admin()
    _, back = connect(wp, admin, "deleted.later")  # the administrator connects, as a customer
    assert notice(back) == "connected"
    eventually(lambda: "@deleted.later" in leads_page(admin, wp), what="the lead")
    assert daemon.daemon is not None
    store = daemon.daemon.store
    with store.read() as session:
        customer = session.execute(
            select(Customer).where(col(Customer.username) == "deleted.later")
        ).scalar_one()
    meta = f"{wp.url}/wp-json/igsync/v1/meta"

    def signed(user_id: str, secret: str = ig.app_secret) -> dict[str, str]:
        return {"signed_request": build_signed_request(user_id, secret, issued_at=utcnow())}

    forged = requests.post(
        f"{meta}/data-deletion", data=signed(customer.ig_user_id, "x"), timeout=30
    )
    assert forged.status_code == 403 and forged.json()["error"] == "bad_signed_request"
    malformed = requests.post(f"{meta}/deauthorize", data={"signed_request": "a b"}, timeout=30)
    assert malformed.status_code == 400 and malformed.json()["code"] == "rest_invalid_param"

    revoked = requests.post(f"{meta}/deauthorize", data=signed(customer.ig_user_id), timeout=30)
    assert revoked.status_code == 200 and revoked.json()["tokens_revoked"] == 1
    with store.read() as session:
        token = session.execute(
            select(Token).where(col(Token.customer_id) == customer.id)
        ).scalar_one()
    assert token.status == TokenStatus.REVOKED
    assert "@deleted.later" in leads_page(admin, wp)  # deauthorizing keeps the lead

    deleted = requests.post(f"{meta}/data-deletion", data=signed(customer.ig_user_id), timeout=30)
    assert deleted.status_code == 200
    receipt = deleted.json()
    assert receipt["url"].startswith(f"{wp.url}/wp-json/igsync/v1/meta/deletion-status")
    eventually(
        lambda: requests.get(receipt["url"], timeout=30).json().get("status") == "completed",
        what="the deletion completed, as its status URL says",
    )
    assert "@deleted.later" not in leads_page(admin, wp)
    profile = admin.get(f"{wp.url}/wp-admin/profile.php", timeout=30).text
    assert "@deleted.later" not in profile
    with store.read() as session:
        assert session.get(Customer, customer.id) is None


def test_every_shopper_connected_above_has_a_lead_of_their_own(configured: WordPress) -> None:
    """Each test ran its own daemon on a fresh database: leads must still never overwrite
    each other in WordPress (their idempotency keys come from the codes, not row ids)."""
    page = leads_page(configured.admin(), configured)
    for username in (
        "lena.bakes",
        "guest.visitor",
        "replayer",
        "patient.shopper",
        "chromium.clicker",
        "forged.lead",
    ):
        assert page.count(f"<td>@{username}</td>") == 1, username
    assert "@changed.mind" not in page and "@tamperer" not in page and "@attacker" not in page


def test_uninstalling_removes_the_plugins_tables_and_settings(configured: WordPress) -> None:
    """Runs next to last: it takes the plugin out of this module's WordPress."""
    uninstall = (
        "<?php require __DIR__ . '/wp-load.php';"
        " require_once ABSPATH . 'wp-admin/includes/plugin.php';"
        " deactivate_plugins( 'igsync-bridge/igsync-bridge.php' );"
        " uninstall_plugin( 'igsync-bridge/igsync-bridge.php' );"
        " echo get_option( 'igsync_settings' ) === false ? 'settings gone' : 'settings kept';"
    )
    (configured.root / "igsync-uninstall.php").write_text(uninstall)
    result = subprocess.run(
        ["php", "igsync-uninstall.php"],
        cwd=configured.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.endswith("settings gone"), result.stderr
    tables = subprocess.run(
        [
            "mariadb",
            "-uroot",
            "-N",
            "-e",
            f"SHOW TABLES FROM {configured.database} LIKE 'wp_igsync%'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert tables.strip() == ""


def test_no_php_notice_or_warning_was_logged(configured: WordPress) -> None:
    """Runs last in this module: everything above ran with WP_DEBUG on. (WordPress 6.1 itself
    logs PHP 8.2 deprecations, and warnings for the update checks this site blocks.)"""
    log = configured.debug_log.read_text() if configured.debug_log.exists() else ""
    ours = [line for line in log.splitlines() if "plugins/igsync-bridge/" in line]
    assert ours == []
    assert "Constant ABSPATH already defined" not in log
