"""Benchmark 4: a profile re-sync of every customer, through `igsync run` and the sandbox.

    python -m bench.profile_sync [--customers 10000] [--latency-ms 20] [--daemon-port PORT ...]

- setup: N customers connect (codes minted at the sandbox's consent page, forwarded to the
  daemon, carried to delivered leads), with no added latency;
- run: a day passes on the sandbox's clock (every audience grows) and every sync is a day
  overdue (the worst case: a daemon back after a day down), Instagram calls take L ms;
  measured: wall time until every customer is synced (from the moment they fell due, so the
  wait for the next sweep counts) and the rate while syncing, Graph calls the sandbox counted
  (and refused), `updated` pushes delivered, and how the next syncs spread over the day;
- baseline, same run: one process fetching profiles one after the other (a cron script).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import func, select
from sqlmodel import col

from bench.common import REDIRECT_URI, Ports, World, add_port_options, machine, ports_from, world
from bench.pipeline import clients, mint_codes
from daemon.clock import to_utc, utcnow
from daemon.crypto import TokenCipher
from daemon.redact import Secret
from daemon.store.database import Store
from daemon.store.models import Delivery, ProfileSync, Token
from daemon.store.statuses import DeliveryStatus
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.signing import Signer


def sandbox(w: World, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    url = w.sandbox.url + path
    answer = (
        requests.post(url, json=payload, timeout=10) if payload else requests.get(url, timeout=10)
    )
    answer.raise_for_status()
    return dict(answer.json())


def wait(what: str, condition: Any, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{what}: not done within {timeout:g}s")
        time.sleep(0.2)
    return time.monotonic() - started


def connect_all(w: World, store: Store, count: int) -> float:
    signer = Signer(w.shared_secret)
    pairs = mint_codes(w, "synced", count)
    started = time.monotonic()

    def forward(batch: list[tuple[str, str]]) -> None:
        with requests.Session() as http:
            for _, code in batch:
                answer = forward_code(http, w.daemon.url, signer, forward_body(code, REDIRECT_URI))
                assert answer.status_code == 202, answer.text

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(forward, [pairs[i::8] for i in range(8)]))

    def delivered() -> bool:
        with store.read() as session:
            done = session.execute(
                select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.status) == DeliveryStatus.DELIVERED)
            ).scalar_one()
        return int(done) >= count

    wait("leads delivered", delivered, 1800)
    return time.monotonic() - started


def measure(customers: int, latency_ms: int, ports: Ports | None = None) -> dict[str, Any]:
    with world(latency_ms=0, concurrency=8, ports=ports) as w:
        store = Store(f"sqlite:///{w.database}")
        connect_seconds = connect_all(w, store, customers)

        sandbox(w, "/_sandbox/clock", {"advance_seconds": 86_400})
        sandbox(w, "/_sandbox/faults", {"latency_ms": latency_ms})
        before = sandbox(w, "/_sandbox/stats")
        start = utcnow()
        with store.write() as session:  # a day down: every sync overdue, each in its place
            for sync in session.execute(select(ProfileSync)).scalars():
                sync.next_attempt_at = to_utc(sync.next_attempt_at) - timedelta(days=1)
                sync.next_attempt_at = min(sync.next_attempt_at, start)
                session.add(sync)

        def synced() -> int:
            with store.read() as session:
                return int(
                    session.execute(
                        select(func.count())
                        .select_from(ProfileSync)
                        .where(col(ProfileSync.synced_at) >= start)
                    ).scalar_one()
                )

        sync_seconds = wait("every customer synced", lambda: synced() >= customers, 3600)
        after = sandbox(w, "/_sandbox/stats")

        def updates_delivered() -> int:
            with store.read() as session:
                return int(
                    session.execute(
                        select(func.count())
                        .select_from(Delivery)
                        .where(
                            col(Delivery.idempotency_key).like("igsync-updated-%"),
                            col(Delivery.status) == DeliveryStatus.DELIVERED,
                        )
                    ).scalar_one()
                )

        push_seconds = wait("updates delivered", lambda: updates_delivered() >= customers, 3600)
        with store.read() as session:
            due = [
                to_utc(d)
                for d in session.execute(select(col(ProfileSync.next_attempt_at))).scalars()
            ]
            ciphertexts = list(
                session.execute(select(col(Token.access_token_ciphertext)).limit(300)).scalars()
            )
            first, last = session.execute(
                select(func.min(col(ProfileSync.synced_at)), func.max(col(ProfileSync.synced_at)))
            ).one()
        running_rate = customers / max(1e-3, (to_utc(last) - to_utc(first)).total_seconds())
        hours = Counter(int((d - start) / timedelta(hours=1)) for d in due)

        # Baseline: the same profile fetches, one after the other.
        cipher = TokenCipher((Secret(w.env["IGSYNC_ENCRYPTION_KEYS"]),))
        instagram, _ = clients(w)
        tokens = [cipher.decrypt(c) for c in ciphertexts]
        mark = time.perf_counter()
        for token in tokens:
            instagram.profile(token)
        baseline_rate = len(tokens) / (time.perf_counter() - mark)
        store.dispose()

    calls = after["graph_calls"] - before["graph_calls"]
    rate = customers / sync_seconds
    result = {
        "customers": customers,
        "latency_ms": latency_ms,
        "connect_seconds": round(connect_seconds, 1),
        "sync_seconds": round(sync_seconds, 1),
        "syncs_per_s": round(rate, 1),
        "syncs_per_s_while_running": round(running_rate, 1),
        "graph_calls": calls,
        "calls_per_customer": round(calls / customers, 3),
        "rate_limited": after["rate_limited"] - before["rate_limited"],
        "updates_delivered_seconds": round(push_seconds + sync_seconds, 1),
        "next_syncs_per_hour_min_max": [min(hours.values()), max(hours.values())],
        "next_syncs_hours_spanned": len(hours),
        "baseline_profiles_per_s": round(baseline_rate, 1),
        "speedup_over_baseline": round(running_rate / baseline_rate, 2),
    }
    print(
        f"profile re-sync of {customers} customers, L={latency_ms} ms: "
        f"all synced {sync_seconds:.1f} s after falling due, {running_rate:.0f}/s while "
        f"syncing, {calls} Graph calls "
        f"({calls / customers:.2f} per customer), {result['rate_limited']} refused; "
        f"{customers} updates in WordPress after {result['updates_delivered_seconds']} s | "
        f"next syncs over {len(hours)} hours, {min(hours.values())}-{max(hours.values())} an "
        f"hour | baseline one at a time {baseline_rate:.0f}/s -> "
        f"{running_rate / baseline_rate:.1f}x "
        f"| setup: {customers} connected in {connect_seconds:.0f} s"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    add_port_options(parser, "daemon", "sandbox", "shop")
    args = parser.parse_args()
    print(f"== profile sync on {machine()}")
    print(json.dumps({"profile_sync": measure(args.customers, args.latency_ms, ports_from(args))}))


if __name__ == "__main__":
    main()
