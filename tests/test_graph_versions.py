"""The Graph API version igsync pins: named in every Graph call, judged against Meta's table of
end dates (doctor, metric, alert), refused by the sandbox once expired; and a profile field
Meta retires from a version on, which must not turn the sync red."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from prometheus_client import generate_latest

from daemon.customers.profiles import apply_profile
from daemon.graph_versions import (
    DEFAULT_VERSION,
    GRAPH_VERSIONS,
    WARN_DAYS,
    judge_version,
    parse_version,
)
from daemon.instagram import InstagramClient, RequestRejected
from daemon.instagram.client import RetiredFields
from daemon.instagram.types import Profile
from daemon.metrics import Metrics
from daemon.settings import SettingsError, load_settings
from daemon.store.models import Customer
from tests.conftest import Sandbox
from tests.test_settings import valid_env


def test_every_graph_call_names_the_pinned_version(sandbox: Sandbox) -> None:
    seen: list[str] = []
    client = sandbox.client(graph_api_version="v24.0")
    client._session.hooks["response"].append(lambda r, *a, **k: seen.append(r.request.path_url))
    short = client.exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    long = client.exchange_long_lived(short.access_token)
    client.profile(long.access_token)
    client.recent_media(long.access_token)
    paths = [path.split("?")[0] for path in seen]
    assert paths == ["/v24.0/access_token", "/v24.0/me", "/v24.0/me/media"]
    sandbox.state.advance(25 * 3600)  # a token can be refreshed once a day old
    client.refresh(long.access_token)
    assert seen[-1].split("?")[0] == "/v24.0/refresh_access_token"


def test_the_sandbox_refuses_a_version_meta_no_longer_serves(sandbox: Sandbox) -> None:
    """On the sandbox's clock, whatever today is: v22.0 served the day before its end (20 May
    2027), refused the day after; a version Meta never lists refused always."""
    on_sandbox = datetime.fromtimestamp(sandbox.state.now(), UTC).date()
    sandbox.state.advance((date(2027, 5, 19) - on_sandbox).days * 86400)
    short = sandbox.client().exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    long = sandbox.client().exchange_long_lived(short.access_token)
    assert sandbox.client(graph_api_version="v22.0").profile(long.access_token).username
    for version, words in (("v16.0", "deprecated version"), ("v3.0", "Unknown path")):
        with pytest.raises(RequestRejected, match=words):
            sandbox.client(graph_api_version=version).profile(long.access_token)
    sandbox.state.advance(2 * 86400)
    with pytest.raises(RequestRejected, match="deprecated version"):
        sandbox.client(graph_api_version="v22.0").profile(long.access_token)


def test_the_setting_takes_a_version_and_nothing_else() -> None:
    settings_env = valid_env(IGSYNC_ENV_FILE="/dev/null")
    assert load_settings(settings_env).graph_api_version == DEFAULT_VERSION
    assert load_settings(
        {**settings_env, "IGSYNC_GRAPH_API_VERSION": "24.0"}
    ).graph_api_version == ("v24.0")
    for bad in ("latest", "v25", "v25.0.1", "25"):
        with pytest.raises(SettingsError, match="IGSYNC_GRAPH_API_VERSION"):
            load_settings({**settings_env, "IGSYNC_GRAPH_API_VERSION": bad})
    assert parse_version(" v26.0 ") == "v26.0"


def test_the_verdict_on_a_version_follows_metas_end_dates() -> None:
    end = GRAPH_VERSIONS["v22.0"].available_until
    assert end == date(2027, 5, 20)  # Meta's changelog
    assert judge_version("v22.0", end - timedelta(days=WARN_DAYS + 1)).verdict == "ok"
    soon = judge_version("v22.0", end - timedelta(days=30))
    assert (soon.verdict, soon.days_left) == ("warn", 30)
    assert "30 days" in soon.detail and "20 May 2027" in soon.detail
    gone = judge_version("v22.0", end)
    assert gone.verdict == "fail" and "stopped being served" in gone.detail
    assert judge_version("v9.0", date(2026, 12, 1)).verdict == "fail"  # not in the table: long gone
    newer = judge_version("v99.0", date(2026, 12, 1))  # released after this igsync: no end known
    assert (newer.verdict, newer.days_left) == ("ok", None)


def test_the_metric_counts_the_days_left_of_the_pinned_version() -> None:
    metrics = Metrics()
    metrics.watch_graph_version("v22.0", lambda: _utc(2027, 2, 19))
    text = generate_latest(metrics.registry).decode()
    assert 'igsync_graph_api_days_left{version="v22.0"} 90.0' in text
    unknown = Metrics()
    unknown.watch_graph_version("v26.0", lambda: _utc(2027, 2, 19))  # no end date announced
    assert "igsync_graph_api_days_left{" not in generate_latest(unknown.registry).decode()


def test_a_field_meta_retires_is_dropped_once_stored_as_unavailable_and_the_rest_kept(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    short = sandbox.client().exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    token = sandbox.client().exchange_long_lived(short.access_token).access_token
    answer = requests.post(
        f"{sandbox.url}/_sandbox/retire",
        json={"field": "biography", "from_version": "v25.0"},
        timeout=5,
    )
    assert answer.status_code == 200
    told: list[tuple[str, str]] = []
    retired = RetiredFields(lambda version, field: told.append((version, field)))
    client = InstagramClient(sandbox.endpoints(graph_api_version="v25.0"), retired=retired)
    calls_before = sandbox.state.graph_calls
    with caplog.at_level(logging.WARNING):
        first = client.profile(token)
        second = client.profile(token)
    assert first.biography is None and first.unavailable == frozenset({"biography"})
    assert first.followers_count is not None and first.website  # everything else still read
    assert second.unavailable == frozenset({"biography"})
    assert told == [("v25.0", "biography")]  # found, logged and counted once
    assert sum("no longer serves biography" in r.message for r in caplog.records) == 1
    assert sandbox.state.graph_calls - calls_before == 3  # refused once, then never asked again
    older = InstagramClient(sandbox.endpoints(graph_api_version="v24.0")).profile(token)
    assert older.biography and older.unavailable == frozenset()


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_a_retired_field_is_stored_on_the_customer_as_unavailable_not_as_zero() -> None:
    now = _utc(2026, 12, 2)
    customer = Customer(
        ig_user_id="1", username="a", api_flavour="instagram_login", created_at=now, updated_at=now
    )
    retired = Profile(
        user_id="1", username="a", followers_count=5, unavailable=frozenset({"biography"})
    )
    assert apply_profile(customer, retired) == ["followers_count", "unavailable_fields"]
    assert (customer.unavailable_fields, customer.biography) == ("biography", None)
    served_again = Profile(user_id="1", username="a", followers_count=5, biography="back")
    assert apply_profile(customer, served_again) == ["biography", "unavailable_fields"]
    assert customer.unavailable_fields is None
