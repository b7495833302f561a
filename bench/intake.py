"""Benchmark 1 (and 5): signed forwards per second and latency at 1, 16 and 64 concurrent
clients against `igsync run` on SQLite. Baselines, same run: the naive durable peer
(bench/peer.py, the goal's yardstick), the intake served alone (bench/intake_alone.py) and GET
/healthz on the daemon at rest; each server its own process. Also the daemon's resident
memory, idle and under this load.

    python -m bench.intake [--seconds 10] [--clients 1,16,64] [--daemon-port PORT ...]

The load comes from wrk (Debian's package; bench/run installs it). Every request is a distinct
code, signed beforehand (wrk replays them from a generated Lua script), so the intake does all
its work: verify, validate, encrypt, commit (synchronous=FULL), answer. The codes are not
Instagram's, so the workers fail them after one quick call to the sandbox. Zero lost means:
rows in the database == 202 answers counted by wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    REDIRECT_URI,
    Ports,
    _spawn,
    add_port_options,
    machine,
    ports_from,
    world,
)
from daemon.store.statuses import ACTIVE_CODE_STATUSES
from wp_bridge.forward import forward_body
from wp_bridge.signing import Signer, generate_secret, to_daemon

WRK_SCRIPT = """
local requests = {{}}
for line in io.lines("{data}") do
  local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  table.insert(requests, {{id, ts, sig, body}})
end
local counter = 0
accepted, other = 0, 0
local threads = {{}}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = offset
  stride = {threads}
end

function request()
  counter = counter + stride
  local r = requests[counter]
  if r == nil then
    exhausted = true
    r = requests[1]
  end
  return wrk.format("POST", "/v1/codes", {{
    ["Content-Type"] = "application/json",
    ["webhook-id"] = r[1], ["webhook-timestamp"] = r[2], ["webhook-signature"] = r[3],
  }}, r[4])
end

function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests_)
  local a, o, e = 0, 0, false
  for _, t in ipairs(threads) do
    a = a + t:get("accepted")
    o = o + t:get("other")
    e = e or (t:get("exhausted") == true)
  end
  io.write(string.format("IGSYNC accepted=%d other=%d exhausted=%s\\n", a, o, tostring(e)))
end
"""


def signed_requests(signer: Signer, count: int, tag: str, path: Path) -> None:
    """Lines of webhook-id, timestamp, signature and body (tab-separated), one code each."""
    with path.open("w") as out:
        for n in range(count):
            code = f"AQBENCH{tag}x{n:07d}" + "q" * 160  # Instagram's codes are ~200 characters
            body = forward_body(
                code, REDIRECT_URI, wp_user_id=n + 1, email=f"s{n}@example.com", source="bench"
            ).decode()
            headers = signer.headers(body.encode(), to_daemon("POST", "/v1/codes"))
            assert "\t" not in body and "\n" not in body
            out.write(
                f"{headers['webhook-id']}\t{headers['webhook-timestamp']}\t"
                f"{headers['webhook-signature']}\t{body}\n"
            )


def wrk(url: str, clients: int, seconds: int, script: Path | None) -> dict[str, float | str]:
    threads = min(clients, 2)
    args = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        args += ["-s", str(script)]
    finished = subprocess.run(
        [*args, url], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed: {finished.stdout}{finished.stderr}")
    output = finished.stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "raw": output,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", default="1,16,64")
    add_port_options(parser, "daemon", "sandbox", "shop", "peer")
    options = parser.parse_args()
    levels = [int(c) for c in options.clients.split(",")]
    ports = ports_from(options)
    print(f"machine: {machine()}")
    results = []
    with world(ports=ports) as w, tempfile.TemporaryDirectory() as tmp:
        signer = Signer(w.shared_secret)
        time.sleep(2)  # let the daemon's start-up sweeps settle before measuring
        idle_rss, _ = w.daemon.rss_mib()
        print(f"daemon resident memory, idle: {idle_rss:.1f} MiB")
        for clients in levels:
            script = _script(signer, clients, options.seconds, Path(tmp), f"c{clients}")
            # Each level's baseline on a daemon at rest: the workers have finished the codes of
            # the level before (else they would slow /healthz and flatter the ratio).
            drained = _drain(w.database)
            baseline = wrk(w.daemon.url + "/healthz", clients, options.seconds, None)
            before = _rows(w.database)
            intake = wrk(w.daemon.url + "/v1/codes", clients, options.seconds, script)
            stored = _rows(w.database) - before
            counts = re.search(
                r"IGSYNC accepted=(\d+) other=(\d+) exhausted=(\w+)", str(intake["raw"])
            )
            assert counts, intake["raw"]
            accepted, other = int(counts.group(1)), int(counts.group(2))
            row = {
                "clients": clients,
                "drained_before_s": round(drained, 1),
                "healthz_rps": baseline["rps"],
                "healthz_p50_ms": baseline["p50_ms"],
                "healthz_p99_ms": baseline["p99_ms"],
                "forwards_rps": intake["rps"],
                "forwards_p50_ms": intake["p50_ms"],
                "forwards_p99_ms": intake["p99_ms"],
                "p50_ratio": round(float(intake["p50_ms"]) / float(baseline["p50_ms"]), 2),
                "accepted_202": accepted,
                "other_answers": other,
                "rows_stored": stored,
                # A 202 without its row would be a lost code; rows beyond the 202s counted are
                # forwards still in flight when wrk stopped (stored, answer not read).
                "lost": max(0, accepted - stored),
                "stored_unanswered": max(0, stored - accepted),
                "requests_exhausted": counts.group(3) == "true",
            }
            results.append(row)
            print(
                f"{clients:>3} clients (backlog drained in {drained:.1f} s): healthz "
                f"{baseline['rps']:>7.0f}/s p50 {baseline['p50_ms']:.2f} ms p99 "
                f"{baseline['p99_ms']:.2f} ms | forwards {intake['rps']:>7.0f}/s p50 "
                f"{intake['p50_ms']:.2f} ms p99 {intake['p99_ms']:.2f} ms | p50 ratio "
                f"{row['p50_ratio']} | 202s {accepted}, stored {stored}, lost {row['lost']}, "
                f"other answers {other}"
            )
        _, peak_rss = w.daemon.rss_mib()
        print(f"daemon resident memory, peak under load: {peak_rss:.1f} MiB")
    peer = served_alone("bench.peer", "the naive durable peer", levels, options.seconds, ports)
    alone = served_alone(
        "bench.intake_alone", "the intake alone (no workers)", levels, options.seconds, ports
    )
    for row, theirs in zip(results, peer, strict=True):
        row["peer_rps"], row["peer_p50_ms"] = theirs["rps"], theirs["p50_ms"]
        row["rps_over_peer"] = round(float(row["forwards_rps"]) / float(theirs["rps"]), 2)
        row["p50_over_peer"] = round(float(row["forwards_p50_ms"]) / float(theirs["p50_ms"]), 2)
        print(
            f"{row['clients']:>3} clients: igsync run {row['forwards_rps']:.0f}/s vs the naive "
            f"durable peer {theirs['rps']:.0f}/s -> {row['rps_over_peer']}x (goal >= 1.0x at "
            f"16); p50 {row['forwards_p50_ms']:.2f} vs {theirs['p50_ms']:.2f} ms -> "
            f"{row['p50_over_peer']}x (goal <= 1.5x at 1)"
        )
    summary = {
        "intake": results,
        "intake_alone": alone,
        "rss_idle_mib": idle_rss,
        "rss_peak_mib": peak_rss,
    }
    print(json.dumps(summary))


def _script(signer: Signer, clients: int, seconds: int, tmp: Path, tag: str) -> Path:
    """A wrk script replaying distinct signed forwards, enough for `seconds` at full speed."""
    data = tmp / f"requests-{tag}.tsv"
    signed_requests(signer, 4000 * seconds, tag, data)
    script = tmp / f"forward-{tag}.lua"
    script.write_text(WRK_SCRIPT.format(data=data, threads=min(clients, 2)))
    return script


def served_alone(
    module: str, label: str, levels: list[int], seconds: int, ports: Ports
) -> list[dict[str, Any]]:
    """`python -m MODULE PORT DATABASE SECRET` (bench/peer.py, bench/intake_alone.py) in a
    process of its own on a fresh database, loaded by wrk at each level as `igsync run` was."""
    secret = generate_secret()
    signer = Signer(secret)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        port = ports.pick("peer")
        url = f"http://127.0.0.1:{port}"
        process = _spawn(
            ["-m", module, str(port), str(Path(tmp) / "served.db"), secret],
            {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            url,
            "/healthz",
        )
        try:
            for clients in levels:
                script = _script(signer, clients, seconds, Path(tmp), f"s{clients}")
                result = wrk(url + "/v1/codes", clients, seconds, script)
                rows.append({"clients": clients, "rps": result["rps"], "p50_ms": result["p50_ms"]})
                print(
                    f"{clients:>3} clients, {label}: {result['rps']:>7.0f}/s "
                    f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms"
                )
        finally:
            process.stop()
    return rows


def _drain(database: Path, timeout: float = 300) -> float:
    """Wait until no forwarded code is still being worked; how long that took."""
    started = time.monotonic()
    while _active_codes(database):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the daemon's backlog did not drain within {timeout:g} s")
        time.sleep(0.2)
    return time.monotonic() - started


def _active_codes(database: Path) -> int:
    marks = ", ".join("?" for _ in ACTIVE_CODE_STATUSES)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return int(
            connection.execute(
                f"SELECT count(*) FROM received_codes WHERE status IN ({marks})",  # noqa: S608
                [str(status) for status in ACTIVE_CODE_STATUSES],
            ).fetchone()[0]
        )


def _rows(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return int(connection.execute("SELECT count(*) FROM received_codes").fetchone()[0])


if __name__ == "__main__":
    main()
