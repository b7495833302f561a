"""The client against the sandbox on loopback: both flavours, every documented error path."""

from __future__ import annotations

import socket
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from daemon.customers.engagement import engagement_rate
from daemon.instagram import (
    ClientRejected,
    CodeRejected,
    InstagramClient,
    InstagramEndpoints,
    RateLimited,
    RequestRejected,
    TokenInvalid,
    UpstreamUnavailable,
)
from daemon.redact import Secret
from tests.conftest import APP_ID, Sandbox
from tests.json_stub import json_stub


def test_authorize_url_carries_the_documented_parameters(sandbox: Sandbox) -> None:
    url = sandbox.client().authorize_url(sandbox.redirect_uri, "st4te")
    parts = urlsplit(url)
    assert url.startswith(sandbox.url + "/oauth/authorize?")
    assert parse_qs(parts.query) == {
        "client_id": [APP_ID],
        "redirect_uri": [sandbox.redirect_uri],
        "response_type": ["code"],
        "scope": ["instagram_business_basic"],
        "state": ["st4te"],
    }


def test_default_authorize_hosts_follow_meta() -> None:
    login = InstagramClient(InstagramEndpoints(APP_ID, Secret("s")))
    legacy = InstagramClient(InstagramEndpoints(APP_ID, Secret("s"), flavour="basic_display"))
    assert login.authorize_url("https://x.example/cb", "s").startswith(
        "https://www.instagram.com/oauth/authorize?"
    )
    assert "scope=user_profile%2Cuser_media" in legacy.authorize_url("https://x.example/cb", "s")
    assert legacy.authorize_url("https://x.example/cb", "s").startswith(
        "https://api.instagram.com/oauth/authorize?"
    )


def test_instagram_login_flow(sandbox: Sandbox) -> None:
    client = sandbox.client()
    short = client.exchange_code(sandbox.new_code("lena.bakes"), sandbox.redirect_uri)
    assert short.user_id.startswith("178414") and short.permissions == ("instagram_business_basic",)
    long_lived = client.exchange_long_lived(short.access_token)
    assert long_lived.expires_in == 5_184_000 and long_lived.token_type == "bearer"
    profile = client.profile(long_lived.access_token)
    assert (profile.user_id, profile.username, profile.name, profile.account_type) == (
        short.user_id,
        "lena.bakes",
        "Lena Bakes",
        "BUSINESS",
    )


def test_basic_display_flow(basic_sandbox: Sandbox) -> None:
    client = basic_sandbox.client()
    short = client.exchange_code(
        basic_sandbox.new_code("old_app_user", "PERSONAL"), basic_sandbox.redirect_uri
    )
    long_lived = client.exchange_long_lived(short.access_token)
    profile = client.profile(long_lived.access_token)
    assert profile.user_id == short.user_id
    assert (profile.username, profile.account_type, profile.name) == (
        "old_app_user",
        "PERSONAL",
        None,
    )


def test_a_code_works_once(sandbox: Sandbox) -> None:
    client, code = sandbox.client(), sandbox.new_code()
    client.exchange_code(code, sandbox.redirect_uri)
    with pytest.raises(
        CodeRejected, match="Matching code was not found or was already used"
    ) as caught:
        client.exchange_code(code, sandbox.redirect_uri)
    assert not caught.value.retryable
    assert sandbox.state.exchanges_of(code) == 1


def test_a_code_older_than_an_hour_is_refused(sandbox: Sandbox) -> None:
    code = sandbox.new_code()
    sandbox.state.advance(3601)
    with pytest.raises(CodeRejected, match="expired"):
        sandbox.client().exchange_code(code, sandbox.redirect_uri)


def test_an_unknown_code_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(CodeRejected):
        sandbox.client().exchange_code("AQnot-a-real-code", sandbox.redirect_uri)


def test_redirect_uri_must_match_to_the_character(sandbox: Sandbox) -> None:
    """One not registered with the app is refused as such; one registered but not the one the
    code was issued for is refused as a mismatch; neither spends the code."""
    code = sandbox.new_code()
    with pytest.raises(ClientRejected, match="Invalid redirect_uri"):
        sandbox.client().exchange_code(code, sandbox.redirect_uri + "/")
    other = sandbox.redirect_uri + "/other"
    config = sandbox.state.config
    sandbox.state.config = replace(config, redirect_uris=config.redirect_uris | {other})
    with pytest.raises(ClientRejected, match="redirect_uri is identical"):
        sandbox.client().exchange_code(code, other)
    assert sandbox.state.exchanges_of(code) == 0
    assert sandbox.client().exchange_code(code, sandbox.redirect_uri).access_token


def test_a_wrong_client_secret_is_refused(sandbox: Sandbox) -> None:
    client = sandbox.client(app_secret=Secret("wrong-secret"))
    with pytest.raises(ClientRejected, match="client secret") as caught:
        client.exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    assert "wrong-secret" not in str(caught.value)


def test_long_lived_exchange_needs_the_app_secret_and_a_short_token(sandbox: Sandbox) -> None:
    short = sandbox.client().exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    with pytest.raises(ClientRejected):
        sandbox.client(app_secret=Secret("nope")).exchange_long_lived(short.access_token)
    long_lived = sandbox.client().exchange_long_lived(short.access_token)
    with pytest.raises(RequestRejected, match="only short-lived"):
        sandbox.client().exchange_long_lived(long_lived.access_token)


def test_refresh_only_after_24_hours_and_before_expiry(sandbox: Sandbox) -> None:
    client = sandbox.client()
    token = client.exchange_long_lived(
        client.exchange_code(sandbox.new_code(), sandbox.redirect_uri).access_token
    )
    with pytest.raises(RequestRejected, match="24 hours") as caught:
        client.refresh(token.access_token)
    assert not caught.value.retryable
    sandbox.state.advance(24 * 3600)
    fresh = client.refresh(token.access_token)
    assert fresh.expires_in == 5_184_000 and fresh.access_token != token.access_token
    sandbox.state.advance(61 * 24 * 3600)
    with pytest.raises(TokenInvalid, match="expired"):
        client.refresh(fresh.access_token)


def test_short_lived_tokens_expire_after_an_hour(sandbox: Sandbox) -> None:
    client = sandbox.client()
    short = client.exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    sandbox.state.advance(3600)
    with pytest.raises(TokenInvalid):
        client.exchange_long_lived(short.access_token)


def test_an_invalid_token_is_code_190(sandbox: Sandbox) -> None:
    with pytest.raises(TokenInvalid) as caught:
        sandbox.client().profile("IGAAnot-a-token")
    assert caught.value.code == 190
    assert "IGAAnot-a-token" not in str(caught.value)


def test_server_errors_are_retryable(sandbox: Sandbox) -> None:
    sandbox.state.faults.update({"fail_next": 1, "fail_status": 503})
    code = sandbox.new_code()
    with pytest.raises(UpstreamUnavailable) as caught:
        sandbox.client().exchange_code(code, sandbox.redirect_uri)
    assert caught.value.retryable and caught.value.http_status == 503
    # the failed attempt did not consume the code
    assert sandbox.client().exchange_code(code, sandbox.redirect_uri).user_id


def test_rate_limits_are_retryable_and_say_when(sandbox: Sandbox) -> None:
    client = sandbox.client()
    token = client.exchange_code(sandbox.new_code(), sandbox.redirect_uri).access_token
    sandbox.state.faults.update({"rate_limit_next": 2})
    with pytest.raises(RateLimited) as on_graph:
        client.profile(token)
    with pytest.raises(RateLimited) as on_oauth:
        client.exchange_code(sandbox.new_code(), sandbox.redirect_uri)
    assert on_graph.value.code == 4 and on_graph.value.retry_after == 60.0
    assert on_oauth.value.http_status == 429


def test_the_per_user_hourly_budget_is_enforced(sandbox: Sandbox) -> None:
    sandbox.state.config = replace(sandbox.state.config, calls_per_user_per_hour=2)
    client = sandbox.client()
    short = client.exchange_code(sandbox.new_code(), sandbox.redirect_uri).access_token
    token = client.exchange_long_lived(short).access_token
    client.profile(token)
    client.profile(token)
    with pytest.raises(RateLimited) as caught:
        client.profile(token)
    # The account's budget (Business Use Case code 80002), back when the first call of the
    # hour leaves the window: the wait Instagram estimates in X-Business-Use-Case-Usage.
    assert caught.value.code == 80002
    assert caught.value.retry_after == 3600
    sandbox.state.advance(3600)
    assert client.profile(token).username == "sandbox_shopper"


def test_a_hanging_server_times_out_without_quoting_secrets(sandbox: Sandbox) -> None:
    code = sandbox.new_code()
    sandbox.state.faults.update({"hang_next": 1, "hang_seconds": 3})
    with pytest.raises(UpstreamUnavailable, match=r"no answer within 0\.5s") as caught:
        sandbox.client(timeout=0.5).exchange_code(code, sandbox.redirect_uri)
    assert code not in str(caught.value) and sandbox.app_secret not in str(caught.value)
    assert caught.value.__suppress_context__


def test_an_unreachable_server_is_retryable_and_quotes_no_url() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    client = InstagramClient(InstagramEndpoints(APP_ID, Secret("s"), oauth_url=url, graph_url=url))
    with pytest.raises(UpstreamUnavailable, match="connection failed") as caught:
        client.profile("IGAAsecret-token-value")
    assert "IGAAsecret-token-value" not in str(caught.value) and "access_token" not in str(
        caught.value
    )


BOGUS_MEDIA = {  # counts no post has: too large, negative, a string, a boolean
    "data": [
        {"like_count": 10**20, "comments_count": 3},
        {"like_count": -100, "comments_count": "5"},
        {"like_count": True, "comments_count": 2**40},
        {"like_count": 40, "comments_count": 2},
    ]
}


def test_media_counts_are_checked_as_the_profiles_are() -> None:
    """An engagement rate is only as sound as its counts: impossible ones are unknown."""
    with json_stub(BOGUS_MEDIA) as graph:
        endpoints = InstagramEndpoints(
            APP_ID, Secret("s"), graph_url=graph.url, oauth_url=graph.url
        )
        client = InstagramClient(endpoints)
        try:
            posts = client.recent_media("IGQ-a-token")
        finally:
            client.close()
    assert [(p.like_count, p.comments_count) for p in posts] == [
        (None, 3),
        (None, None),
        (None, None),
        (40, 2),
    ]
    assert engagement_rate(posts, 1000) == round(100 * (3 + 42) / 2 / 1000, 2)
