"""Insights, where IGSYNC_SCOPES asks for them: read on the profile sync's schedule, each
metric stored as a number, "suppressed" when Instagram withholds it (accounts under 100
followers) or "unavailable" when the pinned version no longer serves it; never a 0 in their
place. The sandbox answers in Meta's shape and can retire a metric from a version on."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests
from sqlmodel import select

from daemon.cli.render import audience_cell
from daemon.instagram import InstagramClient, RequestRejected
from daemon.instagram.audience import audience_due, read_breakdown, top_group
from daemon.instagram.client import RetiredFields
from daemon.instagram.insights import INSIGHTS_SCOPE, read_insights
from daemon.pipeline.exchange import CodePipeline
from daemon.store.models import Customer, Delivery
from tests.conftest import Sandbox, store_code
from tests.test_profile_sync import DAY, World, world  # noqa: F401 (fixture)

BASIC = "instagram_business_basic"


def token_for(sandbox: Sandbox, username: str, scopes: tuple[str, ...]) -> str:
    code = sandbox.new_code(username, scopes=scopes)
    short = sandbox.client().exchange_code(code, sandbox.redirect_uri)
    return sandbox.client().exchange_long_lived(short.access_token).access_token


def test_withheld_and_retired_metrics_are_not_zero() -> None:
    day = {"data": [{"name": "reach", "period": "day", "values": [{"value": 0}]}]}
    assert read_insights(day, ("reach", "follower_count"), frozenset(), 500) == {
        "reach": 0,  # a real zero: a big account that reached nobody today
        "follower_count": "suppressed",  # left out of the answer
    }
    assert read_insights(day, ("reach",), frozenset({"follower_count"}), 40) == {
        "reach": "suppressed",  # 0 for an account under 100 followers is withheld
        "follower_count": "unavailable",
    }
    empty = {"data": [{"name": "follower_count", "period": "day", "values": []}]}
    assert read_insights(empty, ("follower_count",), frozenset({"reach"}), 900) == {
        "reach": "unavailable",
        "follower_count": "suppressed",
    }


def test_the_sandbox_serves_insights_as_meta_does(sandbox: Sandbox) -> None:
    client = sandbox.client()
    big = token_for(sandbox, "big.creator", (BASIC, INSIGHTS_SCOPE))
    followers = client.profile(big).followers_count
    read = client.insights(big, followers)
    assert isinstance(read["reach"], int) and isinstance(read["follower_count"], int)
    small = token_for(sandbox, "small.creator", (BASIC, INSIGHTS_SCOPE))
    few = client.profile(small).followers_count
    assert few is not None and few < 100
    seen = client.insights(small, few)
    assert seen["follower_count"] == "suppressed" and isinstance(seen["reach"], int)
    without = token_for(sandbox, "no.insights", (BASIC,))
    with pytest.raises(RequestRejected, match="does not have permission"):
        client.insights(without, 500)


def test_a_metric_meta_retires_is_dropped_once_and_stored_as_unavailable(
    sandbox: Sandbox,
) -> None:
    token = token_for(sandbox, "retiring.metric", (BASIC, INSIGHTS_SCOPE))
    sandbox.state.retire_field("reach", "v25.0")
    told: list[tuple[str, str]] = []
    client = InstagramClient(
        sandbox.endpoints(), retired=RetiredFields(lambda v, f: told.append((v, f)))
    )
    first, second = client.insights(token, 500), client.insights(token, 500)
    assert first["reach"] == second["reach"] == "unavailable"
    assert isinstance(first["follower_count"], int)
    assert told == [("v25.0", "reach")]
    older = InstagramClient(sandbox.endpoints(graph_api_version="v24.0"))
    assert isinstance(older.insights(token, 500)["reach"], int)


def test_the_profile_sync_stores_insights_only_where_they_were_granted(
    world: World,  # noqa: F811
) -> None:
    sandbox = world.sandbox
    for username, scopes in (
        ("granted.creator", (BASIC, INSIGHTS_SCOPE)),
        ("plain.creator", (BASIC,)),
    ):
        code = sandbox.new_code(username, scopes=scopes)
        code_id = store_code(
            world.store, world.cipher, code, sandbox.redirect_uri, now=world.clock()
        )
        pipeline = CodePipeline(
            world.store, world.cipher, sandbox.client(), owner="p", clock=world.clock
        )
        assert pipeline.process(code_id) == "completed"
    syncer = world.syncer()
    syncer.insights = True  # IGSYNC_SCOPES asks for insights
    world.advance(2 * DAY)
    assert sorted(world.run_due(syncer)) == ["updated", "updated"]  # neither sync failed
    with world.store.read() as session:
        customers = {c.username: c for c in session.execute(select(Customer)).scalars()}
        updates = [
            d.payload
            for d in session.execute(select(Delivery)).scalars()
            if d.payload.get("event") == "updated"
        ]
    granted = json.loads(customers["granted.creator"].insights or "null")
    assert set(granted) == {"reach", "follower_count", "audience"}
    assert isinstance(granted["reach"], int)
    audience = granted["audience"]
    assert audience["read_on"] == world.clock().date().isoformat()
    assert {"country", "age", "gender"} <= set(audience) and audience["country"]
    assert all(isinstance(n, int) for n in audience["country"].values())
    assert customers["plain.creator"].insights is None  # not granted: not asked, not stored
    pushed = [u for u in updates if u["username"] == "granted.creator"]
    assert pushed and pushed[-1]["insights"] == granted

    # Demographics move slowly: the next days' syncs keep the week's audience, a week on it
    # is read again (three calls, one per breakdown).
    reads = sandbox.state.insight_reads["follower_demographics"]
    assert reads == 3
    for _ in range(3):
        world.advance(2 * DAY)
        world.run_due(syncer)
    assert sandbox.state.insight_reads["follower_demographics"] == 3
    kept = json.loads(world.customer(customers["granted.creator"].id).insights or "null")
    assert kept["audience"] == audience and kept["reach"] != "suppressed"
    world.advance(2 * DAY)
    world.run_due(syncer)
    assert sandbox.state.insight_reads["follower_demographics"] == 6
    again = json.loads(world.customer(customers["granted.creator"].id).insights or "null")
    assert again["audience"]["read_on"] == world.clock().date().isoformat()


def test_an_audience_is_read_in_meta_shape_and_withheld_is_not_empty() -> None:
    answer = {
        "data": [
            {
                "name": "follower_demographics",
                "period": "lifetime",
                "total_value": {
                    "breakdowns": [
                        {
                            "dimension_keys": ["country"],
                            "results": [
                                {"dimension_values": ["US"], "value": 310},
                                {"dimension_values": ["DE"], "value": 95},
                                {"dimension_values": ["<b>"], "value": 7},  # not a group name
                            ],
                        }
                    ]
                },
            }
        ]
    }
    assert read_breakdown(answer, "country") == {"US": 310, "DE": 95}
    assert top_group({"US": 310, "DE": 95}) == "US" and top_group("suppressed") is None
    assert read_breakdown(answer, "age") == "suppressed"  # not the breakdown asked for
    assert read_breakdown({"data": []}, "country") == "suppressed"  # Meta's empty data set
    shown = audience_cell(
        {
            "country": {"US": 310, "DE": 95},
            "age": "suppressed",
            "gender": "unavailable",
            "read_on": "2026-12-03",
        }
    )  # `igsync customers show`
    assert shown == "country US 77%, age suppressed, gender unavailable (read 2026-12-03)"
    today = date(2026, 12, 3)
    assert audience_due(None, today) and audience_due({"read_on": "2026-11-26"}, today)
    assert not audience_due({"read_on": "2026-11-27"}, today)


def test_the_sandbox_serves_demographics_as_meta_does(sandbox: Sandbox) -> None:
    client = sandbox.client()
    big = token_for(sandbox, "big.creator", (BASIC, INSIGHTS_SCOPE))
    followers = client.profile(big).followers_count
    assert followers is not None and followers >= 100
    audience = client.audience(big, followers)
    assert set(audience) == {"country", "age", "gender"}
    countries = audience["country"]
    assert isinstance(countries, dict) and 0 < sum(countries.values()) < followers
    assert set(audience["gender"]) <= {"F", "M", "U"}
    small = token_for(sandbox, "small.creator", (BASIC, INSIGHTS_SCOPE))
    few = client.profile(small).followers_count
    calls = sandbox.state.graph_calls
    assert client.audience(small, few) == dict.fromkeys(("country", "age", "gender"), "suppressed")
    assert sandbox.state.graph_calls == calls  # nothing spent on what Instagram withholds
    graph = sandbox.endpoints().graph("me/insights")
    withheld = requests.get(graph, params=demographics("country", small), timeout=5)
    assert withheld.status_code == 200 and withheld.json() == {"data": []}
    daily = requests.get(graph, params={**demographics("age", big), "period": "day"}, timeout=5)
    assert daily.status_code == 400 and "period=lifetime" in daily.json()["error"]["message"]
    sandbox.state.retire_field("follower_demographics", "v25.0")
    assert client.audience(big, followers) == dict.fromkeys(
        ("country", "age", "gender"), "unavailable"
    )


def demographics(breakdown: str, token: str) -> dict[str, str]:
    return {
        "metric": "follower_demographics",
        "period": "lifetime",
        "metric_type": "total_value",
        "breakdown": breakdown,
        "access_token": token,
    }
