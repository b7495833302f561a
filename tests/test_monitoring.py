"""monitoring/: the Prometheus alert rules load and each fires on the series that should raise
it (promtool, Debian's `prometheus` package), and the rules and the Grafana dashboard use only
metrics a running daemon exposes, with label values it really gives them."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from daemon.instagram import errors
from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import Settings
from tests.conftest import FakeClock, Sandbox, Shop, eventually
from tests.test_daemon import forward_many
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.signing import Signer

MONITORING = Path(__file__).resolve().parent.parent / "monitoring"
RULES = MONITORING / "igsync-alerts.yml"
DASHBOARD = MONITORING / "igsync-dashboard.json"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *args],
        cwd=MONITORING,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.system  # promtool, from Debian's prometheus
def test_the_alert_rules_load_and_each_fires_on_its_sample_series() -> None:
    checked = promtool("check", "rules", RULES.name)
    assert checked.returncode == 0 and "SUCCESS: 8 rules found" in checked.stdout, checked
    tested = promtool("test", "rules", "igsync-alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = set(re.findall(r"alert: (\w+)", RULES.read_text()))
    tested_alerts = set(
        re.findall(r"alertname: (\w+)", (MONITORING / "igsync-alerts.test.yml").read_text())
    )
    assert alerts == tested_alerts  # every rule has a test


@pytest.fixture
def settings(shop_settings: Settings) -> Settings:
    return replace(shop_settings, sweep_interval_seconds=3600)


def test_the_rules_and_the_dashboard_use_only_what_the_daemon_exposes(
    settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    """Every igsync_* name in the rules and the dashboard is a sample the daemon exposes, and
    every label value they match on is one the daemon gives: a renamed metric or kind would
    leave an alert that can never fire."""
    clock = FakeClock()
    daemon = Daemon.build(settings, clock=clock)
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            forward_many(sandbox, intake.url, signer, 2, prefix="watched")
            assert shop.state.wait_for(2, timeout=30)
            with requests.Session() as http:  # a code Instagram never issued: it fails
                forged = forward_body("AQB-never-issued", sandbox.redirect_uri)
                assert forward_code(http, intake.url, signer, forged).status_code == 202
            # A profile sync or a refresh that meets Instagram's rate limit: the client they
            # share with the pipeline counts it (the rate-limit alert's series).
            sandbox.state.faults.update({"rate_limit_next": 1})
            with pytest.raises(errors.InstagramError):
                daemon.instagram.profile(next(iter(sandbox.state._tokens)))
            shop.state.fail_next = 1_000  # WordPress down: the next lead waits
            forward_many(sandbox, intake.url, signer, 1, prefix="waiting")

            def scrape() -> str:
                return requests.get(f"{intake.url}/metrics", timeout=5).text

            eventually(
                lambda: (
                    'igsync_deliveries{status="pending"} 1.0' in scrape()
                    and "igsync_codes_failed_total{" in scrape()
                ),
                what="a lead waiting and a code failed",
            )
            clock.advance(minutes=16)
            exposed = scrape()
    finally:
        daemon.stop()
    samples = set(re.findall(r"^(igsync_\w+)", exposed, re.M))
    used = {
        name
        for text in (RULES.read_text(), DASHBOARD.read_text())
        for name in re.findall(r"igsync_\w+", text)
    }
    assert used and used <= samples, used - samples
    waited = re.search(r"^igsync_deliveries_oldest_pending_seconds (\S+)$", exposed, re.M)
    assert waited and float(waited.group(1)) >= 16 * 60  # the lead alert's 900 s would fire

    kinds = {
        cls.kind
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.InstagramError)
    }
    assert 'kind="rate_limited"' in RULES.read_text() and "rate_limited" in kinds
    limited = 'igsync_upstream_errors_total{kind="rate_limited",upstream="instagram"} 1.0'
    assert limited in exposed
    statuses = set(re.findall(r'igsync_deliveries\{status="(\w+)"\}', exposed))
    assert set(re.findall(r'igsync_deliveries\{[^}]*status="(\w+)"', RULES.read_text())) <= statuses


def test_the_dashboard_is_grafana_json_on_a_chosen_prometheus() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"] == "igsync" and dashboard["panels"]
    [variable] = dashboard["templating"]["list"]
    assert variable["type"] == "datasource" and variable["query"] == "prometheus"
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
        assert all(target["expr"] for target in panel["targets"])
