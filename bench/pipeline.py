"""Benchmark 2: from intake to lead delivered, with the sandbox adding a fixed latency L to
every Instagram call (L = 50 ms and 200 ms).

    python -m bench.pipeline [--latencies 50,200] [--concurrency 8] [--postgres] [--pin 8,32,64]

For each L, in one run:
- floor: the round trips that cannot be avoided, 3 x L (exchange, long-lived token, profile,
  each measured against the sandbox) + one signed lead push to the WordPress stand-in;
- throughput: a burst of codes forwarded at once; customers per second from the first forward
  to the last lead, against 80% of concurrency / floor; the daemon's own CPU time per customer
  meanwhile (from /proc, the sandbox and the load generator excluded);
- latency: codes forwarded one by one at half the rate just measured, each timed from the
  moment its forward is sent to the moment the shop received its lead: p50 and p99;
- with --pin: the same at L=50 with the daemon on one CPU and everything else on the other, at
  each concurrency given (how far the daemon alone goes when Instagram's CPU is not its own);
- baseline: the same work one customer at a time, as a plugin that exchanges inside the
  shopper's request would (exchange, upgrade, profile, push in a row, no daemon).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench.common import (
    APP_ID,
    REDIRECT_URI,
    Pinning,
    Ports,
    World,
    add_port_options,
    machine,
    percentile,
    ports_from,
    postgres_database,
    world,
)
from daemon.instagram import InstagramClient, InstagramEndpoints
from daemon.redact import Secret
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.signing import Signer
from wp_bridge.wordpress import WordPressClient

ALL_CPUS = frozenset(os.sched_getaffinity(0))


def mint_codes(w: World, prefix: str, count: int) -> list[tuple[str, str]]:
    """(username, code) pairs, each from the sandbox's consent page (no latency there)."""
    pairs = []
    with requests.Session() as http:
        for n in range(count):
            username = f"{prefix}_{n}"
            answer = http.post(
                w.sandbox.url + "/oauth/authorize",
                data={
                    "client_id": APP_ID,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code",
                    "scope": "instagram_business_basic",
                    "decision": "allow",
                    "username": username,
                    "account_type": "BUSINESS",
                    "state": "bench",
                },
                allow_redirects=False,
                timeout=10,
            )
            location = answer.headers["Location"].split("#", 1)[0]
            pairs.append((username, parse_qs(urlsplit(location).query)["code"][0]))
    return pairs


def clients(w: World) -> tuple[InstagramClient, WordPressClient]:
    endpoints = InstagramEndpoints(
        app_id=APP_ID,
        app_secret=Secret(w.env["IGSYNC_INSTAGRAM_APP_SECRET"]),
        flavour="instagram_login",
        oauth_url=w.sandbox.url,
        graph_url=w.sandbox.url,
        authorize_url=w.sandbox.url + "/oauth/authorize",
    )
    return (
        InstagramClient(endpoints, timeout=10),
        WordPressClient(w.env["IGSYNC_WP_URL"], Signer(w.shared_secret)),
    )


def one_customer_inline(
    instagram: InstagramClient, wordpress: WordPressClient, username: str, code: str
) -> dict[str, float]:
    """What a plugin exchanging inside the shopper's request does; the time of each step."""
    times = {}
    started = time.perf_counter()
    short = instagram.exchange_code(code, REDIRECT_URI)
    times["exchange"] = time.perf_counter() - started
    mark = time.perf_counter()
    long = instagram.exchange_long_lived(short.access_token)
    times["long_lived"] = time.perf_counter() - mark
    mark = time.perf_counter()
    instagram.profile(long.access_token)
    times["profile"] = time.perf_counter() - mark
    mark = time.perf_counter()
    lead = {"idempotency_key": f"inline-{username}", "ig_user_id": short.user_id}
    wordpress.push_lead({**lead, "username": username}, f"inline-{username}")
    times["push"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    return times


def arrivals(w: World) -> dict[str, float]:
    return dict(requests.get(w.shop.url + "/bench/arrivals", timeout=10).json())


def wait_for(w: World, usernames: list[str], timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = arrivals(w)
        if all(u in seen for u in usernames):
            return seen
        time.sleep(0.05)
    missing = [u for u in usernames if u not in arrivals(w)]
    raise RuntimeError(f"{len(missing)} lead(s) never arrived, e.g. {missing[:3]}")


def measure(
    latency_ms: int,
    concurrency: int,
    database_url: str | None = None,
    *,
    ports: Ports | None = None,
    pinning: Pinning | None = None,
) -> dict[str, Any]:
    if pinning is not None:  # this process forwards the load: it stays off the daemon's CPU
        os.sched_setaffinity(0, pinning.others)
    try:
        with world(
            latency_ms=latency_ms,
            concurrency=concurrency,
            database_url=database_url,
            ports=ports,
            pinning=pinning,
        ) as w:
            result = _measure(w, latency_ms, concurrency)
    finally:
        os.sched_setaffinity(0, ALL_CPUS)
    result["database"] = "postgresql" if database_url else "sqlite"
    result["pinned"] = pinning.describe() if pinning else None
    print(
        f"{result['database']}, L={latency_ms} ms, concurrency {concurrency}"
        f"{', ' + result['pinned'] if pinning else ''}: floor {result['floor_ms']:.1f} ms "
        f"({result['floor_parts_ms']}) | {result['customers_per_s']:.1f} customers/s (burst of "
        f"{result['burst']}; 80% of concurrency / floor: {result['goal_customers_per_s']:.1f}) | "
        f"daemon CPU {result['daemon_cpu_ms_per_customer']:.2f} ms per customer (goal <= 5) | "
        f"at half that rate, intake->lead p50 {result['p50_ms']:.1f} ms (floor + "
        f"{result['p50_over_floor_ms']:.1f}, goal <= 30), p99 {result['p99_ms']:.1f} ms (floor + "
        f"{result['p99_over_floor_ms']:.1f}, goal <= 100) | baseline one at a time "
        f"{result['baseline_customers_per_s']:.2f}/s -> {result['speedup_over_baseline']:.1f}x | "
        f"daemon peak RSS {result['daemon_peak_rss_mib']:.1f} MiB"
    )
    return result


def _measure(w: World, latency_ms: int, concurrency: int) -> dict[str, Any]:
    signer = Signer(w.shared_secret)
    instagram, wordpress = clients(w)
    time.sleep(1.5)

    # Baseline: one customer at a time, inline (also gives the floor's parts).
    inline = [
        one_customer_inline(instagram, wordpress, u, c)
        for u, c in mint_codes(w, f"inline{latency_ms}", 20)
    ]
    steps = {k: percentile([t[k] for t in inline], 50) for k in inline[0]}
    floor = steps["exchange"] + steps["long_lived"] + steps["profile"] + steps["push"]
    baseline_rate = 1 / percentile([t["total"] for t in inline], 50)

    # Throughput: a burst, from the first forward to the last lead; the daemon's CPU meanwhile.
    burst = mint_codes(w, f"burst{latency_ms}", int(concurrency / floor * 8) + concurrency)
    lock = threading.Lock()
    cpu_before = w.daemon.cpu_seconds()
    first_sent = time.time()

    def forward(pair: tuple[str, str]) -> None:
        with requests.Session() as http:
            answer = forward_code(http, w.daemon.url, signer, forward_body(pair[1], REDIRECT_URI))
            with lock:
                assert answer.status_code == 202, answer.text

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(forward, burst))
    seen = wait_for(w, [u for u, _ in burst], 600)
    cpu_per_customer = (w.daemon.cpu_seconds() - cpu_before) / len(burst)
    rate = len(burst) / (max(seen[u] for u, _ in burst) - first_sent)

    # Latency: codes forwarded one by one at half the rate just measured.
    paced = mint_codes(w, f"paced{latency_ms}", 100 if latency_ms <= 50 else 60)
    gap = 1 / (0.5 * rate)
    sent: dict[str, float] = {}
    with requests.Session() as http:
        for username, code in paced:
            next_at = time.monotonic() + gap
            sent[username] = time.time()
            answer = forward_code(http, w.daemon.url, signer, forward_body(code, REDIRECT_URI))
            assert answer.status_code == 202, answer.text
            time.sleep(max(0.0, next_at - time.monotonic()))
    seen = wait_for(w, list(sent), 120)
    latencies = [seen[u] - sent[u] for u in sent]
    _, peak_rss = w.daemon.rss_mib()
    return {
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "floor_ms": floor * 1000,
        "floor_parts_ms": {k: round(v * 1000, 1) for k, v in steps.items() if k != "total"},
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "p50_over_floor_ms": (percentile(latencies, 50) - floor) * 1000,
        "p99_over_floor_ms": (percentile(latencies, 99) - floor) * 1000,
        "paced_per_s": 0.5 * rate,
        "customers_per_s": rate,
        "goal_customers_per_s": 0.8 * concurrency / floor,
        "burst": len(burst),
        "baseline_customers_per_s": baseline_rate,
        "speedup_over_baseline": rate / baseline_rate,
        "daemon_peak_rss_mib": peak_rss,
        "daemon_cpu_ms_per_customer": round(cpu_per_customer * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latencies", default="50,200")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also one daemon on the local PostgreSQL server (IGSYNC_BENCH_POSTGRES)",
    )
    parser.add_argument(
        "--pin",
        default="",
        metavar="CONCURRENCIES",
        help="also at L=50 with the daemon on one CPU and the rest on the other (taskset), at "
        "each IGSYNC_CONCURRENCY given, e.g. 8,32,64",
    )
    add_port_options(parser, "daemon", "sandbox", "shop")
    options = parser.parse_args()
    ports = ports_from(options)
    print(f"machine: {machine()}")
    latencies = [int(latency) for latency in options.latencies.split(",")]
    results = [measure(latency, options.concurrency, ports=ports) for latency in latencies]
    if options.postgres:
        for latency in latencies:
            with postgres_database() as url:
                results.append(measure(latency, options.concurrency, url, ports=ports))
    for concurrency in [int(c) for c in options.pin.split(",") if c]:
        results.append(measure(50, concurrency, ports=ports, pinning=Pinning.split()))
    print(json.dumps({"pipeline": results}))


if __name__ == "__main__":
    main()
