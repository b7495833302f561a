"""The daemon's half of the plugin's Test connection (signed POST /v1/ping, which calls
WordPress back), and a refused signature told to the operator once a minute, not every sweep."""

from __future__ import annotations

import logging

import pytest
import requests

from daemon import __version__
from daemon.catchup import QueueCatchUp
from daemon.crypto import TokenCipher
from daemon.store import Store
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
    assert answer.json() == {
        "status": "ok",
        "version": __version__,
        "wordpress": {"ok": True, "detail": "WordPress accepted the daemon's signed call"},
    }
    forged = Signer(generate_secret()).headers(body)
    refused = requests.post(f"{running.intake_url}/v1/ping", data=body, headers=forged, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"] == "bad_signature"


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
