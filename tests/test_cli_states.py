"""Every command on a database that is not what it expects (none yet, an empty file, another
program's tables): a sentence saying what to do, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from daemon.cli import app
from daemon.crypto import generate_key
from daemon.ops.doctor import OK, WARN, run_checks
from daemon.settings import load_settings
from tests.conftest import APP_ID
from tests.wordpress import free_port
from wp_bridge.signing import generate_secret

COMMANDS = [
    ["status"],
    ["doctor"],
    ["customers", "list"],
    ["customers", "show", "1"],
    ["customers", "search", "lena"],
    ["customers", "export"],
    ["customers", "sync", "1"],
    ["deliveries", "list"],
    ["deliveries", "retry", "1"],
    ["tokens", "refresh"],
    ["forget", "17841400000000001", "--yes"],
    ["db", "current"],
    ["backup", "{tmp}/saved.db"],
    ["keys", "rotate"],
]


def make_database(state: str, path: Path) -> None:
    if state == "empty file":
        path.touch()
    elif state == "foreign":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE customers (something_else TEXT)")
            connection.execute("CREATE TABLE tokens (x INTEGER)")


@pytest.mark.parametrize("state", ["missing", "empty file", "foreign"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_command_prints_a_traceback_for_a_database_it_cannot_use(
    state: str, command: list[str], tmp_path: Path
) -> None:
    database = tmp_path / "igsync.db"
    make_database(state, database)
    env = {
        "HOME": str(tmp_path),
        "IGSYNC_ENV_FILE": "/dev/null",
        "IGSYNC_INSTAGRAM_APP_ID": APP_ID,
        "IGSYNC_INSTAGRAM_APP_SECRET": "an-app-secret",
        "IGSYNC_REDIRECT_URI": "https://shop.example/wp-json/igsync/v1/callback",
        "IGSYNC_WP_URL": "http://127.0.0.1:9",
        "IGSYNC_SHARED_SECRET": generate_secret(),
        "IGSYNC_ENCRYPTION_KEYS": generate_key(),
        "IGSYNC_STATE_DIR": str(tmp_path),
        "IGSYNC_DATABASE_URL": f"sqlite:///{database}",
        "IGSYNC_INSTAGRAM_OAUTH_URL": "http://127.0.0.1:9",
        "IGSYNC_INSTAGRAM_GRAPH_URL": "http://127.0.0.1:9",
        "IGSYNC_LISTEN": "127.0.0.1:9",
    }
    command = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(app, command, env=env)
    said = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), said
    assert "Traceback" not in said and "Error:" not in said.replace("igsync:", "")
    assert result.exit_code in (0, 1, 2), said
    if result.exit_code:
        assert said.strip(), "a failing command says why"


def test_in_sandbox_mode_doctor_passes_before_the_daemon_that_serves_the_sandbox_runs(
    tmp_path: Path,
) -> None:
    """`igsync doctor && systemctl start igsync` on a fresh sandbox install: the sandbox, like
    the intake, lives in the daemon, and no tables yet is what `igsync run` makes on start."""
    settings = load_settings(
        {
            "IGSYNC_INSTAGRAM_APP_ID": APP_ID,
            "IGSYNC_INSTAGRAM_APP_SECRET": "sandbox-made-up",
            "IGSYNC_REDIRECT_URI": "https://shop.example/wp-json/igsync/v1/callback",
            "IGSYNC_WP_URL": "http://127.0.0.1:9",
            "IGSYNC_SHARED_SECRET": generate_secret(),
            "IGSYNC_ENCRYPTION_KEYS": generate_key(),
            "IGSYNC_STATE_DIR": str(tmp_path),
            "IGSYNC_SANDBOX": "on",
            "IGSYNC_SANDBOX_LISTEN": f"127.0.0.1:{free_port()}",
            "IGSYNC_LISTEN": f"127.0.0.1:{free_port()}",
            "IGSYNC_ENV_FILE": "/dev/null",
        }
    )
    verdicts = {check.name: check.verdict for check in run_checks(lambda: settings)}
    assert verdicts["instagram oauth"] == verdicts["instagram graph"] == WARN
    assert verdicts["database"] == WARN and verdicts["intake"] == WARN
    assert verdicts["encryption keys"] == OK
