"""`igsync review-kit DIR`: App Review's and the Data Use Checkup's papers for this shop, from
the daemon's real scopes and settings; the data inventory names every stored field of the
daemon's models and of the plugin's schema (so it cannot go stale), and no secret is in it."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from daemon.cli import app
from daemon.clock import utcnow
from daemon.ops.review_kit import (
    PLUGIN_SCHEMA,
    SelfTest,
    build_kit,
    daemon_columns,
    plugin_columns,
    shop_of,
)
from daemon.settings import Settings
from tests.conftest import Shop
from tests.test_daemon import daemon_env, settings  # noqa: F401 (fixture)

PLUGIN = Path(__file__).resolve().parent.parent / "wp_bridge/plugin/igsync-bridge"


def test_the_inventory_names_every_stored_field_of_the_daemon_and_the_plugin(
    settings: Settings,  # noqa: F811
) -> None:
    kit = build_kit(shop_of(settings), [], utcnow())
    inventory = kit["data-inventory.md"]
    assert "not described yet" not in inventory
    for table, columns in daemon_columns().items():
        for column in columns:
            assert re.search(rf"### `{table}`[^#]*\| `{column}` \|", inventory), (table, column)
    plugin = plugin_columns(PLUGIN_SCHEMA.read_text())
    assert set(plugin) == {
        "codes",
        "leads",
        "seen",
        "meta",
        "creators",
        "creator_orders",
        "creator_events",
        "creator_followers",
    }
    assert "consent_hash" in plugin["leads"] and "permissions" in plugin["leads"]
    for table, columns in plugin.items():
        for column in columns:
            assert re.search(rf"### `wp_igsync_{table}`[^#]*\| `{column}` \|", inventory)
    php = "\n".join(p.read_text() for p in PLUGIN.rglob("*.php"))
    user_meta = set(re.findall(r"_user_meta\( [^,]+, '(igsync_\w+)'", php))
    user_meta |= set(re.findall(r"const META\w* += '(igsync_\w+)';", php))  # Igsync_Shopper_Status
    assert user_meta >= {"igsync_ig_user_id", "igsync_status"}
    for key in user_meta:
        assert f"| `{key}` |" in inventory, key
    assert "| `access_token_ciphertext` | the long-lived access token | yes |" in inventory


def test_the_kit_is_written_for_this_shop_with_its_scopes_and_no_secret(
    settings: Settings,  # noqa: F811
    shop: Shop,
    tmp_path: Path,
) -> None:
    asked = replace(
        settings, scopes=("instagram_business_basic", "instagram_business_content_publish")
    )
    kit = build_kit(
        shop_of(asked),
        [SelfTest("/igsync/v1/meta/deauthorize", "https://x/?rest_route=/a", 200, '{"ok":1}')],
        utcnow(),
    )
    assert set(kit) == {
        "README.md",
        "permissions.md",
        "screencast.md",
        "data-inventory.md",
        "callbacks-self-test.md",
        "data-use-checkup.md",
    }
    permissions = kit["permissions.md"]
    assert "## `instagram_business_basic`" in permissions and "Advanced Access" in permissions
    assert "igsync does not use this permission" in permissions.split("content_publish")[1]
    assert settings.redirect_uri in kit["screencast.md"]
    assert f"{settings.wp_url}/wp-admin/admin.php?page=igsync-leads" in kit["screencast.md"]
    assert "HTTP 200 (works)" in kit["callbacks-self-test.md"]

    env = {**daemon_env(settings), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["review-kit", str(tmp_path / "kit")], env=env)
    written = {p.name: p.read_text() for p in (tmp_path / "kit").iterdir()}
    assert set(written) == set(kit)
    everything = "".join(written.values()) + result.stdout + result.stderr
    for secret in (
        settings.instagram_app_secret.reveal(),
        settings.shared_secret.reveal(),
        *(k.reveal() for k in settings.encryption_keys),
    ):
        assert secret not in everything
    # The stand-in shop has no Meta relay routes: the self-test says so and the command fails.
    assert result.exit_code == 1
    assert "fix this before App Review" in written["callbacks-self-test.md"]
