"""The assembled daemon: intake -> scheduler -> Instagram (sandbox) -> WordPress (stand-in),
in-process and as the `igsync run` process that stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from alembic import command
from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import col, select

from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import Settings
from daemon.store.database import Store, alembic_config
from daemon.store.migrations import NEWEST_REVISION
from daemon.store.models import Customer, Delivery, ProfileSync, ReceivedCode
from daemon.store.queries import status_counts
from daemon.store.statuses import DeliveryStatus
from tests.conftest import Sandbox, Shop, eventually, store_code
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.signing import Signer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(shop_settings: Settings) -> Settings:
    # Sweeps an hour apart: anything that happens within a test was driven by the kicks.
    return replace(shop_settings, sweep_interval_seconds=3600)


class Running:
    def __init__(self, daemon: Daemon, intake_url: str) -> None:
        self.daemon, self.intake_url = daemon, intake_url


@pytest.fixture
def running(settings: Settings) -> Iterator[Running]:
    daemon = Daemon.build(settings)
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            yield Running(daemon, intake.url)
    finally:
        daemon.stop()


def forward_many(
    sandbox: Sandbox, intake_url: str, signer: Signer, count: int, prefix: str = "shopper"
) -> list[str]:
    codes = [sandbox.new_code(f"{prefix}{n}") for n in range(count)]

    def forward(indexed: tuple[int, str]) -> int:
        n, code = indexed
        with requests.Session() as http:
            body = forward_body(
                code, sandbox.redirect_uri, wp_user_id=n + 1, email=f"s{n}@example.com"
            )
            return forward_code(http, intake_url, signer, body).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(forward, enumerate(codes))) == {202}
    return codes


def test_forwarded_codes_become_leads_in_wordpress(
    running: Running, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    codes = forward_many(sandbox, running.intake_url, signer, 20)
    assert shop.state.wait_for(20, timeout=30), f"only {len(shop.state.leads)} leads arrived"
    usernames = sorted(lead["username"] for lead in shop.state.leads.values())
    assert usernames == sorted(f"shopper{n}" for n in range(20))
    assert all(sandbox.state.exchanges_of(code) == 1 for code in codes)
    store = running.daemon.store

    def counts() -> dict[str, int]:
        with store.read() as session:
            return status_counts(
                session, now=utcnow(), refresh_window=timedelta(days=10)
            ).deliveries

    # WordPress has the leads a moment before the daemon records them as delivered
    eventually(lambda: counts()["delivered"] == 20, what="20 deliveries recorded")
    with store.read() as session:
        totals = status_counts(session, now=utcnow(), refresh_window=timedelta(days=10))
        emails = set(session.execute(select(col(Customer.email))).scalars())
    assert totals.codes["completed"] == 20 and totals.customers == 20
    assert totals.deliveries == {"pending": 0, "delivered": 20, "failed": 0, "parked": 0}
    assert emails == {f"s{n}@example.com" for n in range(20)}


def test_upstream_failures_are_ridden_out(
    running: Running, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    sandbox.state.faults.update({"fail_next": 3, "fail_status": 500})
    forward_many(sandbox, running.intake_url, signer, 3)
    assert shop.state.wait_for(3, timeout=30)
    assert sandbox.state.stats()["exchanges"] == 3


def test_codes_stored_while_the_daemon_was_down_are_caught_up(
    settings: Settings, sandbox: Sandbox, shop: Shop, cipher: TokenCipher
) -> None:
    store = Store(settings.database_url)
    store.migrate()
    for n in range(3):
        store_code(
            store, cipher, sandbox.new_code(f"waiting{n}"), sandbox.redirect_uri, now=utcnow()
        )
    store.dispose()
    daemon = Daemon.build(replace(settings, sweep_interval_seconds=1.0))
    daemon.start()
    try:
        assert shop.state.wait_for(3, timeout=30)
    finally:
        daemon.stop()


def test_stopping_hands_back_every_lease(
    settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    shop.state.fail_next = 10_000  # WordPress down: deliveries stay pending
    daemon = Daemon.build(settings)
    daemon.start()
    with ServerThread(daemon.intake) as intake:
        forward_many(sandbox, intake.url, signer, 3)

        def attempted_deliveries() -> int:
            with daemon.store.read() as session:
                rows = session.execute(select(Delivery)).scalars().all()
            return sum(1 for row in rows if row.attempts > 0)

        eventually(
            lambda: attempted_deliveries() == 3 and shop.state.requests_seen >= 3,
            what="three leads queued and tried",
        )
    daemon.stop()
    store = Store(settings.database_url)
    with store.read() as session:
        held = [
            *session.execute(
                select(ReceivedCode).where(col(ReceivedCode.lease_owner).is_not(None))
            ).scalars(),
            *session.execute(
                select(Delivery).where(col(Delivery.lease_owner).is_not(None))
            ).scalars(),
        ]
        pending = (
            session.execute(select(Delivery).where(col(Delivery.status) == DeliveryStatus.PENDING))
            .scalars()
            .all()
        )
    store.dispose()
    assert held == [] and len(pending) == 3


def daemon_env(settings: Settings) -> dict[str, str]:
    def reveal(value: Secret) -> str:
        return value.reveal()

    return {
        "PATH": os.environ["PATH"],
        "HOME": str(settings.state_dir),
        "IGSYNC_INSTAGRAM_APP_ID": settings.instagram_app_id,
        "IGSYNC_INSTAGRAM_APP_SECRET": reveal(settings.instagram_app_secret),
        "IGSYNC_REDIRECT_URI": settings.redirect_uri,
        "IGSYNC_WP_URL": settings.wp_url,
        "IGSYNC_SHARED_SECRET": reveal(settings.shared_secret),
        "IGSYNC_ENCRYPTION_KEYS": ",".join(reveal(k) for k in settings.encryption_keys),
        "IGSYNC_STATE_DIR": str(settings.state_dir),
        "IGSYNC_LISTEN": "127.0.0.1:0",
        "IGSYNC_INSTAGRAM_OAUTH_URL": settings.instagram_oauth_url,
        "IGSYNC_INSTAGRAM_GRAPH_URL": settings.instagram_graph_url,
        "IGSYNC_INSTAGRAM_AUTHORIZE_URL": settings.instagram_authorize_url,
    }


def test_igsync_run_serves_and_stops_cleanly_on_sigterm(
    settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    env = daemon_env(settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "daemon", "run"],
        env=env,
        cwd=settings.state_dir,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    log_lines = []
    try:
        for line in process.stderr:  # the daemon says where it listens once migrations ran
            log_lines.append(line)
            if match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
                url = match.group(1)
                break
        else:
            pytest.fail("the daemon exited before listening:\n" + "".join(log_lines))
        forward_many(sandbox, url, signer, 2, prefix="viarun")
        assert shop.state.wait_for(2, timeout=30)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        log_lines.extend(process.stderr)
    finally:
        if process.poll() is None:
            process.kill()
    log = "".join(log_lines)
    assert "shutting down" in log and "scheduler stopped" in log
    for secret in (
        env["IGSYNC_INSTAGRAM_APP_SECRET"],
        env["IGSYNC_SHARED_SECRET"],
        env["IGSYNC_ENCRYPTION_KEYS"],
    ):
        assert secret not in log


def test_a_migration_that_fails_changes_nothing_and_stops_the_daemon_for_good(
    settings: Settings,
) -> None:
    """An upgrade whose migration fails: the schema stays as it was (one transaction), `igsync
    run` says why and exits 78, which the unit does not restart (RestartPreventExitStatus)."""
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    store = Store(settings.database_url)
    with store.engine.begin() as connection:  # the database an igsync of revision 0006 left
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    store.dispose()
    with sqlite3.connect(database) as connection:  # something in the way of 0007's 2nd table
        connection.execute("CREATE TABLE follower_counts (x INTEGER)")
    result = subprocess.run(
        [sys.executable, "-m", "daemon", "run"],
        check=False,
        capture_output=True,
        text=True,
        env=daemon_env(settings),
        timeout=60,
    )
    assert result.returncode == 78, result.stderr
    failed = f"from 0006 to {NEWEST_REVISION} failed and was rolled back, the schema is still 0006"
    assert failed in result.stderr
    assert "follower_counts already exists" in result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert revision == "0006" and "profile_syncs" not in tables  # 0007's first table undone
    assert "RestartPreventExitStatus=78" in (ROOT / "systemd" / "igsync.service").read_text()


def test_igsync_run_refuses_to_start_without_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "daemon", "run"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        timeout=30,
    )
    assert result.returncode == 2
    # Every missing setting at once (not one per run), and the example file where it is.
    example = Path(__file__).resolve().parent.parent / "config" / "igsync.env.example"
    assert result.stderr.strip() == (
        "igsync: IGSYNC_INSTAGRAM_APP_ID, IGSYNC_INSTAGRAM_APP_SECRET, IGSYNC_REDIRECT_URI, "
        "IGSYNC_WP_URL, IGSYNC_SHARED_SECRET, IGSYNC_ENCRYPTION_KEYS: required settings are "
        f"missing (see {example})"
    )


def test_the_running_daemon_resyncs_due_profiles_and_pushes_the_change(
    settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    daemon = Daemon.build(replace(settings, sweep_interval_seconds=0.5))
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            forward_many(sandbox, intake.url, signer, 2, prefix="resynced")
            assert shop.state.wait_for(2, timeout=30)
            first = {lead["username"]: lead for lead in shop.state.leads.values()}
            sandbox.state.advance(86_400)  # a day later on Instagram: the audiences grew
            with daemon.store.write() as session:  # and the syncs fall due now
                session.execute(
                    ProfileSync.__table__.update().values(next_attempt_at=utcnow())  # type: ignore[attr-defined]
                )

            def updated() -> list[dict[str, object]]:
                return [
                    lead for lead in shop.state.leads.values() if lead.get("event") == "updated"
                ]

            eventually(lambda: len(updated()) == 2, what="two updated events in WordPress")
    finally:
        daemon.stop()
    for lead in updated():
        before = first[str(lead["username"])]
        assert lead["version"] == 2 and lead["ig_user_id"] == before["ig_user_id"]
        assert int(lead["followers_count"]) > int(before["followers_count"])  # type: ignore[call-overload]


def test_a_sweep_skipped_while_its_last_run_goes_on_logs_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sweep due again while its last run still goes on is skipped by design: APScheduler's
    WARNING for each skip would flood the log, and the scheduler drops it (nothing else)."""
    # (daemon.scheduler, imported with daemon.service above, installs the filter)
    skipped = threading.Semaphore(0)
    release = threading.Event()
    aps = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    aps.add_listener(lambda _event: skipped.release(), EVENT_JOB_MAX_INSTANCES)
    aps.add_job(release.wait, "interval", args=[10], seconds=0.05, next_run_time=utcnow())
    with caplog.at_level("WARNING", logger="apscheduler"):
        aps.start()
        try:
            for _ in range(3):  # three runs skipped while the first still waits
                assert skipped.acquire(timeout=10)
        finally:
            release.set()
            aps.shutdown(wait=True)
    assert not [r for r in caplog.records if "maximum number of running" in r.getMessage()]
