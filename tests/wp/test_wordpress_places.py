"""Where WordPress itself now shows a connected service, igsync is there: Settings > Connectors
(WordPress 7.0) says whether the site is paired and the connection works, and the Abilities API
(WordPress 6.9) answers about leads whoever may open the Leads screen, and nobody else. On
WordPress 6.1, which has neither, nothing is added and nothing breaks.

The Connectors test runs first: it looks at the site before it is paired."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.wordpress import ADMIN, SHOPPER, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.pushes import a_lead, an_event, push
from wp_bridge.signing import Signer

LOAD = "require __DIR__ . '/wp-load.php';\n"
HAS_APIS = LOAD + (
    "echo wp_json_encode( array( 'connectors' => function_exists( 'wp_get_connectors' ),"
    " 'abilities' => function_exists( 'wp_get_abilities' ) ) );"
)
TEST_CONNECTION = LOAD + "echo wp_json_encode( Igsync_Health::test() );"


def apis(wp: WordPress) -> dict[str, bool]:
    return php_json(wp, HAS_APIS)


def card(browser: Any, wp: WordPress) -> tuple[str, str, str]:
    """igsync's card on Settings > Connectors: its badge, its sentence, its button's link."""
    browser.get(f"{wp.url}/wp-admin/options-connectors.php")
    item = browser.find_element(By.CSS_SELECTOR, ".connector-item--igsync")
    badge = item.find_element(By.CSS_SELECTOR, ".igsync-connector__badge").text
    detail = item.find_element(By.CSS_SELECTOR, ".igsync-connector__detail").text
    button = item.find_element(By.CSS_SELECTOR, "a.components-button").get_attribute("href")
    return badge, detail, str(button)


def test_settings_connectors_shows_igsync_paired_working_and_failing(
    wp: WordPress, request: pytest.FixtureRequest
) -> None:
    if not apis(wp)["connectors"]:  # WordPress 6.1: no Connectors page, nothing of ours
        admin = wp.admin()
        settings = admin.get(f"{wp.url}/wp-admin/options-general.php", timeout=30)
        assert settings.status_code == 200 and "options-connectors.php" not in settings.text
        return
    registered = php_json(wp, LOAD + "echo wp_json_encode( wp_get_connector( 'igsync' ) );")
    assert registered["name"] == "igsync"
    assert registered["authentication"] == {"method": "none"}
    assert registered["plugin"]["file"] == "igsync-bridge/igsync-bridge.php"
    assert registered["logo_url"].endswith("/igsync-bridge/assets/igsync-logo.svg")

    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        badge, detail, button = card(browser, wp)
        assert badge == "Not paired" and "Pair this site" in detail
        assert button.endswith("/wp-admin/options-general.php?page=igsync")
        screenshot(browser, wp, "connectors-not-paired")

        daemon: RunningDaemon = request.getfixturevalue("daemon")  # pairs the site
        shared: dict[str, str] = request.getfixturevalue("shared")
        daemon.start()
        assert php_json(wp, TEST_CONNECTION)["ok"] is True
        badge, detail, button = card(browser, wp)
        assert badge == "Connected"
        assert f"igsync daemon at 127.0.0.1:{shared['daemon_port']}" in detail
        assert "Last checked" in detail
        for width in (1280, 390):
            browser.set_window_size(width, 1000)
            card(browser, wp)
            screenshot(browser, wp, f"connectors-connected-{width}")
        browser.set_window_size(1280, 1000)

        daemon.stop()
        failed = php_json(wp, TEST_CONNECTION)
        assert failed["ok"] is False
        badge, detail, _ = card(browser, wp)
        assert badge == "Connection lost" and detail == failed["message"]
        screenshot(browser, wp, "connectors-connection-lost")


FIND = "/wp-abilities/v1/abilities/igsync/find-leads/run"
GET = "/wp-abilities/v1/abilities/igsync/get-lead/run"
STATUS = "/wp-abilities/v1/abilities/igsync/get-connection-status/run"


def nonce_of(session: requests.Session, wp: WordPress) -> str:
    return session.get(f"{wp.url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=30).text


def ask(wp: WordPress, session: requests.Session, route: str, **query: str) -> requests.Response:
    """An ability run as WordPress's REST API runs a read-only one: GET, input in the query."""
    headers = {"X-WP-Nonce": nonce_of(session, wp)} if session.cookies else {}
    params = {f"input[{key}]": value for key, value in query.items()}
    return session.get(wp.rest(route), params=params, headers=headers, timeout=30)


def test_abilities_find_and_describe_leads_for_those_who_may_see_them(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    if not apis(wp)["abilities"]:  # WordPress 6.1: no Abilities API, no route
        answer = requests.get(wp.rest("/wp-abilities/v1/abilities"), timeout=30)
        assert answer.status_code == 404
        return
    signer = Signer(shared["secret"])
    big = a_lead(
        username="ab.big", name="Big Account", followers_count=5200, email="big@ab.example"
    )
    small = a_lead(username="ab.small", followers_count=40)
    lost = a_lead(username="ab.lost", followers_count=9000)
    for lead in (big, small, lost):
        assert push(wp, signer, lead).status_code == 201
    event = an_event(lost, "connection_lost", 2, status="needs_reconnect", reason="expired")
    assert push(wp, signer, event).status_code == 200
    php_json(
        wp,
        LOAD + "$lead = Igsync_Leads_Query::by_username( 'ab.big' );" + "echo wp_json_encode("
        " Igsync_Creators::add( $lead, 0, Igsync_Creators::ACTIVE, 'gold' ) );",
    )

    admin = wp.admin()
    listed = admin.get(
        wp.rest("/wp-abilities/v1/abilities"),
        params={"category": "igsync"},
        headers={"X-WP-Nonce": nonce_of(admin, wp)},
        timeout=30,
    )
    assert listed.status_code == 200, listed.text
    assert sorted(ability["name"] for ability in listed.json()) == [
        "igsync/find-leads",
        "igsync/get-connection-status",
        "igsync/get-lead",
    ]
    assert all(ability["meta"]["annotations"]["readonly"] for ability in listed.json())

    found = ask(wp, admin, FIND, status="connected", min_followers="1000", search="ab")
    assert found.status_code == 200, found.text
    assert [lead["username"] for lead in found.json()["leads"]] == ["ab.big"]
    assert found.json()["total"] == 1
    assert found.json()["leads"][0]["followers"] == 5200
    gold = ask(wp, admin, FIND, tier="gold").json()
    assert [lead["username"] for lead in gold["leads"]] == ["ab.big"]
    needs = ask(wp, admin, FIND, status="needs_reconnect").json()
    assert [lead["username"] for lead in needs["leads"]] == ["ab.lost"]

    one = ask(wp, admin, GET, username="@ab.big")
    assert one.status_code == 200, one.text
    summary = one.json()
    assert (summary["name"], summary["email"], summary["status"]) == (
        "Big Account",
        "big@ab.example",
        "connected",
    )
    assert summary["creator"]["tier"] == "gold" and summary["creator"]["status"] == "active"
    assert "token" not in str(summary).lower()
    missing = ask(wp, admin, GET, username="ab.nobody")
    assert missing.status_code == 404
    assert missing.json()["code"] == "igsync_ability_no_such_lead"
    bad = ask(wp, admin, FIND, status="everything")
    assert bad.status_code == 400

    status = ask(wp, admin, STATUS).json()
    assert status["state"] in {"unchecked", "working", "failing"}
    assert status["leads"]["needs_reconnect"] >= 1

    shopper = wp.login(*SHOPPER)
    refused = ask(wp, shopper, FIND)
    assert refused.status_code == 403, refused.text
    anonymous = ask(wp, requests.Session(), GET, username="ab.big")
    assert anonymous.status_code == 401
    assert "Big Account" not in anonymous.text
