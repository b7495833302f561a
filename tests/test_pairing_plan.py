"""What `igsync pair` settles before it sends anything: which app, which authorize page, what the
env file gains; and the addresses it refuses or warns about. (The pairing itself, against real
WordPress, is in tests/wp/test_pairing.py.)"""

from __future__ import annotations

import pytest

from daemon.ops.pairing import (
    PairingError,
    insecure_transport,
    plan_instagram,
    sandbox_out_of_reach,
)

REAL_APP = {"IGSYNC_INSTAGRAM_APP_ID": "1790000000000042", "IGSYNC_INSTAGRAM_APP_SECRET": "s3"}


def test_a_fresh_daemon_in_sandbox_mode_gets_an_app_a_key_and_the_sandboxs_page() -> None:
    plan = plan_instagram({}, sandbox=True, app_id=None, app_secret=None)
    made = plan.env_updates
    assert made["IGSYNC_SANDBOX"] == "on" and made["IGSYNC_ENCRYPTION_KEYS"]
    assert (
        made["IGSYNC_INSTAGRAM_APP_ID"].isdigit() and plan.app_id == made["IGSYNC_INSTAGRAM_APP_ID"]
    )
    assert made["IGSYNC_INSTAGRAM_APP_SECRET"].startswith("sandbox-")
    assert plan.authorize_url == "http://127.0.0.1:8766/oauth/authorize" and plan.sandbox
    behind_proxy = plan_instagram(
        {"IGSYNC_SANDBOX_URL": "https://sandbox.shop.example"},
        sandbox=True,
        app_id=None,
        app_secret=None,
    )
    assert behind_proxy.authorize_url == "https://sandbox.shop.example/oauth/authorize"


def test_the_sandbox_keeps_a_real_app_and_leaving_it_needs_one() -> None:
    kept = plan_instagram(REAL_APP, sandbox=True, app_id=None, app_secret=None)
    assert (
        "IGSYNC_INSTAGRAM_APP_ID" not in kept.env_updates
        and kept.app_id == REAL_APP["IGSYNC_INSTAGRAM_APP_ID"]
    )
    back = plan_instagram(
        {**REAL_APP, "IGSYNC_SANDBOX": "on", "IGSYNC_ENCRYPTION_KEYS": "k"},
        sandbox=False,
        app_id=None,
        app_secret=None,
    )
    assert back.env_updates == {"IGSYNC_SANDBOX": "off"} and back.authorize_url == ""
    made_up = plan_instagram({}, sandbox=True, app_id=None, app_secret=None).env_updates
    with pytest.raises(PairingError, match="--app-id"):
        plan_instagram(made_up, sandbox=False, app_id=None, app_secret=None)
    live = plan_instagram(made_up, sandbox=False, app_id="1790000000000099", app_secret="real")
    assert live.env_updates["IGSYNC_INSTAGRAM_APP_SECRET"] == "real"
    assert live.env_updates["IGSYNC_SANDBOX"] == "off" and not live.sandbox


def test_without_an_app_or_its_secret_pairing_is_refused_with_the_way_out() -> None:
    with pytest.raises(PairingError, match="--sandbox"):
        plan_instagram({}, sandbox=False, app_id=None, app_secret=None)
    with pytest.raises(PairingError, match="secret"):
        plan_instagram({}, sandbox=False, app_id="1790000000000042", app_secret="")


def test_a_sandbox_on_loopback_for_a_shop_elsewhere_is_called_out() -> None:
    page = "http://127.0.0.1:8766/oauth/authorize"
    assert sandbox_out_of_reach(page, "http://127.0.0.1:8080/store") is None
    assert sandbox_out_of_reach(page, "http://localhost:8080") is None
    warning = sandbox_out_of_reach(page, "https://shop.example")
    assert warning and "--sandbox-url" in warning
    assert (
        sandbox_out_of_reach("https://sandbox.shop.example/oauth/authorize", "https://shop.example")
        is None
    )


@pytest.mark.parametrize(
    ("url", "allow_private", "refused"),
    [
        ("https://shop.example", False, False),
        ("http://127.0.0.1:8080", False, False),
        ("http://[::1]:8080", False, False),
        ("http://localhost", False, False),
        ("http://192.168.1.20", False, True),
        ("http://192.168.1.20", True, False),
        ("http://203.0.113.7", True, True),
        ("http://shop.example", False, True),
        ("ftp://shop.example", False, True),
    ],
)
def test_only_https_loopback_or_an_allowed_private_network_carry_the_secret(
    url: str, allow_private: bool, refused: bool
) -> None:
    assert (insecure_transport(url, allow_private=allow_private) is not None) is refused
