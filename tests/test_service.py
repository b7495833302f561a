"""Running as a service: the systemd unit (hardening score, verify), the notify protocol
(READY, WATCHDOG, STOPPING), JSON logs, /metrics and `igsync doctor`."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi import FastAPI
from typer.testing import CliRunner

from daemon.cli import app
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import Settings
from tests.conftest import SECRETS, Sandbox, Shop, eventually
from tests.test_daemon import daemon_env, forward_many
from wp_bridge.signing import Signer

UNIT = Path(__file__).resolve().parent.parent / "systemd" / "igsync.service"


def security_score(unit: Path) -> float:
    """systemd-analyze's exposure score of a unit file (0 is the most locked down)."""
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    score = re.search(rf"Overall exposure level for {unit.name}: (\d+\.\d+)", result.stdout)
    assert score, result.stdout + result.stderr
    return float(score.group(1))


def test_the_unit_scores_2_or_lower_in_systemd_analyze_security() -> None:
    assert security_score(UNIT) <= 2.0


def test_the_unit_verifies(tmp_path: Path) -> None:
    """systemd-analyze verify checks ExecStart exists: point it at this checkout's install."""
    installed = Path(sys.executable).parent / "igsync"
    unit = tmp_path / "igsync.service"
    unit.write_text(UNIT.read_text().replace("/opt/igsync/.venv/bin/igsync", str(installed)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = UNIT.read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "StateDirectory=igsync",
        "ConfigurationDirectory=igsync",
        "LoadCredential=igsync.env:/etc/igsync/igsync.env",
        "Restart=on-failure",
    ):
        assert line in text


@pytest.fixture
def settings(shop_settings: Settings) -> Settings:
    return shop_settings


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(20)
    yield sock
    sock.close()


def test_run_speaks_the_notify_protocol_and_logs_json(
    settings: Settings,
    sandbox: Sandbox,
    shop: Shop,
    signer: Signer,
    notify_socket: socket.socket,
    tmp_path: Path,
) -> None:
    env = {
        **daemon_env(settings),
        "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
        "WATCHDOG_USEC": "400000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "daemon", "run"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        messages: list[str] = []
        while not any("READY=1" in m for m in messages):
            messages.append(notify_socket.recv(4096).decode())
        ready = next(m for m in messages if "READY=1" in m)
        url = re.search(r"STATUS=listening on (http://\S+)", ready).group(1)  # type: ignore[union-attr]
        assert requests.get(f"{url}/healthz", timeout=5).json() == {
            "status": "ok"
        }  # ready means ready
        pings = 0
        while pings < 3:  # the scheduler's heartbeat, every WatchdogSec/2
            pings += notify_socket.recv(4096).decode().count("WATCHDOG=1")
        forward_many(sandbox, url, signer, 2, prefix="notified")
        assert shop.state.wait_for(2, timeout=30)
        process.send_signal(signal.SIGTERM)
        stopping = ""
        while "STOPPING=1" not in stopping:
            stopping = notify_socket.recv(4096).decode()
        assert process.wait(timeout=20) == 0
        stderr = process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
    lines = [json.loads(line) for line in stderr.splitlines()]  # JSON: stderr is not a terminal
    assert {"ts", "level", "logger", "message"} <= set(lines[0])
    messages_logged = [entry["message"] for entry in lines]
    assert any(m.startswith("igsync listening on http://127.0.0.1:") for m in messages_logged)
    assert any("customer @notified0 stored" in m for m in messages_logged)
    for secret in (
        env["IGSYNC_INSTAGRAM_APP_SECRET"],
        env["IGSYNC_SHARED_SECRET"],
        env["IGSYNC_ENCRYPTION_KEYS"],
    ):
        assert secret not in stderr


def test_metrics_count_the_pipeline_in_prometheus_format(
    settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    daemon = Daemon.build(settings)
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            sandbox.state.faults.update({"fail_next": 1, "fail_status": 503})
            forward_many(sandbox, intake.url, signer, 3, prefix="metered")
            assert shop.state.wait_for(3, timeout=30)

            def scrape() -> dict[str, float]:
                text = requests.get(f"{intake.url}/metrics", timeout=5).text
                return {
                    m.group(1): float(m.group(2))
                    for m in re.finditer(r"^(igsync_\S+) (\S+)$", text, re.M)
                }

            eventually(
                lambda: scrape().get("igsync_deliveries_delivered_total") == 3.0, what="3 delivered"
            )
            answer = requests.get(f"{intake.url}/metrics", timeout=5)
            values = scrape()
    finally:
        daemon.stop()
    assert answer.headers["Content-Type"].startswith(
        "text/plain; version="
    )  # Prometheus text format
    assert values["igsync_codes_received_total"] == 3.0
    assert values["igsync_codes_exchanged_total"] == 3.0
    assert values["igsync_exchange_seconds_count"] == 4.0  # every call timed, the failed one too
    assert (
        values['igsync_upstream_errors_total{kind="upstream_unavailable",upstream="instagram"}']
        == 1.0
    )
    assert values['igsync_deliveries{status="pending"}'] == 0.0
    assert values["igsync_tokens_expiring_7d"] == 0.0
    assert values["igsync_codes_in_flight"] == 0.0


def verdicts(stdout: str) -> dict[str, str]:
    """{check name: verdict} from doctor's "VERD name-padded-to-16 detail" lines."""
    return {
        line[5:21].strip(): line[:4].strip()
        for line in stdout.splitlines()
        if line[:4].strip() in ("ok", "warn", "FAIL")
    }


def test_doctor_gives_a_verdict_per_check(settings: Settings, tmp_path: Path) -> None:
    env = {**daemon_env(settings), "COLUMNS": "200"}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["doctor"], env=env)
    lines = verdicts(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert lines == {
        "settings": "ok",
        "database": "ok",
        "encryption keys": "ok",
        "permissions": "ok",
        "leads": "ok",
        "wordpress": "ok",
        "instagram oauth": "ok",
        "instagram graph": "ok",
        "graph version": "ok",
        "intake": "warn",
    }

    wrong = {**env, "IGSYNC_SHARED_SECRET": "whsec_" + "QkJC" * 10}
    result = runner.invoke(app, ["doctor"], env=wrong)
    assert result.exit_code == 1
    assert re.search(
        r"^FAIL wordpress .*the shared secret differs from the plugin's", result.stdout, re.M
    )
    unreachable = {**env, "IGSYNC_INSTAGRAM_GRAPH_URL": "http://127.0.0.1:9"}
    result = runner.invoke(app, ["doctor"], env=unreachable)
    assert result.exit_code == 1 and re.search(
        r"^FAIL instagram graph .*unreachable", result.stdout, re.M
    )
    sandbox_mode = {**env, "IGSYNC_SANDBOX": "on"}  # the Instagram URLs set above still win
    result = runner.invoke(app, ["doctor"], env=sandbox_mode)
    assert verdicts(result.stdout)["sandbox"] == "warn" and "not Instagram" in result.stdout
    missing = {k: v for k, v in env.items() if k != "IGSYNC_WP_URL"}
    result = runner.invoke(app, ["doctor"], env={**missing, "HOME": str(tmp_path)})
    assert result.exit_code == 1 and verdicts(result.stdout) == {"settings": "FAIL"}
    assert os.environ.get("IGSYNC_WP_URL") is None


def test_served_connections_send_without_waiting_for_delayed_acks() -> None:
    """A response is written in two parts; with Nagle on, the second waits for the client's
    delayed ACK (40 ms per request on a kept-alive connection). Accepted sockets inherit
    TCP_NODELAY from the listening socket."""

    with ServerThread(FastAPI()) as server:
        assert server._socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_doctor_tells_apart_each_refusal_instagram_gives_on_the_code_exchange(
    settings: Settings,
) -> None:
    """doctor said "reachable (HTTP 400)" with a wrong app secret, and every code failed for
    good afterwards: it probes the exchange with a code that cannot exist and reads which part
    Instagram objected to: the app id, the secret, the redirect URI, or none (the code)."""
    env = {**daemon_env(settings), "COLUMNS": "200"}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    wrong_secret = secrets.token_hex(16)
    SECRETS.add(wrong_secret)  # never in any log either
    cases = {
        "IGSYNC_INSTAGRAM_APP_SECRET": (wrong_secret, "refused the app secret"),
        "IGSYNC_INSTAGRAM_APP_ID": ("1790000000000099", "does not know this app id"),
        "IGSYNC_REDIRECT_URI": ("https://shop.example/elsewhere", "refused the redirect URI"),
    }
    for setting, (value, words) in cases.items():
        result = runner.invoke(app, ["doctor"], env={**env, setting: value})
        assert result.exit_code == 1, setting
        assert re.search(rf"^FAIL instagram oauth .*{setting}: .*{words}", result.stdout, re.M)
        assert wrong_secret not in result.stdout + result.stderr
    result = runner.invoke(app, ["doctor"], env=env)
    assert re.search(
        r"^ok\s+instagram oauth .*accepts the app id, the app secret and the redirect URI",
        result.stdout,
        re.M,
    )
