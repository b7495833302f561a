"""Scopes are a setting: what shoppers are asked for (IGSYNC_SCOPES, Meta's enable_fb_login),
what Instagram granted (stored per customer, on the lead, in `customers show`), and doctor's
word when a requested permission is not granted."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from daemon.cli import app
from daemon.ops.doctor import scopes_not_granted
from daemon.ops.pairing import plan_instagram
from daemon.settings import SettingsError, load_settings
from tests.conftest import Sandbox, Shop
from tests.test_daemon import Running, daemon_env, forward_many, running, settings  # noqa: F401
from tests.test_settings import valid_env
from wp_bridge.signing import Signer

INSIGHTS = "instagram_business_manage_insights"


def test_the_scopes_and_enable_fb_login_are_settings_the_authorize_url_follows(
    sandbox: Sandbox,
) -> None:
    env = valid_env(
        IGSYNC_ENV_FILE="/dev/null",
        IGSYNC_SCOPES=f"instagram_business_basic, {INSIGHTS}",
        IGSYNC_ENABLE_FB_LOGIN="off",
    )
    configured = load_settings(env)
    assert configured.scopes == ("instagram_business_basic", INSIGHTS)
    assert configured.enable_fb_login is False
    client = sandbox.client(scopes=configured.scopes, enable_fb_login=configured.enable_fb_login)
    query = parse_qs(urlsplit(client.authorize_url(sandbox.redirect_uri, "s")).query)
    assert query["scope"] == [f"instagram_business_basic,{INSIGHTS}"]
    assert query["enable_fb_login"] == ["0"]
    default = parse_qs(urlsplit(sandbox.client().authorize_url(sandbox.redirect_uri, "s")).query)
    assert default["scope"] == ["instagram_business_basic"] and "enable_fb_login" not in default
    for bad in ("", "instagram business basic!", "UPPER"):
        with pytest.raises(SettingsError, match="IGSYNC_SCOPES"):
            load_settings({**env, "IGSYNC_SCOPES": bad or ","})
    with pytest.raises(SettingsError, match="IGSYNC_ENABLE_FB_LOGIN"):
        load_settings({**env, "IGSYNC_ENABLE_FB_LOGIN": "yes"})


def test_pairing_carries_the_scopes_to_the_plugin() -> None:
    env = {
        "IGSYNC_INSTAGRAM_APP_ID": "1790000000000042",
        "IGSYNC_INSTAGRAM_APP_SECRET": "s3cret",
        "IGSYNC_SCOPES": f"instagram_business_basic,{INSIGHTS}",
        "IGSYNC_ENABLE_FB_LOGIN": "on",
    }
    planned = plan_instagram(env, sandbox=False, app_id=None, app_secret=None)
    assert (planned.scopes, planned.enable_fb_login) == (
        f"instagram_business_basic,{INSIGHTS}",
        "on",
    )
    plain = plan_instagram(
        {k: v for k, v in env.items() if "SCOPES" not in k and "FB" not in k},
        sandbox=False,
        app_id=None,
        app_secret=None,
    )
    assert (plain.scopes, plain.enable_fb_login) == ("", "")


def test_what_instagram_granted_is_stored_shown_and_pushed_and_doctor_says_what_is_missing(
    running: Running,  # noqa: F811
    sandbox: Sandbox,
    shop: Shop,
    signer: Signer,
) -> None:
    forward_many(sandbox, running.intake_url, signer, 1, prefix="granted")
    assert shop.state.wait_for(1, timeout=30)
    lead = next(iter(shop.state.leads.values()))
    assert lead["permissions"] == "instagram_business_basic"
    env = {**daemon_env(running.daemon.settings), "COLUMNS": "200"}
    runner = CliRunner()
    shown = runner.invoke(app, ["customers", "show", "@granted0", "--json"], env=env)
    assert json.loads(shown.stdout)["permissions"] == "instagram_business_basic"
    doctor = runner.invoke(app, ["doctor"], env=env)
    assert re.search(r"^ok\s+permissions .*every connection granted them", doctor.stdout, re.M)
    asked_more = {**env, "IGSYNC_SCOPES": f"instagram_business_basic,{INSIGHTS}"}
    doctor = runner.invoke(app, ["doctor"], env=asked_more)
    assert re.search(
        rf"^warn\s+permissions .*{INSIGHTS}: 1 connection\(s\) without it", doctor.stdout, re.M
    )


def test_connections_recorded_before_permissions_were_kept_are_not_counted() -> None:
    requested = ("instagram_business_basic", INSIGHTS)
    granted = ["instagram_business_basic", None, f"{INSIGHTS},instagram_business_basic"]
    assert scopes_not_granted(requested, granted) == {INSIGHTS: 1}
