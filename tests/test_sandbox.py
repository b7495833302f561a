"""The sandbox's authorize page and controls behave as Meta documents, and say they are not it."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from daemon.crypto import generate_key
from daemon.instagram import CodeRejected, TokenInvalid, UpstreamUnavailable
from daemon.instagram.flavours import FLAVOURS
from daemon.runtime.sandbox_mode import start_sandbox
from daemon.runtime.serving import ServerThread
from daemon.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from daemon.settings import Listen
from tests.conftest import APP_ID, SECRETS, Sandbox, make_settings
from wp_bridge.signing import generate_secret


def authorize_query(sandbox: Sandbox, **overrides: str) -> dict[str, str]:
    query = {
        "client_id": APP_ID,
        "redirect_uri": sandbox.redirect_uri,
        "response_type": "code",
        "scope": "instagram_business_basic",
        "state": "xyz",
    }
    query.update(overrides)
    return query


def test_the_consent_page_says_it_is_a_sandbox(sandbox: Sandbox) -> None:
    page = requests.get(
        f"{sandbox.url}/oauth/authorize?{urlencode(authorize_query(sandbox))}", timeout=5
    )
    assert page.status_code == 200
    assert "This is not Instagram" in page.text
    assert (
        "id=allow" in page.text
        and "id=deny" in page.text
        and "instagram_business_basic" in page.text
    )


def test_allow_redirects_with_code_state_and_the_fragment(sandbox: Sandbox) -> None:
    answer = requests.post(
        f"{sandbox.url}/oauth/authorize",
        timeout=5,
        allow_redirects=False,
        data={**authorize_query(sandbox), "username": "Lena.Bakes", "decision": "allow"},
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(sandbox.redirect_uri + "?") and location.endswith("#_")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"] and query["code"][0].startswith("AQ")


def test_cancel_redirects_with_the_documented_error_fields(sandbox: Sandbox) -> None:
    answer = requests.post(
        f"{sandbox.url}/oauth/authorize",
        timeout=5,
        allow_redirects=False,
        data={**authorize_query(sandbox), "username": "x", "decision": "deny"},
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query == {
        "error": ["access_denied"],
        "error_reason": ["user_denied"],
        "error_description": ["The user denied your request."],
        "state": ["xyz"],
    }


def test_invalid_authorize_requests_get_an_error_page_not_a_redirect(sandbox: Sandbox) -> None:
    cases = {
        "Invalid platform app": authorize_query(sandbox, client_id="999"),
        "Invalid redirect_uri": authorize_query(
            sandbox, redirect_uri=sandbox.redirect_uri + "?x=1"
        ),
        "Invalid Scopes: business_basic": authorize_query(sandbox, scope="business_basic"),
        "Invalid response_type": authorize_query(sandbox, response_type="token"),
    }
    for message, query in cases.items():
        page = requests.get(f"{sandbox.url}/oauth/authorize?{urlencode(query)}", timeout=5)
        assert page.status_code == 400 and message in page.text, message


def test_instagram_login_refuses_personal_accounts(sandbox: Sandbox) -> None:
    answer = requests.post(
        f"{sandbox.url}/oauth/authorize",
        timeout=5,
        allow_redirects=False,
        data={
            **authorize_query(sandbox),
            "username": "me",
            "account_type": "PERSONAL",
            "decision": "allow",
        },
    )
    assert answer.status_code == 400 and "personal account" in answer.text


def test_codes_are_stable_per_user_and_never_repeat(sandbox: Sandbox) -> None:
    codes = {sandbox.new_code("same.person") for _ in range(5)}
    assert len(codes) == 5
    client = sandbox.client()
    users = {client.exchange_code(code, sandbox.redirect_uri).user_id for code in codes}
    assert len(users) == 1


def test_controls_inject_faults_and_report_counts(sandbox: Sandbox) -> None:
    answer = requests.post(
        f"{sandbox.url}/_sandbox/faults", json={"latency_ms": 5, "fail_next": 1}, timeout=5
    )
    assert answer.json()["latency_ms"] == 5 and answer.json()["fail_next"] == 1
    bad = requests.post(f"{sandbox.url}/_sandbox/faults", json={"explode": True}, timeout=5)
    assert bad.status_code == 422 and "unknown fault" in bad.json()["error"]
    code = sandbox.new_code()
    client = sandbox.client()
    with pytest.raises(UpstreamUnavailable):  # the injected failure, before the code is looked at
        client.exchange_code(code, sandbox.redirect_uri)
    client.exchange_code(code, sandbox.redirect_uri)
    with pytest.raises(CodeRejected):
        client.exchange_code(code, sandbox.redirect_uri)
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()
    assert stats["exchanges"] == 1 and stats["exchange_attempts"] == 2
    assert stats["codes_exchanged_more_than_once"] == []


def test_clock_control_moves_time_forward(sandbox: Sandbox) -> None:
    code = sandbox.new_code()
    assert requests.post(
        f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 3601}, timeout=5
    ).ok
    assert (
        requests.post(
            f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": -1}, timeout=5
        ).status_code
        == 422
    )
    answer = requests.post(
        f"{sandbox.url}/oauth/access_token",
        timeout=5,
        data={
            "client_id": APP_ID,
            "client_secret": sandbox.app_secret,
            "grant_type": "authorization_code",
            "redirect_uri": sandbox.redirect_uri,
            "code": code,
        },
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "This authorization code has expired",
    }


def test_injected_latency_delays_every_api_call(sandbox: Sandbox) -> None:
    client = sandbox.client()
    code = sandbox.new_code()  # the consent page is not an API call: no latency there
    sandbox.state.faults.update({"latency_ms": 150})
    started = time.monotonic()
    short = client.exchange_code(code, sandbox.redirect_uri)
    client.profile(short.access_token)
    assert time.monotonic() - started >= 0.3


def test_a_professional_profile_has_public_figures_that_grow_over_the_clock(
    sandbox: Sandbox,
) -> None:
    client = sandbox.client()
    code = sandbox.new_code("grows.daily")
    short = client.exchange_code(code, sandbox.redirect_uri)
    token = client.exchange_long_lived(short.access_token).access_token
    before = client.profile(token)
    assert before.followers_count is not None and before.media_count is not None
    assert before.profile_picture_url == f"{sandbox.url}/pictures/grows.daily.svg"
    picture = requests.get(before.profile_picture_url, timeout=10)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    sandbox.state.advance(30 * 86_400)  # a month later
    after = client.profile(token)
    assert after.followers_count is not None and after.followers_count > before.followers_count


def test_a_profile_without_the_optional_figures_is_not_an_error() -> None:
    """Instagram leaves out what was not granted or does not apply; nonsense is left out too."""
    parse = FLAVOURS["instagram_login"].parse_profile
    bare = parse({"user_id": "17841400000000001", "username": "just.basic"})
    assert (bare.followers_count, bare.profile_picture_url, bare.website) == (None, None, None)
    odd = parse(
        {
            "user_id": "17841400000000002",
            "username": "odd.figures",
            "followers_count": -5,
            "media_count": True,
            "follows_count": "12",
            "profile_picture_url": "javascript:alert(1)",
            "website": "https://ok.example/shop",
            "biography": "Hi\x00 there\u202e",
        }
    )
    assert (odd.followers_count, odd.media_count, odd.follows_count) == (None, None, None)
    assert odd.profile_picture_url is None and odd.website == "https://ok.example/shop"
    assert odd.biography == "Hi there"


def test_an_accounts_tokens_can_be_revoked_or_expired_from_outside(sandbox: Sandbox) -> None:
    """As a password change, or the 60 days running out, would: the next call is Graph 190."""
    client = sandbox.client()
    tokens = {}
    for username in ("changes.password", "lets.it.lapse", "stays.fine"):
        short = client.exchange_code(sandbox.new_code(username), sandbox.redirect_uri)
        tokens[username] = client.exchange_long_lived(short.access_token).access_token
    for username, change in (("changes.password", "revoke"), ("lets.it.lapse", "expire")):
        answer = requests.post(f"{sandbox.url}/_sandbox/accounts/{username}/{change}", timeout=5)
        assert answer.json() == {"username": username, "tokens": 2}  # the short and the long
    refused = requests.post(f"{sandbox.url}/_sandbox/accounts/stays.fine/delete", timeout=5)
    assert refused.status_code == 404
    for username, subcode in (("changes.password", 460), ("lets.it.lapse", 463)):
        with pytest.raises(TokenInvalid) as caught:
            client.profile(tokens[username])
        assert (caught.value.code, caught.value.subcode) == (190, subcode)
    assert client.profile(tokens["stays.fine"]).username == "stays.fine"


def test_in_sandbox_mode_its_tokens_outlive_a_restart_and_only_their_hashes_are_kept(
    tmp_path: Path,
) -> None:
    """`igsync run` with IGSYNC_SANDBOX=on serves a sandbox that remembers what it issued, so
    a trial's customers stay connected across a restart; the file never holds a token."""
    redirect_uri = "https://shop.example/wp-json/igsync/v1/callback"
    app_secret = secrets.token_hex(16)
    config = SandboxConfig(APP_ID, app_secret, frozenset({redirect_uri}))
    remember = tmp_path / "sandbox-tokens.jsonl"
    SECRETS.add(app_secret)

    def served(state: SandboxState) -> ServerThread:
        return ServerThread(create_sandbox_app(state))

    before = SandboxState(config, remember=remember)
    with served(before) as server:
        first = Sandbox(before, server.url, redirect_uri, app_secret)
        client = first.client()
        short = client.exchange_code(first.new_code("stays.connected"), redirect_uri)
        token = client.exchange_long_lived(short.access_token).access_token
        SECRETS.update({short.access_token, token})
    assert remember.stat().st_mode & 0o777 == 0o600
    assert token not in remember.read_text() and short.access_token not in remember.read_text()

    after = SandboxState(config, remember=remember)  # a restart: a new state, the same file
    with served(after) as server:
        again = Sandbox(after, server.url, redirect_uri, app_secret).client()
        assert again.profile(token).username == "stays.connected"
        with pytest.raises(TokenInvalid):
            again.profile("IGSBXL" + secrets.token_urlsafe(120))  # never issued
    without_file = SandboxState(config)
    with served(without_file) as server:
        forgetful = Sandbox(without_file, server.url, redirect_uri, app_secret).client()
        with pytest.raises(TokenInvalid):
            forgetful.profile(token)  # without the file, a restart ends every token


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("faults", '{"hang_next": 1, "hang_seconds": Infinity}'),
        ("faults", '{"latency_ms": NaN}'),
        ("faults", '{"fail_next": -1}'),
        ("faults", '{"fail_next": true}'),
        ("clock", '{"advance_seconds": NaN}'),
        ("clock", '{"advance_seconds": Infinity}'),
        ("clock", '{"advance_seconds": 1e300}'),
    ],
)
def test_the_controls_refuse_numbers_that_would_break_the_sandbox(
    sandbox: Sandbox, route: str, body: str
) -> None:
    """JSON's NaN and Infinity (Starlette parses them) and out-of-range numbers are refused,
    and the sandbox keeps answering as before."""
    answer = requests.post(
        f"{sandbox.url}/_sandbox/{route}",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 422 and "must be a number" in answer.json()["error"]
    assert sandbox.state.offset_seconds == 0
    assert requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()["hang_next"] == 0
    client = sandbox.client()
    short = client.exchange_code(sandbox.new_code("still.fine"), sandbox.redirect_uri)
    assert client.profile(short.access_token).username == "still.fine"


def test_the_sandbox_of_sandbox_mode_has_no_controls(sandbox: Sandbox, tmp_path: Path) -> None:
    """The sandbox `igsync run` serves to shoppers, perhaps behind the shop's proxy: nobody may
    revoke someone's tokens or move its clock."""
    settings = make_settings(
        sandbox,
        wp_url="http://127.0.0.1:9",
        shared_secret=generate_secret(),
        encryption_key=generate_key(),
        state_dir=tmp_path,
        sandbox_listen=Listen("127.0.0.1", 0),
    )
    server = start_sandbox(settings)
    try:
        for method, path in (
            ("POST", "/_sandbox/accounts/someone/revoke"),
            ("POST", "/_sandbox/clock"),
            ("POST", "/_sandbox/faults"),
            ("GET", "/_sandbox/stats"),
        ):
            answer = requests.request(method, server.url + path, json={}, timeout=5)
            assert answer.status_code == 404, path
        assert requests.get(server.url + "/oauth/authorize", timeout=5).status_code == 400
    finally:
        server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes files another user must own")
def test_the_sandbox_file_root_makes_in_the_services_folder_is_the_services(
    tmp_path: Path,
) -> None:
    """`igsync run` started by root on a package install (no systemd): the tokens file it makes
    in /var/lib/igsync belongs to the igsync user that owns the folder, as the database does."""
    folder = tmp_path / "state"
    folder.mkdir()
    os.chown(folder, 65534, 65534)  # the service user's folder
    remember = folder / "sandbox-tokens.jsonl"
    SandboxState(SandboxConfig(APP_ID, "s", frozenset({"https://x.example/cb"})), remember=remember)
    assert (remember.stat().st_uid, remember.stat().st_gid) == (65534, 65534)
    assert remember.stat().st_mode & 0o777 == 0o600
