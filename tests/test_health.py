"""The daemon's half of the plugin's Test connection (signed POST /v1/ping, which calls
WordPress back), and a refused signature told to the operator once a minute, not every sweep."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import requests

from daemon import __version__
from daemon.crypto import TokenCipher
from daemon.intake.catchup import QueueCatchUp
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import Settings
from daemon.store.database import Store
from tests.conftest import Shop
from tests.test_daemon import Running, running, settings  # noqa: F401 (fixtures)
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import WordPressClient


def test_ping_checks_our_signature_then_calls_wordpress_back(
    running: Running,  # noqa: F811
    signer: Signer,
) -> None:
    body = b"{}"
    answer = requests.post(
        f"{running.intake_url}/v1/ping", data=body, headers=signer.headers(body), timeout=10
    )
    assert answer.status_code == 200
    pong = answer.json()
    instagram = pong.pop("instagram")
    assert pong == {
        "status": "ok",
        "version": __version__,
        "wordpress": {"ok": True, "detail": "WordPress accepted the daemon's signed call"},
    }
    configured = running.daemon.settings
    assert instagram["credentials"]["verdict"] == "ok" and instagram["credentials"]["ok"]
    assert (instagram["app_id"], instagram["redirect_uri"], instagram["scopes"]) == (
        configured.instagram_app_id,
        configured.redirect_uri,
        ["instagram_business_basic"],
    )
    graph = instagram["graph_api"]
    assert (graph["version"], graph["available_until"], graph["verdict"]) == (
        "v25.0",
        "2028-07-29",
        "ok",
    )
    assert configured.instagram_app_secret.reveal() not in answer.text
    forged = Signer(generate_secret()).headers(body)
    refused = requests.post(f"{running.intake_url}/v1/ping", data=body, headers=forged, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"] == "bad_signature"


def test_ping_tells_wordpress_which_part_of_the_app_instagram_refuses(
    settings: Settings,  # noqa: F811
    signer: Signer,
) -> None:
    """wp-admin's Test connection and the go-live guide get doctor's verdicts: here a secret
    Instagram does not accept, and a Graph API version near its end."""
    wrong = replace(
        settings, instagram_app_secret=Secret("not-the-app-secret"), graph_api_version="v20.0"
    )
    daemon = Daemon.build(wrong)
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            body = b"{}"
            answer = requests.post(
                f"{intake.url}/v1/ping", data=body, headers=signer.headers(body), timeout=10
            )
    finally:
        daemon.stop()
    instagram = answer.json()["instagram"]
    assert instagram["credentials"]["verdict"] == "wrong_secret"
    assert not instagram["credentials"]["ok"]
    assert "app secret" in instagram["credentials"]["detail"]
    assert "not-the-app-secret" not in answer.text
    assert instagram["graph_api"]["version"] == "v20.0"
    assert instagram["graph_api"]["verdict"] == "fail"  # served until 24 September 2026


def test_a_refused_signature_is_logged_once_a_minute_at_warning(
    store: Store, cipher: TokenCipher, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    wordpress = WordPressClient(shop.url, Signer(generate_secret()))  # not the plugin's secret
    catch_up = QueueCatchUp(store, cipher, wordpress, redirect_uri="https://shop.example/cb")
    for _ in range(5):  # five sweeps within a minute
        assert catch_up.run_once() is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "WordPress refused the daemon's signature" in warnings[0].getMessage()
    assert "not reachable" not in caplog.text
