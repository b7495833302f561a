"""Benchmark 3: the store at 1,000,000 customers (SQLite, the embedded default).

    python -m bench.store_scale [--customers 1000000]

- the refresh sweep's selection (and lease) of 1,000 due tokens, with its query plan;
- `igsync customers list` (first page), `search` by username and `show` by id, as whole
  processes (median wall time of several, and peak memory), against `python -c 'import
  sqlite3'` as the baseline measured in the same run, and `igsync --version`;
- `igsync customers export` to a file: wall time and peak memory at 1,000,000 customers and at
  a tenth of that (constant memory means the two peaks match).

The database is filled with plain SQL in one transaction, after the migrations made the schema.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import machine
from daemon.crypto import TokenCipher, generate_key
from daemon.redact import Secret
from daemon.store.database import Store
from daemon.sync.refresh import TokenRefresher
from wp_bridge.signing import generate_secret

DUE = 1000
RUNS = 7  # processes per command timed; the median is reported


def fill(database: Path, customers: int, key: str) -> None:
    """Customers with one token each; 3 x DUE tokens fall due for refresh, the rest are fresh."""
    store = Store(f"sqlite:///{database}")
    store.migrate()
    store.dispose()
    now = datetime.now(UTC)
    ciphertext = TokenCipher([Secret(key)]).encrypt("IGQV" + "x" * 180)
    rng = random.Random(7)
    due = set(rng.sample(range(1, customers + 1), 3 * DUE))
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    old = (now - timedelta(days=50)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA synchronous=OFF")
        connection.executemany(
            "INSERT INTO customers (id, ig_user_id, username, name, account_type, api_flavour, "
            "email, created_at, updated_at) VALUES (?, ?, ?, ?, 'BUSINESS', 'instagram_login', "
            "?, ?, ?)",
            (
                (
                    n,
                    f"1784140{n:010d}",
                    f"shopper_{n:07d}",
                    f"Shopper {n}",
                    f"s{n}@example.com",
                    stamp,
                    stamp,
                )
                for n in range(1, customers + 1)
            ),
        )
        connection.executemany(
            "INSERT INTO tokens (id, customer_id, access_token_ciphertext, status, obtained_at, "
            "expires_at, attempts, next_attempt_at) VALUES (?, ?, ?, 'active', ?, ?, 0, ?)",
            (
                (
                    n,
                    n,
                    ciphertext,
                    old,
                    (now + timedelta(days=5 if n in due else 55)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    stamp,
                )
                for n in range(1, customers + 1)
            ),
        )
        connection.execute("ANALYZE")


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run one igsync command: its wall time, its own peak memory in MiB, its output.

    The memory comes from /usr/bin/time, which forks the command from a small process: a child
    forked from this benchmark would report this process's peak (getrusage counts the pages
    the child had before it ran igsync)."""
    return run_python(["-m", "daemon", *args], env)


def run_python(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    finished = subprocess.run(
        ["/usr/bin/time", "-f", "IGSYNC_PEAK_KIB=%M", sys.executable, *args],
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    stderr = finished.stderr.decode()
    if finished.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed: {stderr[-500:]}")
    peak = re.search(r"IGSYNC_PEAK_KIB=(\d+)", stderr)
    assert peak, stderr[-300:]
    return elapsed, int(peak.group(1)) / 1024, finished.stdout.decode()


def median_of(runs: int, run: Callable[[], tuple[float, float, str]]) -> tuple[float, float, str]:
    """The median wall time of `runs` whole processes (the first, with a cold page cache for
    the command's files, counts like the rest), the largest peak memory, the last output."""
    results = [run() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def sweep_selection(database: Path, key: str) -> tuple[float, list[str]]:
    """Milliseconds for the refresh sweep to select and lease DUE tokens; the query plan."""
    store = Store(f"sqlite:///{database}")
    refresher = TokenRefresher(
        store,
        TokenCipher([Secret(key)]),
        None,  # type: ignore[arg-type]  # no call reaches Instagram: only the claim is timed
        owner="bench",
        window=timedelta(days=10),
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        claimed = refresher.claim_due(DUE)
        timings.append((time.perf_counter() - started) * 1000)
        assert len(claimed) == DUE, len(claimed)
        with store.write() as session:  # hand the leases back for the next round
            session.connection().exec_driver_sql(
                "UPDATE tokens SET lease_owner = NULL, lease_expires_at = NULL"
                " WHERE lease_owner = 'bench'"
            )
    store.dispose()
    with sqlite3.connect(database) as connection:
        plan = [
            row[3]
            for row in connection.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM tokens WHERE status IN ('active') "
                "AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)"
                " AND expires_at <= ? AND expires_at > ? AND obtained_at <= ? "
                "ORDER BY next_attempt_at LIMIT 1000",
                ("2099-01-01",) * 5,
            )
        ]
    return min(timings), plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    options = parser.parse_args()
    print(f"machine: {machine()}")
    key = generate_key()
    results: dict[str, object] = {"customers": options.customers}
    with tempfile.TemporaryDirectory(prefix="igsync-bench-") as tmp:
        sizes = {"full": options.customers, "tenth": options.customers // 10}
        databases = {}
        for name, count in sizes.items():
            databases[name] = Path(tmp) / f"{name}.db"
            started = time.perf_counter()
            fill(databases[name], count, key)
            print(f"filled {count:,} customers in {time.perf_counter() - started:.0f} s")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "IGSYNC_INSTAGRAM_APP_ID": "1234567890",
            "IGSYNC_INSTAGRAM_APP_SECRET": "bench-secret",
            "IGSYNC_REDIRECT_URI": "https://shop.example/cb",
            "IGSYNC_WP_URL": "http://127.0.0.1:9",
            "IGSYNC_SHARED_SECRET": generate_secret(),
            "IGSYNC_ENCRYPTION_KEYS": key,
            "IGSYNC_DATABASE_URL": f"sqlite:///{databases['full']}",
            "COLUMNS": "200",  # rich renders for a wide terminal (the pipe has none)
        }
        sweep_ms, plan = sweep_selection(databases["full"], key)
        results["sweep_select_1000_ms"] = sweep_ms
        results["sweep_plan"] = plan
        print(f"refresh sweep: {DUE} due tokens selected and leased in {sweep_ms:.1f} ms")
        print(f"  query plan: {' / '.join(plan)}")

        floor_s, floor_mib, _ = median_of(RUNS, lambda: run_python(["-c", "import sqlite3"], env))
        results["python_sqlite3_s"], results["python_sqlite3_mib"] = floor_s, floor_mib
        print(
            f"baseline `python -c 'import sqlite3'`: {floor_s * 1000:.0f} ms, {floor_mib:.0f} MiB "
            f"(median of {RUNS} processes)"
        )
        start_s, start_mib, _ = median_of(RUNS, lambda: run_cli(["--version"], env))
        results["startup_s"], results["startup_mib"] = start_s, start_mib
        print(f"`igsync --version`: {start_s * 1000:.0f} ms, {start_mib:.0f} MiB")
        probe = options.customers * 3 // 4 + 17  # a customer deep in the table
        for label, args, expected in (
            ("list", ["customers", "list"], "@shopper_0000001"),
            ("search", ["customers", "search", f"shopper_{probe:07d}"], f"@shopper_{probe:07d}"),
            ("show", ["customers", "show", str(probe)], f"shopper_{probe:07d}"),
        ):
            wall, mib, output = median_of(RUNS, functools.partial(run_cli, args, env))
            assert expected in output, output[:300]
            results[f"{label}_s"], results[f"{label}_mib"] = wall, mib
            results[f"{label}_over_python"] = round(wall / floor_s, 1)
            print(
                f"`igsync {' '.join(args)}`: median {wall * 1000:.0f} ms (goal <= 300; "
                f"{wall / floor_s:.1f}x `python -c 'import sqlite3'`), peak {mib:.0f} MiB"
            )
        for name in ("tenth", "full"):
            out = Path(tmp) / f"export-{name}.csv"
            wall, mib, _ = run_cli(
                ["customers", "export", "--format", "csv", "--output", str(out)],
                {**env, "IGSYNC_DATABASE_URL": f"sqlite:///{databases[name]}"},
            )
            lines = sum(1 for _ in out.open())
            results[f"export_{name}_s"], results[f"export_{name}_mib"] = wall, mib
            print(
                f"`igsync customers export --format csv` of {lines - 1:,} customers: "
                f"{wall:.1f} s ({(lines - 1) / wall:,.0f} rows/s), peak {mib:.0f} MiB"
            )
    print(json.dumps({"store": results}))


if __name__ == "__main__":
    main()
