"""`igsync backup` and `igsync restore`: a consistent copy while the daemon works, no secret
in it, a restore that refuses a database in use or a backup the keys cannot read, and the
daily timer's rotation."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from daemon.cli import app
from daemon.clock import utcnow
from daemon.crypto import TokenCipher, generate_key
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import Settings
from daemon.store.database import Store
from tests.conftest import Sandbox, Shop, store_code
from tests.test_daemon import daemon_env, forward_many
from tests.test_service import security_score
from wp_bridge.signing import Signer

SYSTEMD = Path(__file__).resolve().parent.parent / "systemd"


@pytest.fixture
def settings(shop_settings: Settings) -> Settings:
    return replace(shop_settings, sweep_interval_seconds=3600)


class Started:
    """`igsync run`'s daemon in this process, stopped by the test or at its end, with the
    sandbox and the shop it works with."""

    def __init__(self, settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer) -> None:
        self.sandbox, self.shop, self.signer = sandbox, shop, signer
        self.daemon = Daemon.build(settings)
        self.daemon.start()
        self.server = ServerThread(self.daemon.intake).start()
        self.url = self.server.url
        self.running = True

    def connect(self, count: int, prefix: str = "shopper") -> None:
        """`count` more shoppers connect; back once their leads are all in the shop."""
        forward_many(self.sandbox, self.url, self.signer, count, prefix)
        total = len(self.shop.state.leads) + count
        assert self.shop.state.wait_for(total, timeout=30), len(self.shop.state.leads)

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.daemon.stop()
            self.running = False


@pytest.fixture
def started(settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer) -> Iterator[Started]:
    daemon = Started(settings, sandbox, shop, signer)
    yield daemon
    daemon.stop()


def igsync(settings: Settings, *args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={**daemon_env(settings), **env})
    return result.exit_code, result.stdout + result.stderr


def backed_up(started: Started, settings: Settings, folder: Path, *, customers: int) -> Path:
    """A backup taken once `customers` shoppers have connected."""
    started.connect(customers)
    saved = folder / "saved.db"
    assert igsync(settings, "backup", str(saved))[0] == 0
    return saved


def customers_in(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM customers").fetchone()[0])


def database_of(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def test_a_backup_while_the_daemon_works_is_whole_and_holds_no_secret(
    started: Started, settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    started.connect(20)
    more = threading.Thread(target=started.connect, args=(30, "later"), daemon=True)
    more.start()  # the daemon takes forwards and exchanges codes throughout the backup
    target = tmp_path / "backups" / "igsync.db"
    code, said = igsync(settings, "backup", str(target))
    more.join(timeout=60)
    assert code == 0, said
    assert re.search(rf"backup written: {re.escape(str(target))} \(.* MiB, \d+ customer", said)
    assert target.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM customers").fetchone()[0] >= 20
        stored = dict(copy.execute("SELECT id, access_token_ciphertext FROM tokens"))
    with sqlite3.connect(database_of(settings)) as live:
        live_tokens = dict(live.execute("SELECT id, access_token_ciphertext FROM tokens"))
    assert stored and all(live_tokens[i] == ciphertext for i, ciphertext in stored.items())
    raw = target.read_bytes()
    secrets = [*sandbox.state._tokens, settings.shared_secret.reveal()]
    secrets += [key.reveal() for key in settings.encryption_keys]
    secrets.append(settings.instagram_app_secret.reveal())
    assert len(secrets) > 20 and not [s for s in secrets if s.encode() in raw]

    code, said = igsync(settings, "backup", str(target))
    assert code == 1 and "exists: a backup never overwrites a file" in said


def test_restore_refuses_a_database_in_use_and_restores_once_the_daemon_stops(
    started: Started, settings: Settings, tmp_path: Path
) -> None:
    saved = backed_up(started, settings, tmp_path, customers=5)
    started.connect(5, "after")
    database = database_of(settings)

    code, said = igsync(settings, "restore", str(saved), "--yes")
    assert code == 1 and "in use by a running igsync daemon: stop it first" in said
    assert customers_in(database) == 10

    started.stop()
    code, said = igsync(settings, "restore", str(saved), "--yes")
    assert code == 0, said
    assert customers_in(database) == 5
    kept = re.search(r"kept as (\S+)", said)
    assert kept and customers_in(Path(kept.group(1))) == 10  # nothing is lost by a restore
    code, listed = igsync(settings, "customers", "list", "--json")
    assert code == 0 and listed.count('"username"') == 5


def test_restore_refuses_a_backup_the_keys_cannot_read(
    started: Started, settings: Settings, tmp_path: Path
) -> None:
    saved = backed_up(started, settings, tmp_path, customers=3)
    started.stop()
    database = database_of(settings)
    before = database.read_bytes()
    old_key = settings.encryption_keys[0].reveal()
    new_key = generate_key()

    code, said = igsync(settings, "restore", str(saved), "--yes", IGSYNC_ENCRYPTION_KEYS=new_key)
    assert code == 1 and "cannot read 3 of the 3 encrypted values" in said
    assert database.read_bytes() == before
    assert old_key not in said and new_key not in said

    code, said = igsync(
        settings, "restore", str(saved), "--yes", IGSYNC_ENCRYPTION_KEYS=f"{new_key},{old_key}"
    )
    assert code == 0, said


def test_a_folder_keeps_the_newest_backups(settings: Settings, tmp_path: Path) -> None:
    assert igsync(settings, "db", "upgrade")[0] == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    older = [folder / f"igsync-202611{day:02d}T030000Z.db" for day in range(1, 6)]
    for path in older:
        path.write_bytes(b"an older backup")
    (folder / "notes.txt").write_text("not ours: never removed")
    code, said = igsync(settings, "backup", str(folder), "--keep", "3")
    assert code == 0, said
    names = sorted(p.name for p in folder.iterdir())
    assert names[:2] == [older[3].name, older[4].name] and names[-1] == "notes.txt"
    assert re.fullmatch(r"igsync-\d{8}T\d{6}Z\.db", names[2]), names
    assert said.count("removed the older backup") == 3


def test_postgresql_is_pointed_to_its_own_tools(settings: Settings, tmp_path: Path) -> None:
    url, file = "postgresql+psycopg://igsync@127.0.0.1/igsync", str(tmp_path / "x.db")
    code, said = igsync(settings, "backup", file, IGSYNC_DATABASE_URL=url)
    assert code == 2 and "pg_dump" in said
    code, said = igsync(settings, "restore", file, "--yes", IGSYNC_DATABASE_URL=url)
    assert code == 2 and "pg_restore" in said


def test_the_daily_backup_units_verify_and_are_hardened(tmp_path: Path) -> None:
    installed = Path(sys.executable).parent / "igsync"
    service = tmp_path / "igsync-backup.service"
    text = (SYSTEMD / "igsync-backup.service").read_text()
    service.write_text(text.replace("/opt/igsync/.venv/bin/igsync", str(installed)))
    timer = tmp_path / "igsync-backup.timer"
    timer.write_text((SYSTEMD / "igsync-backup.timer").read_text())
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(timer), str(service)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert security_score(service) <= 2.0
    assert "igsync backup /var/lib/igsync/backups --keep 7" in text
    assert "OnCalendar=daily" in timer.read_text()


def test_a_backup_restores_onto_a_new_machine_and_spends_no_code_again(
    settings: Settings, sandbox: Sandbox, shop: Shop, tmp_path: Path
) -> None:
    """The machine is lost; its backup still holds codes that were in flight, which the lost
    daemon may well have exchanged: restored into an empty state folder, they are interrupted
    (WordPress told, the shoppers asked to connect again), and none reaches Instagram."""
    store = Store(settings.database_url)
    store.migrate()
    cipher = TokenCipher(settings.encryption_keys)
    codes = [sandbox.new_code(f"in.flight.{n}") for n in range(4)]
    for code in codes:
        store_code(store, cipher, code, sandbox.redirect_uri, now=utcnow())
    store.dispose()
    saved = tmp_path / "saved.db"
    assert igsync(settings, "backup", str(saved))[0] == 0

    new_state = tmp_path / "new-machine" / "state"
    moved = replace(
        settings, state_dir=new_state, database_url=f"sqlite:///{new_state / 'igsync.db'}"
    )
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all " * 200)
    half = tmp_path / "half.db"
    half.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    for broken in (garbage, half):
        exit_code, said = igsync(moved, "restore", str(broken), "--yes")
        assert exit_code == 1 and "Traceback" not in said and len(said.strip().splitlines()) == 1, (
            said
        )
    exit_code, said = igsync(moved, "restore", str(saved), "--yes")
    assert exit_code == 0, said
    assert "4 code(s) still in flight in the backup are marked interrupted" in said
    assert database_of(moved).stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(database_of(moved)) as restored:
        rows = restored.execute("SELECT status, code_ciphertext FROM received_codes").fetchall()
    assert rows == [("interrupted", None)] * 4

    daemon = Daemon.build(replace(moved, sweep_interval_seconds=0.2))
    daemon.start()
    try:
        assert shop.state.wait_for_outcomes(4, timeout=30), shop.state.outcomes
    finally:
        daemon.stop()
    assert set(shop.state.outcomes.values()) == {"interrupted"}
    assert sandbox.state.stats()["exchange_requests_received"] == 0
