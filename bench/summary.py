"""The goal table of issues 15 and 28 from one `bench/run`: goal, measured, baseline, ratio.

    python -m bench.summary bench/last-run.txt

Reads the JSON line each benchmark prints last; prints a Markdown table (for bench/README.md)
headed by the machine's CPU model.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import machine
from bench.wordpress import goals

Row = tuple[str, str, str, str, str, str]


def figures(text: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith("{"):
            found.update(json.loads(line))
    return found


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def intake_rows(run: dict[str, Any]) -> Iterator[Row]:
    levels = {row["clients"]: row for row in run["intake"]}
    if 16 in levels:
        row = levels[16]
        ratio = row["rps_over_peer"]
        yield (
            "1 intake, 16 clients",
            "forwards/s >= 1.0x the naive durable peer (which does less per forward)",
            f"{row['forwards_rps']:,.0f}/s",
            f"peer {row['peer_rps']:,.0f}/s",
            f"{ratio}x",
            _met(ratio >= 1.0),
        )
    if 1 in levels:
        row = levels[1]
        ratio = row["p50_over_peer"]
        yield (
            "1 intake, 1 client",
            "p50 <= 1.5x the peer's",
            f"{row['forwards_p50_ms']:.2f} ms",
            f"peer {row['peer_p50_ms']:.2f} ms",
            f"{ratio}x",
            _met(ratio <= 1.5),
        )
    lost = sum(row["lost"] for row in run["intake"])
    yield ("1 intake", "zero lost", f"{lost} lost", "202s counted by wrk", "-", _met(lost == 0))


def pipeline_rows(run: dict[str, Any]) -> Iterator[Row]:
    for result in run["pipeline"]:
        if result["latency_ms"] != 50 or result["database"] != "sqlite":
            continue
        where = f"c={result['concurrency']}" + (", pinned" if result["pinned"] else "")
        cpu = result["daemon_cpu_ms_per_customer"]
        yield (
            f"2 pipeline CPU, L=50, {where}",
            "daemon CPU <= 5 ms per customer",
            f"{cpu:.1f} ms",
            "5 ms",
            f"{cpu / 5:.1f}x",
            _met(cpu <= 5),
        )
        if result["pinned"]:
            rate = result["customers_per_s"]
            yield (
                f"2 pipeline, L=50, {where}",
                ">= 150 customers/s, daemon on its own CPU",
                f"{rate:.1f}/s",
                f"one at a time {result['baseline_customers_per_s']:.1f}/s",
                f"{rate / 150:.2f}x of goal",
                _met(rate >= 150),
            )
        p50, p99 = result["p50_over_floor_ms"], result["p99_over_floor_ms"]
        yield (
            f"3 latency, L=50, {where}",
            "at half capacity p50 <= floor + 30, p99 <= floor + 100 ms",
            f"+{p50:.1f} / +{p99:.1f} ms",
            f"floor {result['floor_ms']:.1f} ms",
            "-",
            _met(p50 <= 30 and p99 <= 100),
        )


def store_rows(run: dict[str, Any]) -> Iterator[Row]:
    store = run["store"]
    floor = store["python_sqlite3_s"]
    for command in ("list", "search", "show"):
        wall = store[f"{command}_s"]
        yield (
            f"4 CLI `customers {command}`, {store['customers']:,} customers",
            "<= 300 ms median, whole process",
            f"{wall * 1000:.0f} ms, {store[f'{command}_mib']:.0f} MiB",
            f"`python -c 'import sqlite3'` {floor * 1000:.0f} ms",
            f"{wall / floor:.1f}x",
            _met(wall <= 0.3),
        )


def memory_rows(run: dict[str, Any]) -> Iterator[Row]:
    idle, peak = run["rss_idle_mib"], run["rss_peak_mib"]
    pipeline_peak = max((r["daemon_peak_rss_mib"] for r in run.get("pipeline", [])), default=peak)
    yield ("5 memory, idle", "<= 80 MiB", f"{idle:.1f} MiB", "80 MiB", "-", _met(idle <= 80))
    worst = max(peak, pipeline_peak)
    yield (
        "5 memory, peak under load",
        "<= 90 MiB",
        f"intake {peak:.1f}, pipeline {pipeline_peak:.1f} MiB",
        "90 MiB",
        "-",
        _met(worst <= 90),
    )


def table(run: dict[str, Any]) -> str:
    rows: list[Row] = []
    if "intake" in run:
        rows += intake_rows(run)
    if "pipeline" in run:
        rows += pipeline_rows(run)
    if "store" in run:
        rows += store_rows(run)
    if "intake" in run:
        rows += memory_rows(run)
    if "wordpress" in run:
        rows += goals(run["wordpress"])
    lines = [
        f"Machine: {machine()}",
        "",
        "| goal | target | measured | baseline | ratio | verdict |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    print(table(figures(Path(sys.argv[1]).read_text())))


if __name__ == "__main__":
    main()
