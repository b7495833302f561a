"""The admin CLI: list, show, search, export, status, deliveries, db, keys; tokens masked."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import update
from sqlmodel import col, select
from typer.testing import CliRunner

import wp_bridge.plugin
from daemon import __version__
from daemon.cli import app
from daemon.cli.spreadsheet import safe_cell
from daemon.cli.views import EXPORT_FIELDS
from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.pipeline.deliveries import DeliveryWorker
from daemon.pipeline.exchange import CodePipeline
from daemon.privacy.erasure import deauthorize
from daemon.settings import load_settings
from daemon.store.database import Store
from daemon.store.migrations import NEWEST_REVISION
from daemon.store.models import Customer, Delivery
from daemon.store.statuses import CodeStatus, DeliveryStatus
from tests.conftest import Sandbox, Shop, make_settings, store_code
from tests.postgres import fresh_database
from tests.test_daemon import daemon_env
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import WordPressClient


@dataclass
class Filled:
    env: dict[str, str]
    tokens: list[str]
    runner: CliRunner

    def run(self, *args: str) -> tuple[int, str, str]:
        result = self.runner.invoke(app, list(args), env=self.env)
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite unless a test asks for PostgreSQL too (BOTH_DATABASES)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'igsync.db'}"
        return
    with fresh_database() as url:
        yield url


# The read commands go through plain SQL (daemon.store.reader): sqlite3 on SQLite, SQLAlchemy
# Core on PostgreSQL; the same SQL must read the same on both.
BOTH_DATABASES = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.system)], indirect=True
)


@pytest.fixture
def filled(
    database_url: str,
    sandbox: Sandbox,
    shop: Shop,
    shared_secret: str,
    encryption_key: str,
    tmp_path: Path,
    cipher: TokenCipher,
    signer: Signer,
) -> Iterator[Filled]:
    """Three customers through the real pipeline; the third's lead refused by WordPress."""
    settings = make_settings(
        sandbox,
        wp_url=shop.url,
        shared_secret=shared_secret,
        encryption_key=encryption_key,
        state_dir=tmp_path,
        database_url=database_url,
    )
    store = Store(settings.database_url)
    store.migrate()
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="t")
    good = DeliveryWorker(store, WordPressClient(shop.url, signer), owner="t")
    bad = DeliveryWorker(store, WordPressClient(shop.url, Signer(generate_secret())), owner="t")
    people = [
        ("lena.bakes", "lena@example.com", 7),
        ("tom_runs", None, None),
        ("lenny.k", "lk@example.com", 9),
    ]
    for n, (username, email, wp_user) in enumerate(people):
        code_id = store_code(
            store,
            cipher,
            sandbox.new_code(username),
            sandbox.redirect_uri,
            now=pipeline.clock(),
            email=email,
            wp_user_id=wp_user,
        )
        assert pipeline.process(code_id) == CodeStatus.COMPLETED
        worker = bad if n == 2 else good
        assert worker.process(n + 1) in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
    store.dispose()
    env = {**daemon_env(settings), "IGSYNC_DATABASE_URL": database_url, "COLUMNS": "250"}
    yield Filled(env, [t for t in sandbox.state._tokens], CliRunner())


def assert_no_token(filled: Filled, output: str) -> None:
    for token in filled.tokens:
        assert token not in output


@BOTH_DATABASES
def test_customers_list_table_and_json(filled: Filled) -> None:
    code, out, _ = filled.run("customers", "list")
    assert code == 0
    for name in (
        "@lena.bakes",
        "@tom_runs",
        "@lenny.k",
        "lena@example.com",
        "delivered",
        "failed",
        "IGSB…",
    ):
        assert name in out
    assert_no_token(filled, out)
    code, out, _ = filled.run("customers", "list", "--json")
    rows = json.loads(out)
    assert [r["username"] for r in rows] == ["lena.bakes", "tom_runs", "lenny.k"]
    assert rows[0]["token"].startswith("IGSB…") and len(rows[0]["token"]) == 9
    assert rows[2]["lead_status"] == "failed" and "401" in rows[2]["lead_error"]
    assert_no_token(filled, out)


@BOTH_DATABASES
def test_customers_list_pages(filled: Filled) -> None:
    _, out, _ = filled.run("customers", "list", "--limit", "2", "--page", "2", "--json")
    assert [r["username"] for r in json.loads(out)] == ["lenny.k"]
    code, out, _ = filled.run("customers", "list", "--limit", "2", "--page", "3")
    assert code == 0 and "Page 3 is empty." in out


@BOTH_DATABASES
def test_customers_show_by_username_id_or_instagram_id(filled: Filled) -> None:
    code, out, _ = filled.run("customers", "show", "@lena.bakes", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["email"] == "lena@example.com" and shown["wp_user_id"] == 7
    assert json.loads(filled.run("customers", "show", "1", "--json")[1])["username"] == "lena.bakes"
    assert json.loads(filled.run("customers", "show", shown["ig_user_id"], "--json")[1])["id"] == 1
    code, out, _ = filled.run("customers", "show", "tom_runs")
    assert code == 0 and "tom_runs" in out
    assert_no_token(filled, out)
    code, _, err = filled.run("customers", "show", "@nobody")
    assert code == 1 and "no customer matches '@nobody'" in err


@BOTH_DATABASES
def test_customers_search_by_prefix_and_email(filled: Filled) -> None:
    _, out, _ = filled.run("customers", "search", "LEN", "--json")
    assert [r["username"] for r in json.loads(out)] == ["lena.bakes", "lenny.k"]
    _, out, _ = filled.run("customers", "search", "lk@EXAMPLE.com", "--json")
    assert [r["username"] for r in json.loads(out)] == ["lenny.k"]
    code, out, _ = filled.run("customers", "search", "zzz")
    assert code == 0 and "No customer matches 'zzz'." in out


@BOTH_DATABASES
def test_customers_export_csv_and_json(filled: Filled, tmp_path: Path) -> None:
    code, out, _ = filled.run("customers", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == EXPORT_FIELDS
    assert [r["username"] for r in rows] == ["lena.bakes", "tom_runs", "lenny.k"]
    assert "token" not in rows[0]
    target = tmp_path / "customers.json"
    target.write_text("an older export, world-readable\n")
    target.chmod(0o644)
    code, _, err = filled.run("customers", "export", "--format", "json", "--output", str(target))
    exported = json.loads(target.read_text())
    assert code == 0 and len(exported) == 3 and f"exported 3 customer(s) to {target}" in err
    assert target.stat().st_mode & 0o777 == 0o600  # personal data: the owner's eyes only
    assert exported[1] == {k: exported[1][k] for k in EXPORT_FIELDS}
    # The profile's figures and the next sync, as `customers show` gives them.
    _, shown, _ = filled.run("customers", "show", "@tom_runs", "--json")
    for field in ("followers_count", "follows_count", "media_count", "website", "next_sync_at"):
        assert exported[1][field] == json.loads(shown)[field] is not None, field
        assert rows[1][field] == str(exported[1][field])
    assert_no_token(filled, out + target.read_text())


def test_csv_injection_in_customers_export_is_neutralised(filled: Filled) -> None:
    """Display names are the shopper's to choose: the CSV never hands a spreadsheet a formula
    (OWASP: a leading quote, every cell quoted); the JSON export stays exact."""
    planted = {
        "lena.bakes": "=cmd|' /c calc'!a0",
        "tom_runs": "@SUM(1+1)",
        "lenny.k": "-2+3",
    }
    store = Store(load_settings(filled.env).database_url)
    with store.write() as session:
        for customer in session.execute(select(Customer)).scalars():
            customer.name = planted[customer.username]
    store.dispose()
    code, out, _ = filled.run("customers", "export", "--format", "csv")
    assert code == 0
    names = {row["username"]: row["name"] for row in csv.DictReader(io.StringIO(out))}
    assert names == {username: "'" + name for username, name in planted.items()}
    for line in out.splitlines():  # every cell quoted
        assert line.startswith('"') and line.endswith('"'), line
        assert len(line.split('","')) == len(EXPORT_FIELDS), line
    _, out, _ = filled.run("customers", "export", "--format", "json")
    assert {row["username"]: row["name"] for row in json.loads(out)} == planted
    # A plain number stays a number: a follower change of -3 is not a formula.
    assert [safe_cell(v) for v in (-3, "-3.5", "-2+3", "-")] == ["-3", "-3.5", "'-2+3", "'-"]


def test_status_counts(filled: Filled) -> None:
    code, out, _ = filled.run("status", "--json")
    counts = json.loads(out)
    assert code == 0
    assert counts["codes"]["completed"] == 3 and counts["customers"] == 3
    assert counts["deliveries"] == {"pending": 0, "delivered": 2, "failed": 1, "parked": 0}
    assert counts["tokens"]["active"] == 3 and counts["tokens_due_for_refresh"] == 0
    code, out, _ = filled.run("status")
    assert code == 0 and "deliveries failed" in out


def test_failed_deliveries_are_shown_and_can_be_retried(filled: Filled) -> None:
    code, out, _ = filled.run("deliveries", "list", "--failed")
    assert code == 0 and "@lenny.k" in out and "HTTP 401: igsync_bad_signature" in out
    code, out, _ = filled.run("deliveries", "retry")
    assert code == 0 and "1 delivery(ies) queued again" in out
    _, out, _ = filled.run("deliveries", "list", "--failed")
    assert "No failed deliveries." in out


def test_parked_deliveries_are_shown_and_replayed(filled: Filled) -> None:
    store = Store(filled.env["IGSYNC_DATABASE_URL"])
    with store.write() as session:
        session.execute(
            update(Delivery)
            .where(col(Delivery.status) == DeliveryStatus.FAILED)
            .values(status=DeliveryStatus.PARKED)
        )
    code, out, _ = filled.run("deliveries", "list", "--parked")
    assert code == 0 and "@lenny.k" in out and "parked" in out
    _, out, _ = filled.run("doctor")
    assert re.search(r"^FAIL leads +1 lead\(s\) parked: .*igsync deliveries replay", out, re.M), out
    code, out, _ = filled.run("deliveries", "replay")
    assert code == 0 and "1 parked delivery(ies) queued again, in order" in out
    _, out, _ = filled.run("doctor")
    assert re.search(r"^ok +leads +none parked, none refused", out, re.M), out
    _, out, _ = filled.run("deliveries", "list", "--parked")
    assert "No parked deliveries." in out
    with store.read() as session:
        statuses = set(session.execute(select(col(Delivery.status))).scalars())
    store.dispose()
    assert statuses == {DeliveryStatus.DELIVERED, DeliveryStatus.PENDING}


def test_db_commands_and_an_unmigrated_database(filled: Filled, tmp_path: Path) -> None:
    assert (
        f"database: {NEWEST_REVISION}; newest: {NEWEST_REVISION}" in filled.run("db", "current")[1]
    )
    fresh = {**filled.env, "IGSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'x.db'}"}
    result = filled.runner.invoke(app, ["customers", "list"], env=fresh)
    assert result.exit_code == 2 and "run `igsync db upgrade`" in result.stderr
    assert not (tmp_path / "new" / "x.db").exists()  # a read makes no empty database
    result = filled.runner.invoke(app, ["db", "upgrade"], env=fresh)
    assert result.exit_code == 0 and f"database at revision {NEWEST_REVISION}" in result.stdout
    assert (
        filled.runner.invoke(app, ["customers", "list"], env=fresh).stdout.strip()
        == "No customers yet."
    )
    with sqlite3.connect(tmp_path / "new" / "x.db") as older:  # as an older igsync left it
        older.execute("UPDATE alembic_version SET version_num = '0001'")
    for command in (["customers", "list"], ["customers", "show", "1"], ["status"]):
        result = filled.runner.invoke(app, command, env=fresh)
        assert result.exit_code == 2 and "schema is at 0001" in result.stderr, command


def test_keys_generate_prints_settings_that_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["keys", "generate"])
    lines = dict(line.split("=", 1) for line in result.stdout.split())
    settings = load_settings(
        {
            **lines,
            "IGSYNC_INSTAGRAM_APP_ID": "1",
            "IGSYNC_INSTAGRAM_APP_SECRET": "s",
            "IGSYNC_REDIRECT_URI": "https://x.example/cb",
            "IGSYNC_WP_URL": "https://x.example",
        }
    )
    assert settings.shared_secret.reveal() == lines["IGSYNC_SHARED_SECRET"]


def test_help_and_version() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    for verb in (
        "run",
        "sandbox",
        "demo",
        "customers",
        "status",
        "deliveries",
        "tokens",
        "db",
        "keys",
        "pair",
        "unpair",
    ):
        assert verb in result.stdout
    assert CliRunner().invoke(app, ["--version"]).stdout.strip() == f"igsync {__version__}"
    # Each option names the setting it defaults to (square brackets were eaten as markup).
    pair_help = CliRunner().invoke(app, ["pair", "--help"], env={"COLUMNS": "200"}).stdout
    for setting in ("IGSYNC_WP_URL", "IGSYNC_PUBLIC_URL", "IGSYNC_SANDBOX_URL"):
        assert f"(default: {setting}" in " ".join(pair_help.split())
    # Flags without a type, and no --no-… twin where there is nothing to turn off.
    assert "<bool>" not in pair_help and "--no-allow-private-http" not in pair_help
    sandbox_help = CliRunner().invoke(app, ["sandbox", "--help"], env={"COLUMNS": "200"}).stdout
    assert "(default: IGSYNC_INSTAGRAM_APP_ID)" in " ".join(sandbox_help.split())


def test_the_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "daemon", "demo"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    assert (
        "5 code(s) forwarded, 1 shopper(s) cancelled, 5 customer(s) stored, 5 lead(s) delivered; "
        "the shop received 5 lead(s)." in result.stdout
    )
    for username in (
        "@lena.bakes",
        "@tom_runs_far",
        "@studio.kiln",
        "@ana_wears_green",
        "@northwind.coffee",
    ):
        assert username in result.stdout
    assert (
        "@maybe_later: cancelled at the consent page (access_denied/user_denied)" in result.stdout
    )


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "igsync"
    result = subprocess.run(
        [str(script), "--version"], check=False, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0 and result.stdout.strip() == f"igsync {__version__}"


def test_the_sandbox_command_serves_the_emulator_and_stops_on_sigterm(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "daemon",
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--app-id",
        "1790000000000042",
        "--app-secret",
        "s3cret",
        "--redirect-uri",
        "https://shop.example/cb",
    ]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "COLUMNS": "300"}
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        banner = process.stdout.readline()
        match = re.search(r" on (http://127\.0\.0\.1:\d+): ", banner)
        assert match, banner
        base = match.group(1)
        assert "igsync sandbox (not Instagram)" in banner
        page = requests.get(
            f"{base}/oauth/authorize",
            timeout=5,
            params={
                "client_id": "1790000000000042",
                "redirect_uri": "https://shop.example/cb",
                "response_type": "code",
                "scope": "instagram_business_basic",
                "state": "s",
            },
        )
        assert page.status_code == 200 and "This is not Instagram" in page.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_the_sandbox_command_explains_what_it_needs(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["sandbox"], env={"HOME": str(tmp_path), "IGSYNC_INSTAGRAM_APP_ID": ""}
    )
    assert result.exit_code == 2
    assert "the sandbox needs an app id, app secret and redirect URI" in result.stderr


def test_the_env_example_documents_every_setting() -> None:
    root = Path(__file__).resolve().parent.parent
    read = set(
        re.findall(r'reader\.\w+\(\s*"([A-Z_]+)"', (root / "daemon" / "settings.py").read_text())
    )
    documented = set(
        re.findall(
            r"^#?IGSYNC_([A-Z_]+)=", (root / "config" / "igsync.env.example").read_text(), re.M
        )
    )
    assert len(read) >= 17
    assert read == documented


def test_wp_plugin_builds_an_installable_zip(tmp_path: Path) -> None:
    target = tmp_path / "out" / "igsync-bridge.zip"
    result = CliRunner().invoke(app, ["wp-plugin", "--output", str(target)], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and f"wrote {target}" in result.stdout
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        header = archive.read("igsync-bridge/igsync-bridge.php").decode()
    assert "igsync-bridge/uninstall.php" in names
    assert all(name.startswith("igsync-bridge/") for name in names)
    assert re.search(r"Plugin Name: +igsync bridge", header)
    assert re.search(r"Requires PHP: +8\.2", header)


def test_the_plugin_carries_the_daemons_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One version for both, from daemon/__init__.py: the zip's header, constant and readme
    say it whatever the plugin's source says (the owner compares them in Test connection)."""
    monkeypatch.setattr(wp_bridge.plugin, "__version__", "9.8.7")
    target = tmp_path / "igsync-bridge.zip"
    wp_bridge.plugin.build_zip(target)
    with zipfile.ZipFile(target) as archive:
        header = archive.read("igsync-bridge/igsync-bridge.php").decode()
        readme = archive.read("igsync-bridge/readme.txt").decode()
    assert re.search(r"^ \* Version: +9\.8\.7$", header, re.M)
    assert "define( 'IGSYNC_BRIDGE_VERSION', '9.8.7' );" in header
    assert re.search(r"^Stable tag: 9\.8\.7$", readme, re.M)
    source = (wp_bridge.plugin.PLUGIN_DIR / "igsync-bridge.php").read_text()
    assert f"'IGSYNC_BRIDGE_VERSION', '{__version__}'" in source  # the source does not drift


def test_the_cli_off_a_terminal_prints_one_row_per_line(filled: Filled) -> None:
    """Under cron, a pipe or ssh without a tty (CliRunner is none): a line per row, at full
    width, whatever COLUMNS says; a long error shortened at a word, complete in --json."""
    env = {**filled.env, "COLUMNS": "80", "IGSYNC_ENV_FILE": "/dev/null"}
    listed = filled.runner.invoke(app, ["customers", "list"], env=env)
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["ID", "Username", "Name"]
    assert len(lines) == 4  # the header and three customers, none wrapped
    lena = next(line for line in lines if "@lena.bakes" in line).split("\t")
    assert lena[4] == "lena@example.com" and len(lena) == len(lines[0].split("\t"))
    found = filled.runner.invoke(app, ["customers", "search", "lena"], env=env)
    assert found.stdout.splitlines()[1].split("\t")[1] == "@lena.bakes"

    long_error = "HTTP 401: igsync_bad_signature: " + "no valid v1 signature " * 20
    store = Store(load_settings(env).database_url)
    with store.write() as session:
        for delivery in session.execute(select(Delivery)).scalars():
            if delivery.status == DeliveryStatus.FAILED:
                delivery.last_error = long_error
    store.dispose()
    failed = filled.runner.invoke(app, ["deliveries", "list", "--failed"], env=env).stdout
    assert len(failed.splitlines()) == 2  # the header and the one refused lead
    error_cell = failed.splitlines()[1].split("\t")[-1]
    assert error_cell.endswith("…") and len(error_cell) <= 120
    assert long_error.startswith(error_cell[:-1]) and error_cell[-2] != " "
    as_json = filled.runner.invoke(app, ["deliveries", "list", "--failed", "--json"], env=env)
    assert json.loads(as_json.stdout)[0]["last_error"] == long_error


@BOTH_DATABASES
def test_customers_list_by_connection_status_and_status_counts(filled: Filled) -> None:
    """A deauthorized customer needs to reconnect: `customers list --status` finds them and
    `igsync status` counts them."""
    settings_store = Store(
        load_settings({**filled.env, "IGSYNC_ENV_FILE": "/dev/null"}).database_url
    )
    try:
        with settings_store.read() as session:
            tom = session.execute(select(Customer).where(col(Customer.username) == "tom_runs"))
            ig_user_id = tom.scalar_one().ig_user_id
        assert deauthorize(settings_store, ig_user_id, now=utcnow()) == 1
    finally:
        settings_store.dispose()
    code, out, _ = filled.run("customers", "list", "--status", "needs_reconnect", "--json")
    assert code == 0
    assert [(c["username"], c["status"], c["version"]) for c in json.loads(out)] == [
        ("tom_runs", "needs_reconnect", 2)
    ]
    code, out, _ = filled.run("customers", "list", "--status", "connected")
    assert code == 0 and "@lena.bakes" in out and "@tom_runs" not in out
    code, out, _ = filled.run("customers", "list", "--status", "lost")
    assert code == 2 and "needs_reconnect" in out + _
    counts = json.loads(filled.run("status", "--json")[1])
    assert counts["connections"] == {"connected": 2, "needs_reconnect": 1, "disconnected": 0}


@BOTH_DATABASES
def test_customers_sync_now_shows_the_change_and_its_growth(
    filled: Filled, sandbox: Sandbox
) -> None:
    _, before, _ = filled.run("customers", "show", "@lena.bakes", "--json")
    followers = json.loads(before)["followers_count"]
    sandbox.state.advance(86_400)  # a day on Instagram: the audience has grown
    code, out, _ = filled.run("customers", "sync", "@lena.bakes")
    assert code == 0 and "@lena.bakes: profile changed" in out
    _, after, _ = filled.run("customers", "show", "@lena.bakes", "--json")
    shown = json.loads(after)
    gained = shown["followers_count"] - followers
    assert gained > 0 and shown["followers_change"] == gained and shown["version"] == 2
    assert shown["next_sync_at"] is not None
    code, out, _ = filled.run("customers", "show", "@lena.bakes")
    assert f"{shown['followers_count']:,} (+{gained:,} in 0 d)" not in out  # same day: no trend
    assert f"{shown['followers_count']:,}" in out
    code, out, _ = filled.run("customers", "sync", "@lena.bakes")
    assert code == 0 and "@lena.bakes: profile unchanged" in out
    assert shown["lead_status"] == "pending"  # the latest push: the update, not the first lead

    sandbox.state.revoke_tokens_of("tom_runs")
    code, out, err = filled.run("customers", "sync", "@tom_runs")
    assert code == 1 and "must connect again" in err
    assert_no_token(filled, out + err)
    code, out, err = filled.run("customers", "sync", "@tom_runs")
    assert code == 1 and "not live" in err
    _, rows, _ = filled.run("customers", "list", "--status", "needs_reconnect", "--json")
    assert [r["username"] for r in json.loads(rows)] == ["tom_runs"]

    # Every live connection due now, for the running daemon to work within the budget.
    _, status, _ = filled.run("status", "--json")
    assert json.loads(status)["profile_syncs_due"] == 0
    code, out, _ = filled.run("customers", "sync", "--all")
    assert code == 0 and "2 customer(s) due now" in out
    _, status, _ = filled.run("status", "--json")
    assert json.loads(status)["profile_syncs_due"] == 2  # tom_runs's connection is not live
    code, _, err = filled.run("customers", "sync", "--all", "@lena.bakes")
    assert code == 2 and "not both" in err


@BOTH_DATABASES
def test_customers_list_sorts_by_followers_and_by_connection(filled: Filled) -> None:
    store = Store(filled.env["IGSYNC_DATABASE_URL"])
    with store.write() as session:  # a profile without a count (Basic Display gives none)
        lenny = select(Customer).where(col(Customer.username) == "lenny.k")
        session.execute(lenny).scalar_one().followers_count = None
    store.dispose()
    _, out, _ = filled.run("customers", "list", "--sort", "followers", "--json")
    rows = json.loads(out)
    counts = [r["followers_count"] for r in rows]
    assert len(counts) == 3 and counts[:2] == sorted(counts[:2], reverse=True)
    assert rows[2]["username"] == "lenny.k" and counts[2] is None  # unknown last
    _, out, _ = filled.run("customers", "list", "--sort", "connected", "--json")
    assert [r["username"] for r in json.loads(out)] == ["lenny.k", "tom_runs", "lena.bakes"]
    code, _, err = filled.run("customers", "list", "--sort", "likes")
    assert code == 2 and "likes" in err
    # Sorted by engagement, the list shows the figure it is sorted by.
    store = Store(filled.env["IGSYNC_DATABASE_URL"])
    with store.write() as session:
        for customer in session.execute(select(Customer)).scalars():
            customer.engagement_rate = {"lena.bakes": 4.5, "tom_runs": 12.25}.get(customer.username)
    store.dispose()
    _, out, _ = filled.run("customers", "list", "--sort", "engagement")
    header, *lines = out.splitlines()
    column = header.split("\t").index("Engagement")
    assert [line.split("\t")[column] for line in lines] == ["12.25%", "4.50%", "-"]
    _, out, _ = filled.run("customers", "list")
    assert "Engagement" not in out.splitlines()[0]


def test_status_counts_profile_syncs_and_names_the_next(filled: Filled) -> None:
    _, out, _ = filled.run("status", "--json")
    counts = json.loads(out)
    assert counts["profile_syncs"] == {"active": 3, "paused": 0}
    assert counts["profile_syncs_due"] == 0
    next_at = counts["next_profile_sync_at"]
    assert next_at is not None and next_at > utcnow().isoformat()
    code, out, _ = filled.run("status")
    assert code == 0 and "profile syncs active" in out and next_at in out


def test_the_read_commands_load_no_orm(filled: Filled) -> None:
    """`customers list|search|show` answer from plain SQL: SQLAlchemy and SQLModel (two thirds
    of a command's start-up) stay unloaded on SQLite, and so does the web stack."""
    script = (
        "import sys\n"
        "from daemon.cli import app\n"
        "for args in (['customers', 'list'], ['customers', 'search', 'len'],"
        " ['customers', 'show', '1'], ['--version']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, (args, exit.code)\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'alembic', 'fastapi', 'uvicorn', 'requests')\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script],
        env=filled.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "@lena.bakes" in shown.stdout
    assert "LOADED []" in shown.stdout, shown.stdout[-300:]


def test_names_and_biographies_from_instagram_are_shown_as_typed_on_a_terminal(
    filled: Filled,
) -> None:
    """Instagram users write their own name and biography: rich markup in them ("[/i]",
    "[link=...]") must neither break a command nor draw a hidden link."""
    store = Store(load_settings(filled.env).database_url)
    with store.write() as session:
        people = {c.username: c for c in session.execute(select(Customer)).scalars()}
        people["lena.bakes"].name = "Anna [/i]"
        people["tom_runs"].name = "[link=https://evil.example/verify]Support team[/link]"
        people["lena.bakes"].biography = "Shop owner [/b] DM me"
        lena = people["lena.bakes"].id
    store.dispose()
    env = {**os.environ, **filled.env, "FORCE_COLOR": "1", "COLUMNS": "200"}
    for args in (["customers", "list"], ["customers", "show", str(lena)]):
        shown = subprocess.run(
            [sys.executable, "-m", "daemon", *args],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
        assert shown.returncode == 0, shown.stderr
        plain = re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)
        assert "\x1b]8;" not in shown.stdout  # no hyperlink drawn
        if args[1] == "list":
            assert "Anna [/i]" in plain and "[link=https://evil.example/verify]" in plain
        else:
            assert "Shop owner [/b] DM me" in plain


def test_tables_on_a_narrow_terminal_leave_columns_out_rather_than_cut_every_cell(
    filled: Filled,
) -> None:
    """At 80 columns every cell used to be cut mid-word (@gab/i.se/ws): the table keeps whole
    cells and leaves out the least useful columns, saying so; off a terminal, `status` and
    `customers show` are tab-separated lines like the lists."""
    env = {**os.environ, **filled.env, "FORCE_COLOR": "1", "COLUMNS": "80"}
    shown = subprocess.run(
        [sys.executable, "-m", "daemon", "customers", "list"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)
    assert shown.returncode == 0, shown.stderr
    assert max(len(line) for line in plain.splitlines()) <= 80
    for whole in ("@lena.bakes", "lena@example.com", "@tom_runs", "connected"):
        assert whole in plain, whole
    assert "column(s) left out to fit" in plain
    code, status, _ = filled.run("status")
    assert code == 0 and "customers\t3" in status.splitlines() and "┃" not in status
    code, detail, _ = filled.run("customers", "show", "@lena.bakes")
    assert code == 0 and "username\tlena.bakes" in detail.splitlines() and "│" not in detail
