"""Every documented error payload maps to a typed error that says whether to retry."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from daemon.instagram.errors import (
    ClientRejected,
    CodeRejected,
    InstagramError,
    RateLimited,
    RequestRejected,
    TokenInvalid,
    UpstreamUnavailable,
    parse_error,
)
from daemon.pipeline.backoff import CODE_BACKOFF, Backoff
from daemon.pipeline.retry import decide_retry


def oauth(message: str, code: int = 400) -> bytes:
    return json.dumps(
        {"error_type": "OAuthException", "code": code, "error_message": message}
    ).encode()


def graph(code: int, message: str = "msg", subcode: int | None = None) -> bytes:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}
    if subcode:
        error["error_subcode"] = subcode
    return json.dumps({"error": error}).encode()


@pytest.mark.parametrize(
    ("status", "body", "kind", "retryable"),
    [
        (400, oauth("Matching code was not found or was already used"), CodeRejected, False),
        (400, oauth("This authorization code has expired"), CodeRejected, False),
        (400, oauth("Error validating client secret."), ClientRejected, False),
        (400, oauth("Invalid platform app"), ClientRejected, False),
        (
            400,
            oauth(
                "Error validating verification code. Please make sure your redirect_uri is "
                "identical to the one you used in the OAuth dialog request"
            ),
            ClientRejected,
            False,
        ),
        (400, oauth("Missing required parameter: grant_type"), RequestRejected, False),
        (429, oauth("Application request limit reached", code=4), RateLimited, True),
        (500, oauth("An unexpected error has occurred", code=500), UpstreamUnavailable, True),
        (400, graph(190, "Invalid OAuth access token"), TokenInvalid, False),
        (
            400,
            graph(190, "Error validating access token: Session has expired", 463),
            TokenInvalid,
            False,
        ),
        (400, graph(4, "Application request limit reached"), RateLimited, True),
        (400, graph(17, "User request limit reached"), RateLimited, True),
        (400, graph(32, "Page request limit reached"), RateLimited, True),
        (400, graph(613, "Calls to this api have exceeded the rate limit"), RateLimited, True),
        (500, graph(2, "Service temporarily unavailable"), UpstreamUnavailable, True),
        (400, graph(1, "An unknown error occurred"), UpstreamUnavailable, True),
        (400, graph(1, "Error validating client secret."), ClientRejected, False),
        (400, graph(100, "Tried accessing nonexisting field"), RequestRejected, False),
        (502, b"<html>Bad Gateway</html>", UpstreamUnavailable, True),
        (429, b"", RateLimited, True),
        (404, b"not json", RequestRejected, False),
    ],
)
def test_payload_classification(
    status: int, body: bytes, kind: type[InstagramError], retryable: bool
) -> None:
    error = parse_error(status, {}, body)
    assert type(error) is kind
    assert error.retryable is retryable
    assert error.http_status == status


def test_graph_details_are_kept() -> None:
    error = parse_error(400, {}, graph(190, "Session has expired", 463))
    assert (error.code, error.subcode) == (190, 463)
    assert error.describe() == "token_invalid HTTP 400 code 190: Session has expired"


def test_usage_headers_at_100_percent_ask_for_a_minute() -> None:
    headers = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 3, "total_time": 4})}
    assert parse_error(400, headers, graph(4)).retry_after == 60.0
    business = {
        "X-Business-Use-Case-Usage": json.dumps(
            {"1784": [{"type": "instagram", "call_count": 100}]}
        )
    }
    assert parse_error(400, business, graph(80002)).retry_after == 60.0
    assert (
        parse_error(400, {"X-App-Usage": '{"call_count": 40}'}, graph(4)).retry_after == 60
    )  # the minimum


def test_retry_after_header_wins() -> None:
    assert parse_error(429, {"Retry-After": "17"}, b"").retry_after == 17.0
    assert parse_error(429, {"Retry-After": "²"}, b"").retry_after == 60  # unreadable: the minimum


def test_backoff_grows_stays_under_the_cap_and_respects_a_floor() -> None:
    rng = random.Random(7)
    backoff = Backoff(base_seconds=1, cap_seconds=60)
    ceilings = [min(60, 2 ** (n - 1)) for n in range(1, 12)]
    for attempt, ceiling in enumerate(ceilings, start=1):
        delays = [backoff.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range
    assert min(backoff.delay(1, rng=rng, floor=30) for _ in range(50)) >= 30
    assert CODE_BACKOFF.cap_seconds <= 60  # a code lives an hour: never wait long between tries


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, graph(4, "Application request limit reached")),
        (400, graph(17, "User request limit reached")),
        (400, graph(32, "Page request limit reached")),
        (400, graph(613, "Calls to this api have exceeded the rate limit")),
        (400, graph(80002, "There have been too many calls to this Instagram account")),
        (429, b""),
    ],
)
def test_the_first_retry_after_a_rate_limit_waits_the_documented_minimum(
    status: int, body: bytes
) -> None:
    """No Retry-After, no usage header at 100%: still at least a minute, whatever the jitter."""
    error = parse_error(status, {}, body)
    assert isinstance(error, RateLimited) and error.retry_after == 60
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    for seed in range(50):
        decision = decide_retry(
            retryable=True,
            reason=error.describe(),
            attempts=0,
            now=now,
            backoff=CODE_BACKOFF,
            deadline=now + timedelta(hours=1),
            floor_seconds=error.retry_after,
            rng=random.Random(seed),
        )
        assert (decision.next_attempt_at - now).total_seconds() >= 60
    told = parse_error(status, {"Retry-After": "5"}, body)
    assert told.retry_after == 5  # Instagram's own word is honoured


def test_a_rate_limit_retry_never_falls_past_the_codes_hour() -> None:
    error = parse_error(400, {}, graph(4))
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    decision = decide_retry(
        retryable=True,
        reason=error.describe(),
        attempts=3,
        now=now,
        backoff=CODE_BACKOFF,
        deadline=now + timedelta(seconds=30),  # the code dies in 30 s
        floor_seconds=error.retry_after,
    )
    assert decision.give_up and "deadline" in decision.reason
