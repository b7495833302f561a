"""Pairing (Settings > igsync > Pair): a one-time code the administrator gives `igsync pair`,
which settles the shared secret, the daemon's address, the app id and the redirect URI on both
sides; single use, five wrong codes per client and fifty per code, the replaced secret
honoured for an hour, and never over plain HTTP to a public address."""

from __future__ import annotations

import html
import json
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from dotenv import dotenv_values
from selenium.webdriver.common.by import By
from typer.testing import CliRunner

from daemon.cli import app
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import load_settings
from tests.conftest import APP_ID, SECRETS
from tests.wordpress import ADMIN, WordPress, free_port, php_json
from tests.wp.admin_forms import SETTINGS, press
from tests.wp.browser import chromium, log_in, screenshot, submit
from tests.wp.shopper import start_flow
from wp_bridge.signing import Signer, generate_secret, to_wordpress

UNPAIR = to_wordpress("POST", "/igsync/v1/unpair")

SETUP_STEPS = ("paired", "app", "redirect", "button", "lead")
APP_SECRET = "an-app-secret-for-the-pairing-tests"
SECRETS.add(APP_SECRET)
APP = f"IGSYNC_INSTAGRAM_APP_ID={APP_ID}\nIGSYNC_INSTAGRAM_APP_SECRET={APP_SECRET}\n"


def new_code(wp: WordPress, admin: requests.Session) -> str:
    """Click "Pair" on the settings page; the code the page then shows."""
    answer = press(wp, admin, "igsync_pair")
    shown = re.search(r'class="igsync-pairing-code">([A-Z2-9]{4}-[A-Z2-9]{4})<', answer.text)
    assert shown, answer.text[-800:]
    assert html.escape(f"igsync pair {shown.group(1)} --wp-url {wp.url} --run") in answer.text
    return shown.group(1)


def igsync_pair(env_file: Path, *args: str, typed: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["pair", *args],
        env={"IGSYNC_ENV_FILE": str(env_file), "IGSYNC_STATE_DIR": str(env_file.parent)},
        input=typed,
    )
    return result.exit_code, result.stdout + result.stderr


def stored(wp: WordPress) -> dict[str, str]:
    """Settings > igsync as saved ({} on a site that never saved them)."""
    return dict(
        php_json(
            wp,
            "require 'wp-load.php'; echo wp_json_encode( Igsync_Settings::all() );",
        )
    )


def signed_ping(wp: WordPress, secret: str) -> int:
    body = b""
    headers = Signer(secret).headers(body, to_wordpress("GET", "/igsync/v1/ping"))
    return requests.get(
        wp.url + "/?rest_route=/igsync/v1/ping", headers=headers, timeout=30
    ).status_code


def test_a_fresh_site_shows_what_is_left_and_ticks_each_step_as_it_holds(wp: WordPress) -> None:
    """Runs first in this module: the site is fresh (no settings, no pairing, no lead)."""
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(wp.url + SETTINGS)
        done = {
            step.get_attribute("id"): "is-done" in (step.get_attribute("class") or "")
            for step in browser.find_elements(By.CSS_SELECTOR, ".igsync-checklist .igsync-step")
        }
        assert list(done) == [f"igsync-step-{s}" for s in SETUP_STEPS]
        # The test site has a published page with the button; WooCommerce adds My Account's.
        assert done == {f"igsync-step-{s}": s == "button" for s in SETUP_STEPS}
        assert "1 of 5 steps done." in browser.find_element(By.ID, "wpbody-content").text
        copy = browser.find_element(By.CSS_SELECTOR, "#igsync-step-redirect .igsync-copy")
        assert copy.get_attribute("data-copy") == wp.callback_url
        screenshot(browser, wp, "wp-admin-setup-checklist-fresh")


def test_pairing_settles_both_sides_once(wp: WordPress, tmp_path: Path) -> None:
    admin = wp.admin()
    port = free_port()
    env_file = tmp_path / "igsync.env"
    env_file.write_text(
        f"{APP}#IGSYNC_SHARED_SECRET=whsec_placeholder\nIGSYNC_LISTEN=127.0.0.1:{port}\n"
    )
    env_file.chmod(0o600)
    code = new_code(wp, admin)

    exit_code, said = igsync_pair(env_file, code, "--wp-url", wp.url)
    assert exit_code == 0, said
    learned = dotenv_values(env_file)
    secret = str(learned["IGSYNC_SHARED_SECRET"])
    SECRETS.add(secret)
    assert secret.startswith("whsec_") and secret not in said  # sent once, never shown
    assert learned["IGSYNC_WP_URL"] == wp.url
    assert learned["IGSYNC_REDIRECT_URI"] == wp.callback_url
    assert "#IGSYNC_SHARED_SECRET" not in env_file.read_text()  # the commented line now set
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert "Signed ping: WordPress accepted the daemon's signed call" in said
    settings = stored(wp)
    assert settings["shared_secret"] == secret
    # The secret is kept apart, in an option WordPress does not load with every request.
    autoloaded = wp.sql(
        "SELECT option_value FROM wp_options WHERE autoload IN ('yes', 'on', 'auto', 'auto-on')"
    )
    assert "whsec_" not in autoloaded
    assert wp.sql(
        "SELECT autoload FROM wp_options WHERE option_name = 'igsync_secrets'"
    ).strip() in ("no", "off")
    assert settings["daemon_url"] == f"http://127.0.0.1:{port}"
    assert settings["app_id"] == APP_ID and settings["api_flavour"] == "instagram_login"
    page = admin.get(wp.url + SETTINGS, timeout=30).text
    assert 'id="igsync-paired"' in page and "Pair again" in page
    assert "3 of 5 steps done." in page  # paired, the app id it brought, the button

    exit_code, said = igsync_pair(env_file, code, "--wp-url", wp.url)
    assert exit_code == 1 and "wrong, used or expired" in said  # single use
    assert dotenv_values(env_file)["IGSYNC_SHARED_SECRET"] == secret  # nothing changed

    # Pairing again rotates the secret; the replaced one stays good for an hour.
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    rotated = str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"])
    SECRETS.add(rotated)
    assert rotated != secret
    assert signed_ping(wp, rotated) == 200 and signed_ping(wp, secret) == 200
    stranger = generate_secret()
    SECRETS.add(stranger)
    assert signed_ping(wp, stranger) == 401


def test_pairing_keeps_the_env_file_to_its_owner_and_may_create_it(
    wp: WordPress, tmp_path: Path
) -> None:
    """An owner's .env made with umask 022 (to set the ports, say) is readable by everyone:
    once it holds secrets it is not; and IGSYNC_ENV_FILE may name a file not made yet."""
    admin = wp.admin()
    env_file = tmp_path / "igsync.env"
    env_file.write_text(f"{APP}IGSYNC_LISTEN=127.0.0.1:{free_port()}\n")
    env_file.chmod(0o644)
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    SECRETS.add(str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"]))
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert "was readable by other users" in said
    fresh = tmp_path / "not-yet" / "igsync.env"
    fresh.parent.mkdir()
    exit_code, said = igsync_pair(fresh, new_code(wp, admin), "--wp-url", wp.url, "--sandbox")
    assert exit_code == 0, said
    SECRETS.add(str(dotenv_values(fresh)["IGSYNC_SHARED_SECRET"]))
    assert fresh.stat().st_mode & 0o777 == 0o600 and "Traceback" not in said


PAIR_ROUTE = "/?rest_route=/igsync/v1/pair"
WRONG = {"code": "ZZZZ-ZZZZ", "shared_secret": "x", "daemon_url": "http://x"}


def wrong_codes(wp: WordPress, times: int) -> list[int]:
    """`times` wrong codes sent to the pair route at once, as an attacker would; the statuses."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(
                lambda _: requests.post(wp.url + PAIR_ROUTE, json=WRONG, timeout=60).status_code,
                range(times),
            )
        )


def test_wrong_codes_slow_a_client_down_but_never_lock_the_owner_out(
    wp: WordPress, tmp_path: Path
) -> None:
    admin = wp.admin()
    env_file = tmp_path / "igsync.env"
    env_file.write_text(APP)
    php_json(wp, "require 'wp-load.php'; delete_option( 'igsync_pairing' ); echo '1';")
    # With no code outstanding there is nothing to guess: refused, and counted nowhere.
    assert wrong_codes(wp, 12) == [403] * 12
    before = stored(wp).get("shared_secret")
    code = new_code(wp, admin)
    # With a code outstanding, parallel guesses from one address: five are checked, no more.
    statuses = wrong_codes(wp, 20)
    assert sorted(statuses) == [403] * 5 + [429] * 15
    exit_code, said = igsync_pair(env_file, code, "--wp-url", wp.url)
    assert exit_code == 1 and "Too many wrong pairing codes from this address" in said
    assert stored(wp).get("shared_secret") == before
    assert "IGSYNC_SHARED_SECRET" not in env_file.read_text()
    # The owner's "Pair again" clears the wait: its code pairs at once.
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    SECRETS.add(str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"]))
    # Nothing is left in the database to read the next code from.
    shown = new_code(wp, admin).replace("-", "")
    kept = wp.sql("SELECT option_value FROM wp_options WHERE option_name LIKE '%pairing_code%'")
    assert kept.strip() and shown not in kept
    php_json(wp, "require 'wp-load.php'; delete_option( 'igsync_pairing' ); echo '1';")


REMOTE_ADDR_SHIM = """<?php
// Stands in for a client elsewhere on the network: the test server only listens on loopback.
if ( isset( $_SERVER['HTTP_X_TEST_REMOTE_ADDR'] ) ) {
	$_SERVER['REMOTE_ADDR'] = $_SERVER['HTTP_X_TEST_REMOTE_ADDR'];
}
"""


def test_a_pairing_code_grants_pairing_and_nothing_more(wp: WordPress, tmp_path: Path) -> None:
    """Whoever holds a code may not send shoppers to any page, point WordPress at any address,
    or take the new secret over plain HTTP from afar; the shop's name reaches the daemon as text."""
    admin = wp.admin()
    secret = generate_secret()
    SECRETS.add(secret)
    good = {
        "shared_secret": secret,
        "daemon_url": "http://127.0.0.1:9",
        "api_flavour": "instagram_login",
    }
    mu_plugins = wp.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    (mu_plugins / "remote-addr.php").write_text(REMOTE_ADDR_SHIM)
    try:
        before = stored(wp).get("shared_secret")
        refused: dict[str, dict[str, object]] = {
            "an authorize page elsewhere": {"authorize_url": "https://evil.example/fake-login"},
            "a sandbox page on another host": {
                "authorize_url": "https://evil.example/oauth/authorize",
                "sandbox": True,
            },
            "a daemon address with a query": {"daemon_url": "http://127.0.0.1:9/x?x="},
            "a link-local daemon": {"daemon_url": "http://169.254.169.254/latest/meta-data"},
        }
        for why, change in refused.items():
            code = new_code(wp, admin)
            answer = requests.post(
                wp.url + PAIR_ROUTE, json={"code": code, **good, **change}, timeout=30
            )
            assert answer.status_code == 422, why
        code = new_code(wp, admin)
        from_afar = requests.post(
            wp.url + PAIR_ROUTE,
            json={"code": code, **good},
            headers={"X-Test-Remote-Addr": "203.0.113.7"},
            timeout=30,
        )
        assert from_afar.status_code == 403 and "https://" in from_afar.json()["message"]
        claims_private = requests.post(
            wp.url + PAIR_ROUTE,
            json={"code": code, **good, "private_http": True},
            headers={"X-Test-Remote-Addr": "203.0.113.7"},
            timeout=30,
        )
        assert (
            claims_private.status_code == 403
        )  # a public address is not made private by saying so
        assert stored(wp).get("shared_secret") == before
        # The same code from this machine, with Instagram's own page: paired.
        php_json(
            wp, "require 'wp-load.php'; update_option( 'blogname', \"Lena's Bakery\" ); echo 1;"
        )
        answer = requests.post(
            wp.url + PAIR_ROUTE,
            json={
                "code": code,
                **good,
                "authorize_url": "https://www.instagram.com/oauth/authorize",
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["site_name"] == "Lena's Bakery"
    finally:
        (mu_plugins / "remote-addr.php").unlink()
        php_json(
            wp, "require 'wp-load.php'; update_option( 'blogname', 'igsync test shop' ); echo 1;"
        )


def test_plain_http_to_a_public_address_is_refused_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / "igsync.env"
    env_file.write_text("")
    exit_code, said = igsync_pair(env_file, "ABCD-EFGH", "--wp-url", "http://203.0.113.7")
    assert exit_code == 2 and "plain HTTP" in said and "use https://" in said
    exit_code, said = igsync_pair(env_file, "ABCD-EFGH", "--wp-url", "http://192.168.1.20")
    assert exit_code == 2 and "--allow-private-http" in said
    assert env_file.read_text() == ""


def test_sandbox_pairing_then_going_live_with_the_app_id_and_its_secret(
    wp: WordPress, tmp_path: Path
) -> None:
    admin = wp.admin()
    env_file = tmp_path / "igsync.env"
    env_file.write_text(f"IGSYNC_LISTEN=127.0.0.1:{free_port()}\n")  # a fresh daemon: no app
    code = new_code(wp, admin)
    exit_code, said = igsync_pair(env_file, code, "--wp-url", wp.url)
    assert exit_code == 2 and "no Instagram app yet" in said and "--sandbox" in said
    assert env_file.read_text().count("\n") == 1  # nothing written, nothing sent: the code
    sandbox_url = "http://127.0.0.1:8999"  # still works below

    exit_code, said = igsync_pair(
        env_file, code, "--wp-url", wp.url, "--sandbox", "--sandbox-url", sandbox_url
    )
    assert exit_code == 0, said
    learned = dotenv_values(env_file)
    SECRETS.update(
        {str(learned["IGSYNC_INSTAGRAM_APP_SECRET"]), str(learned["IGSYNC_SHARED_SECRET"])}
    )
    assert learned["IGSYNC_SANDBOX"] == "on" and learned["IGSYNC_SANDBOX_URL"] == sandbox_url
    made_up_app = str(learned["IGSYNC_INSTAGRAM_APP_ID"])
    assert made_up_app.isdigit() and learned["IGSYNC_ENCRYPTION_KEYS"]
    assert str(learned["IGSYNC_INSTAGRAM_APP_SECRET"]) not in said
    settings = stored(wp)
    assert settings["sandbox"] == "1" and settings["app_id"] == made_up_app
    assert settings["authorize_url"] == f"{sandbox_url}/oauth/authorize"
    page = admin.get(wp.url + SETTINGS, timeout=30).text
    assert "Sandbox mode is on: this is not Instagram." in page

    # Leaving the sandbox needs the real app: the made-up one is not sent to WordPress.
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 2 and "--app-id" in said
    exit_code, said = igsync_pair(
        env_file, new_code(wp, admin), "--wp-url", wp.url, "--app-id", APP_ID, typed=APP_SECRET
    )
    assert exit_code == 0, said
    assert APP_SECRET not in said
    learned = dotenv_values(env_file)
    assert learned["IGSYNC_INSTAGRAM_APP_ID"] == APP_ID
    assert learned["IGSYNC_INSTAGRAM_APP_SECRET"] == APP_SECRET
    assert learned["IGSYNC_SANDBOX"] == "off"
    settings = stored(wp)
    assert settings["sandbox"] == "" and settings["app_id"] == APP_ID
    assert settings["authorize_url"] == ""  # Instagram's own page
    page = admin.get(wp.url + SETTINGS, timeout=30).text
    assert "Sandbox mode is on" not in page
    assert 'value="https://www.instagram.com/oauth/authorize"' in page
    pairings = [json.loads(line) for line in (tmp_path / "pairings.log").read_text().splitlines()]
    assert [entry["sandbox"] for entry in pairings] == [True, False]
    assert all(entry["site_url"] == wp.url + "/" for entry in pairings)


def test_unpairing_from_either_side_is_logged_on_both(wp: WordPress, tmp_path: Path) -> None:
    admin = wp.admin()
    port = free_port()
    env_file = tmp_path / "igsync.env"
    env_file.write_text(f"{APP}IGSYNC_LISTEN=127.0.0.1:{port}\nIGSYNC_STATE_DIR={tmp_path}\n")
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    secret = str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"])
    SECRETS.update({secret, str(dotenv_values(env_file)["IGSYNC_ENCRYPTION_KEYS"])})
    settings = load_settings({"IGSYNC_ENV_FILE": str(env_file)})
    daemon = Daemon.build(settings)
    daemon.start()
    try:
        with ServerThread(daemon.intake, settings.listen):
            page = press(wp, admin, "igsync_unpair").text
    finally:
        daemon.stop()
    assert "Unpaired. The daemon logged it" in page
    assert 'id="igsync-paired"' not in page and "Pair with the igsync daemon" in page
    assert "Unpaired by admin in wp-admin" in page  # the history table
    assert "shared_secret" not in stored(wp)
    assert signed_ping(wp, secret) == 503  # no secret at all now (not the old one for an hour)
    daemon_log = [json.loads(line) for line in (tmp_path / "pairings.log").read_text().splitlines()]
    assert [(e["event"], e.get("by")) for e in daemon_log] == [
        ("paired", None),
        ("unpaired", "admin in wp-admin"),
    ]

    # From the daemon's side: `igsync unpair`. A daemon replaced by a newer pairing keeps the
    # old secret's hour for what it has in flight, but may not unpair its successor.
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    replaced = str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"])
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    SECRETS.update({replaced, str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"])})
    body = b'{"daemon_host": "the-replaced-daemon"}'
    refused = requests.post(
        wp.url + "/?rest_route=/igsync/v1/unpair",
        data=body,
        headers={**Signer(replaced).headers(body, UNPAIR), "Content-Type": "application/json"},
        timeout=30,
    )
    assert refused.status_code == 401 and signed_ping(wp, replaced) == 200
    assert "shared_secret" in stored(wp)
    result = CliRunner().invoke(app, ["unpair"], env={"IGSYNC_ENV_FILE": str(env_file)})
    assert result.exit_code == 0, result.stdout
    assert "forgot the shared secret" in result.stdout
    assert dotenv_values(env_file)["IGSYNC_SHARED_SECRET"] == ""
    assert "shared_secret" not in stored(wp)
    page = admin.get(wp.url + SETTINGS, timeout=30).text
    assert f"Unpaired by igsync unpair on {socket.gethostname()}" in page
    last = json.loads((tmp_path / "pairings.log").read_text().splitlines()[-1])
    assert (last["event"], last["by"]) == ("unpaired", "igsync unpair")

    # With the daemon away, wp-admin still unpairs, and says the daemon did not hear it.
    exit_code, said = igsync_pair(env_file, new_code(wp, admin), "--wp-url", wp.url)
    assert exit_code == 0, said
    SECRETS.add(str(dotenv_values(env_file)["IGSYNC_SHARED_SECRET"]))
    page = press(wp, admin, "igsync_unpair").text
    assert "the daemon could not be reached" in page and "igsync unpair" in page
    assert "shared_secret" not in stored(wp)


def test_the_pairing_screen_looks_like_wordpress(wp: WordPress) -> None:
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(wp.url + SETTINGS)
        submit(browser, browser.find_element(By.ID, "igsync-pair"))
        code = browser.find_element(By.CSS_SELECTOR, "#igsync-pairing-code .igsync-pairing-code")
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code.text)
        command = browser.find_element(By.ID, "igsync-pair-command").get_attribute("value")
        assert command == f"igsync pair {code.text} --wp-url {wp.url} --run"
        screenshot(browser, wp, "wp-admin-pairing-code")


def test_pairing_carries_the_scopes_and_enable_fb_login_to_the_shoppers_authorize_url(
    wp: WordPress, tmp_path: Path
) -> None:
    admin = wp.admin()
    env_file = tmp_path / "igsync.env"
    asked = "instagram_business_basic,instagram_business_manage_insights"
    env_file.write_text(
        f"IGSYNC_LISTEN=127.0.0.1:{free_port()}\nIGSYNC_SCOPES={asked}\n"
        "IGSYNC_ENABLE_FB_LOGIN=off\n"
    )
    exit_code, said = igsync_pair(
        env_file, new_code(wp, admin), "--wp-url", wp.url, "--app-id", APP_ID, typed=APP_SECRET
    )
    assert exit_code == 0, said
    SECRETS.update({str(v) for k, v in dotenv_values(env_file).items() if "SECRET" in k})
    assert (stored(wp)["scopes"], stored(wp)["enable_fb_login"]) == (asked, "off")
    with requests.Session() as shopper:
        query = parse_qs(urlsplit(start_flow(wp, shopper)).query)
    assert query["scope"] == [asked] and query["enable_fb_login"] == ["0"]

    env_file.write_text(f"IGSYNC_LISTEN=127.0.0.1:{free_port()}\n")  # back to the defaults
    exit_code, said = igsync_pair(
        env_file, new_code(wp, admin), "--wp-url", wp.url, "--app-id", APP_ID, typed=APP_SECRET
    )
    assert exit_code == 0, said
    with requests.Session() as shopper:
        query = parse_qs(urlsplit(start_flow(wp, shopper)).query)
    assert query["scope"] == ["instagram_business_basic"] and "enable_fb_login" not in query
