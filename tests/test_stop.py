"""Stopping under load: SIGTERM while forwards pour in, and while thousands of codes drain.
`igsync run` must exit 0 within IGSYNC_STOP_SECONDS, with every lease handed back (a lease left
behind holds its row until it runs out)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import func
from sqlmodel import col, select

from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.settings import Settings
from daemon.store.database import Store
from daemon.store.models import WORK_TABLES, ReceivedCode
from tests.conftest import Sandbox, Shop, eventually, store_code
from tests.processes import Run
from tests.test_daemon import daemon_env
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.signing import Signer

STOP_SECONDS = 20


def count(settings: Settings, *, leased: bool = False) -> int:
    store = Store(settings.database_url)
    try:
        with store.read() as session:
            if not leased:
                return int(
                    session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one()
                )
            return sum(
                int(
                    session.execute(
                        select(func.count())
                        .select_from(model)
                        .where(col(model.lease_owner).is_not(None))
                    ).scalar_one()
                )
                for model in WORK_TABLES
            )
    finally:
        store.dispose()


def codes_for(sandbox: Sandbox, n: int, prefix: str) -> list[str]:
    """Codes as the consent page grants them (without its HTTP round trips)."""
    scopes = ("instagram_business_basic",)
    return [
        sandbox.state.grant(sandbox.redirect_uri, scopes, f"{prefix}{i}", "BUSINESS")
        for i in range(n)
    ]


def stopped_in_time(run: Run) -> float:
    """SIGTERM; the seconds until the process exited (it must, with 0)."""
    began = time.monotonic()
    run.process.send_signal(signal.SIGTERM)
    code = run.process.wait(timeout=STOP_SECONDS * 3)
    elapsed = time.monotonic() - began
    assert code == 0, "".join(run.log)
    return elapsed


def test_sigterm_during_a_16_client_forward_burst_exits_in_time_and_hands_back_every_lease(
    shop_settings: Settings,
    sandbox: Sandbox,
    shop: Shop,
    signer: Signer,
    tmp_path: Path,
    runs: list[Run],
) -> None:
    sandbox.state.faults.update({"latency_ms": 50})
    env = {
        **daemon_env(shop_settings),
        "IGSYNC_CONCURRENCY": "8",
        "IGSYNC_STOP_SECONDS": str(STOP_SECONDS),
    }
    runs.append(run := Run(env, tmp_path))
    codes = iter(codes_for(sandbox, 3_000, "burst"))
    lock, done = threading.Lock(), threading.Event()

    def client() -> None:
        with requests.Session() as http:
            while not done.is_set():
                with lock:
                    code = next(codes, None)
                if code is None:
                    return
                try:
                    forward_code(http, run.url, signer, forward_body(code, sandbox.redirect_uri))
                except requests.RequestException:
                    return  # the daemon stopped listening

    clients = [threading.Thread(target=client) for _ in range(16)]
    for thread in clients:
        thread.start()
    try:
        eventually(lambda: count(shop_settings) >= 300, timeout=60, what="a backlog of codes")
        elapsed = stopped_in_time(run)
    finally:
        done.set()
        for thread in clients:
            thread.join(timeout=30)
    assert elapsed <= STOP_SECONDS, f"took {elapsed:.1f}s to stop"
    assert count(shop_settings, leased=True) == 0


def test_sigterm_while_2000_queued_codes_drain_exits_in_time_and_hands_back_every_lease(
    shop_settings: Settings,
    sandbox: Sandbox,
    shop: Shop,
    cipher: TokenCipher,
    tmp_path: Path,
    runs: list[Run],
) -> None:
    sandbox.state.faults.update({"latency_ms": 50})
    store = Store(shop_settings.database_url)
    store.migrate()
    for code in codes_for(sandbox, 2_000, "drain"):
        store_code(store, cipher, code, sandbox.redirect_uri, now=utcnow())
    store.dispose()
    env = {
        **daemon_env(shop_settings),
        "IGSYNC_CONCURRENCY": "8",
        "IGSYNC_STOP_SECONDS": str(STOP_SECONDS),
    }
    runs.append(run := Run(env, tmp_path))
    eventually(lambda: len(shop.state.leads) >= 50, timeout=60, what="the drain under way")
    elapsed = stopped_in_time(run)
    assert elapsed <= STOP_SECONDS, f"took {elapsed:.1f}s to stop"
    assert count(shop_settings, leased=True) == 0
