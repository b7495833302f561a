"""What the benchmarks share: the sandbox and a WordPress stand-in as separate processes, an
`igsync run` process on a fresh SQLite database, its resident memory, and percentiles.

Each piece runs as its own process, as in production, so that the figures include the real
HTTP and process boundaries (and the daemon's own CPU is not shared with the load generator's
interpreter).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from daemon.crypto import generate_key
from wp_bridge.signing import generate_secret

APP_ID = "1234567890"
REDIRECT_URI = "https://shop.example/wp-json/igsync/v1/callback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Ports:
    """Where each process listens; 0 picks a free port."""

    sandbox: int = 0
    shop: int = 0
    daemon: int = 0
    peer: int = 0  # the naive durable peer, and the intake served alone after it

    def pick(self, name: str) -> int:
        return int(getattr(self, name)) or free_port()


def add_port_options(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        parser.add_argument(
            f"--{name}-port",
            type=int,
            default=0,
            metavar="PORT",
            help=f"the {name}'s port on 127.0.0.1 (default: a free one)",
        )


def ports_from(options: argparse.Namespace) -> Ports:
    return Ports(
        **{
            name: getattr(options, f"{name}_port", 0) or 0
            for name in ("sandbox", "shop", "daemon", "peer")
        }
    )


@dataclass(frozen=True)
class Pinning:
    """CPUs for the daemon and for everything else (sandbox, shop, load generator), so that the
    daemon's figures are its own: another machine's CPU for Instagram is not available here."""

    daemon: frozenset[int]
    others: frozenset[int]

    @classmethod
    def split(cls) -> Pinning:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            raise RuntimeError("pinning needs at least 2 CPUs")
        return cls(frozenset(cpus[:1]), frozenset(cpus[1:]))

    def describe(self) -> str:
        daemon, others = sorted(self.daemon), sorted(self.others)
        return f"daemon on CPU {daemon}, sandbox, shop and load generator on CPU {others}"


def wait_until_answers(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout:g}s")


@dataclass
class Process:
    """A child process whose stderr is kept (the last lines) and drained, never blocking it."""

    popen: subprocess.Popen[str]
    url: str
    log: deque[str] = field(default_factory=lambda: deque(maxlen=200))

    def __post_init__(self) -> None:
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.log.append(line)

    def rss_mib(self) -> tuple[float, float]:
        """(resident now, peak resident) in MiB, from /proc."""
        status = Path(f"/proc/{self.popen.pid}/status").read_text()
        now = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        return now / 1024, peak / 1024

    def cpu_seconds(self) -> float:
        """CPU time the process has used (user + system, all its threads), from /proc."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM, and the process must be gone within 30 s: a stop that hangs is a bug the
        benchmark reports (after killing it, so the run can go on), not one it hides."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
                raise RuntimeError(
                    f"{self.popen.args!r} did not stop within 30 s of SIGTERM:\n"
                    + "".join(list(self.log)[-20:])
                ) from None


def _spawn(
    args: Sequence[str],
    env: dict[str, str],
    url: str,
    health: str,
    cpus: Collection[int] | None = None,
) -> Process:
    """`python ARGS` (under `taskset`, on `cpus` only, when given), once `url + health`
    answers."""
    pin = [] if cpus is None else ["taskset", "-c", ",".join(map(str, sorted(cpus)))]
    popen = subprocess.Popen(
        [*pin, sys.executable, *args],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    process = Process(popen, url)
    try:
        wait_until_answers(url + health)
    except RuntimeError:
        process.stop()
        raise RuntimeError("".join(process.log)) from None
    return process


@dataclass
class World:
    """Sandbox, WordPress stand-in and daemon, wired to each other."""

    env: dict[str, str]
    sandbox: Process
    shop: Process
    daemon: Process
    database: Path
    shared_secret: str


@contextmanager
def world(
    *,
    latency_ms: int = 0,
    concurrency: int = 8,
    shop_delay_ms: int = 0,
    log_level: str = "WARNING",
    database_url: str | None = None,
    ports: Ports | None = None,
    pinning: Pinning | None = None,
) -> Iterator[World]:
    """Start the three processes on loopback; stop them at the end. The daemon's database is
    SQLite in a temporary folder unless `database_url` names another."""
    ports = ports or Ports()
    with tempfile.TemporaryDirectory(prefix="igsync-bench-") as tmp:
        state = Path(tmp)
        secret, app_secret = generate_secret(), secrets.token_hex(16)
        sandbox_port, shop_port = ports.pick("sandbox"), ports.pick("shop")
        daemon_port = ports.pick("daemon")
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        shop_url = f"http://127.0.0.1:{shop_port}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "IGSYNC_INSTAGRAM_APP_ID": APP_ID,
            "IGSYNC_INSTAGRAM_APP_SECRET": app_secret,
            "IGSYNC_REDIRECT_URI": REDIRECT_URI,
            "IGSYNC_WP_URL": shop_url,
            "IGSYNC_SHARED_SECRET": secret,
            "IGSYNC_ENCRYPTION_KEYS": generate_key(),
            "IGSYNC_STATE_DIR": tmp,
            "IGSYNC_LISTEN": f"127.0.0.1:{daemon_port}",
            "IGSYNC_INSTAGRAM_OAUTH_URL": sandbox_url,
            "IGSYNC_INSTAGRAM_GRAPH_URL": sandbox_url,
            "IGSYNC_INSTAGRAM_AUTHORIZE_URL": sandbox_url + "/oauth/authorize",
            "IGSYNC_CONCURRENCY": str(concurrency),
            "IGSYNC_LOG_LEVEL": log_level,
        }
        if database_url is not None:
            env["IGSYNC_DATABASE_URL"] = database_url
        sandbox = _spawn(
            [
                "-m",
                "daemon",
                "sandbox",
                "--listen",
                f"127.0.0.1:{sandbox_port}",
                "--latency-ms",
                str(latency_ms),
            ],
            env,
            sandbox_url,
            "/_sandbox/stats",
            pinning.others if pinning else None,
        )
        shop = _spawn(
            ["-m", "bench.shop", str(shop_port), secret, str(shop_delay_ms)],
            env,
            shop_url,
            "/",
            pinning.others if pinning else None,
        )
        # As installed: the schema is made once (`igsync db upgrade`), the service then starts
        # on a current database (and so never loads Alembic).
        subprocess.run(
            [sys.executable, "-m", "daemon", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        daemon = _spawn(
            ["-m", "daemon", "run"],
            env,
            f"http://127.0.0.1:{daemon_port}",
            "/healthz",
            pinning.daemon if pinning else None,
        )
        try:
            yield World(env, sandbox, shop, daemon, state / "igsync.db", secret)
        finally:
            for process in (daemon, shop, sandbox):
                process.stop()


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = os.cpu_count()
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return f"{cores} cores ({cpu}), {memory / 1024 / 1024:.0f} GiB, Python {sys.version.split()[0]}"


def postgres_database() -> AbstractContextManager[str]:
    """A fresh database on the local PostgreSQL server (the tests' helper, IGSYNC_TEST_POSTGRES
    names the server), dropped afterwards."""
    from tests.postgres import fresh_database  # noqa: PLC0415  (only this benchmark needs it)

    return fresh_database()
