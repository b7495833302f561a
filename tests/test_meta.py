"""Meta's deauthorize and data-deletion callbacks (signed_request), `igsync forget`, and the
plugin's other signed calls (Disconnect, Unpair)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import col, select
from typer.testing import CliRunner

from daemon.cli import app as cli
from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.customers.connection import lose_connection
from daemon.pipeline.exchange import CodePipeline
from daemon.privacy.erasure import deauthorize, request_erasure
from daemon.privacy.meta import (
    BadSignedRequest,
    SignedRequest,
    build_signed_request,
    parse_signed_request,
)
from daemon.privacy.meta_callbacks import DATA_DELETION_PATH, DEAUTHORIZE_PATH
from daemon.settings import Settings
from daemon.store.database import Store
from daemon.store.models import Customer, Delivery, Erasure, ReceivedCode, Token
from daemon.store.statuses import CodeStatus, TokenStatus
from tests.conftest import FakeClock, Sandbox, Shop, connect_customer, eventually, store_code
from tests.test_daemon import Running, daemon_env, forward_many, running, settings
from wp_bridge.signing import Signer, generate_secret, to_daemon

__all__ = ["running", "settings"]  # fixtures


def connected(
    running: Running, sandbox: Sandbox, shop: Shop, signer: object, count: int
) -> list[dict]:
    forward_many(sandbox, running.intake_url, signer, count, prefix="meta")  # type: ignore[arg-type]
    assert shop.state.wait_for(count, timeout=30)
    return sorted(shop.state.leads.values(), key=lambda lead: lead["username"])


def post_signed_request(url: str, signed_request: str) -> requests.Response:
    return requests.post(url, data={"signed_request": signed_request}, timeout=10)


def counts(running: Running) -> dict[str, int]:
    with running.daemon.store.read() as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Customer, Token, Delivery)
        }


def delivered(running: Running) -> int:
    with running.daemon.store.read() as session:
        return len(
            session.execute(select(Delivery).where(col(Delivery.status) == "delivered")).all()
        )


def test_signed_request_round_trip_and_every_refusal(sandbox: Sandbox) -> None:
    now = utcnow()
    good = build_signed_request("1784140579", sandbox.app_secret, issued_at=now)
    assert parse_signed_request(good, sandbox.app_secret, now=now).user_id == "1784140579"
    signature, payload = good.split(".")
    forged_payload = (
        base64.urlsafe_b64encode(
            json.dumps(
                {"algorithm": "HMAC-SHA256", "issued_at": int(now.timestamp()), "user_id": "2"}
            ).encode()
        )
        .decode()
        .rstrip("=")
    )
    refusals = {
        "wrong secret": build_signed_request("1", "not-the-app-secret", issued_at=now),
        "payload swapped": f"{signature}.{forged_payload}",
        "no dot": signature + payload,
        "not base64": "!!!.???",
        "stale": build_signed_request("1", sandbox.app_secret, issued_at=now - timedelta(days=2)),
        "future": build_signed_request("1", sandbox.app_secret, issued_at=now + timedelta(hours=1)),
        "empty": "",
    }
    for what, value in refusals.items():
        with pytest.raises(BadSignedRequest):
            parse_signed_request(value, sandbox.app_secret, now=now)
            pytest.fail(f"{what} was accepted")


@hypothesis_settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=300), flip=st.integers(min_value=0))
def test_fuzzed_signed_requests_are_refused_cleanly(value: str, flip: int) -> None:
    """Random strings, and any one changed character of a genuine request, are refused with
    BadSignedRequest and nothing else."""
    now = utcnow()
    with pytest.raises(BadSignedRequest):
        parse_signed_request(value, "app-secret", now=now)
    genuine = build_signed_request("17841400000000001", "app-secret", issued_at=now)
    position = flip % len(genuine)
    replacement = "A" if genuine[position] != "A" else "B"
    tampered = genuine[:position] + replacement + genuine[position + 1 :]
    with pytest.raises(BadSignedRequest):
        parse_signed_request(tampered, "app-secret", now=now)


def test_a_deeply_nested_or_duplicate_keyed_signed_request_is_refused_not_a_500() -> None:
    secret = "meta-app-secret"
    for payload in (
        b'{"algorithm": "HMAC-SHA256", "x": ' + b"[" * 1_500 + b"]" * 1_500 + b"}",
        b'{"algorithm": "HMAC-SHA256", "user_id": "1", "user_id": "2", "issued_at": 1}',
    ):
        encoded = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        signature = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
        value = base64.urlsafe_b64encode(signature).rstrip(b"=").decode() + "." + encoded
        with pytest.raises(BadSignedRequest, match="flat JSON"):
            parse_signed_request(value, secret, now=utcnow())


def test_deauthorize_revokes_the_token_and_keeps_the_lead(
    running: Running, sandbox: Sandbox, shop: Shop, signer: object
) -> None:
    leads = connected(running, sandbox, shop, signer, 2)
    gone, stays = leads[0]["ig_user_id"], leads[1]["ig_user_id"]
    answer = post_signed_request(
        running.intake_url + DEAUTHORIZE_PATH,
        build_signed_request(gone, sandbox.app_secret, issued_at=utcnow()),
    )
    assert answer.status_code == 200 and answer.json()["tokens_revoked"] == 1
    with running.daemon.store.read() as session:
        tokens = {
            customer.ig_user_id: token
            for token, customer in session.execute(
                select(Token, Customer).where(col(Token.customer_id) == col(Customer.id))
            ).all()
        }
    assert tokens[gone].status == TokenStatus.REVOKED and tokens[gone].access_token_ciphertext == ""
    assert tokens[stays].status == TokenStatus.ACTIVE and tokens[stays].access_token_ciphertext
    assert counts(running)["Customer"] == 2  # the shop keeps its lead


def test_data_deletion_erases_here_and_in_wordpress_and_answers_a_status_url(
    running: Running, sandbox: Sandbox, shop: Shop, signer: object
) -> None:
    leads = connected(running, sandbox, shop, signer, 3)
    gone = leads[0]["ig_user_id"]
    eventually(lambda: delivered(running) == 3, what="deliveries recorded")
    answer = post_signed_request(
        running.intake_url + DATA_DELETION_PATH,
        build_signed_request(gone, sandbox.app_secret, issued_at=utcnow()),
    )
    assert answer.status_code == 200
    receipt = answer.json()
    assert set(receipt) == {"url", "confirmation_code"}
    assert (
        receipt["url"].startswith(running.intake_url)
        and receipt["confirmation_code"] in receipt["url"]
    )
    assert counts(running) == {"Customer": 2, "Token": 2, "Delivery": 2}
    with running.daemon.store.read() as session:
        assert (
            session.execute(select(Customer).where(col(Customer.ig_user_id) == gone)).first()
            is None
        )
        assert (
            session.execute(
                select(ReceivedCode).where(col(ReceivedCode.ig_user_id) == gone)
            ).first()
            is None
        )
    eventually(
        lambda: shop.state.erasures == [receipt["confirmation_code"]], what="WordPress erased"
    )
    assert gone not in {lead["ig_user_id"] for lead in shop.state.leads.values()}
    assert len(shop.state.leads) == 2

    def status() -> dict:
        return requests.get(receipt["url"], timeout=5).json()

    eventually(lambda: status()["status"] == "completed", what="deletion completed")
    with running.daemon.store.read() as session:
        erasure = session.execute(select(Erasure)).scalar_one()
    assert erasure.ig_user_id is None  # nothing of the person is kept once both sides erased
    assert erasure.wp_leads_erased == 1
    unknown = requests.get(running.intake_url + "/v1/meta/deletions/nope", timeout=5)
    assert unknown.status_code == 404


@pytest.mark.parametrize("path", [DEAUTHORIZE_PATH, DATA_DELETION_PATH])
def test_bad_signed_requests_are_refused_and_change_nothing(
    path: str, running: Running, sandbox: Sandbox, shop: Shop, signer: object
) -> None:
    lead = connected(running, sandbox, shop, signer, 1)[0]
    before = counts(running)
    forged = build_signed_request(lead["ig_user_id"], "guessed-secret", issued_at=utcnow())
    for body, status in (
        ({"signed_request": forged}, 403),
        ({"signed_request": "garbage"}, 400),
        ({"something_else": "x"}, 400),
    ):
        answer = requests.post(running.intake_url + path, data=body, timeout=5)
        assert answer.status_code == status, body
        assert answer.json()["error"] == "bad_signed_request"
        assert "guessed" not in answer.text
    assert counts(running) == before
    with running.daemon.store.read() as session:
        assert session.execute(select(Token)).scalar_one().status == TokenStatus.ACTIVE
        assert session.execute(select(Erasure)).first() is None
    assert shop.state.erasures == []


def test_igsync_forget_does_the_same_by_hand(
    running: Running,
    sandbox: Sandbox,
    shop: Shop,
    signer: object,
    settings: Settings,
    tmp_path: Path,
) -> None:
    leads = connected(running, sandbox, shop, signer, 2)
    gone = leads[0]
    eventually(lambda: delivered(running) == 2, what="deliveries recorded")
    env = daemon_env(settings)
    runner = CliRunner()
    refused = runner.invoke(cli, ["forget", "@" + gone["username"]], env=env, input="n\n")
    assert refused.exit_code == 1 and counts(running)["Customer"] == 2
    result = runner.invoke(cli, ["forget", "@" + gone["username"], "--yes"], env=env)
    assert result.exit_code == 0, result.output
    assert "confirmation code" in result.output
    assert counts(running)["Customer"] == 1
    # The running daemon's sweep tells WordPress.
    eventually(lambda: len(shop.state.erasures) == 1, what="WordPress erased", timeout=30)
    assert gone["ig_user_id"] not in {lead["ig_user_id"] for lead in shop.state.leads.values()}
    missing = runner.invoke(cli, ["forget", "@nobody_here", "--yes"], env=env)
    assert missing.exit_code == 2 and "no customer" in missing.output


def test_a_replayed_deauthorize_does_not_disconnect_a_person_who_reconnected(
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="t", clock=clock)

    def start_connecting() -> int:
        code = sandbox.new_code("came.back")
        return store_code(store, cipher, code, sandbox.redirect_uri, now=clock())

    def finish_connecting(code_id: int) -> Token:
        assert pipeline.process(code_id) == CodeStatus.COMPLETED
        with store.read() as session:
            return session.execute(select(Token)).scalar_one()

    def request(issued_at: datetime) -> SignedRequest:
        signed = build_signed_request(user_id, sandbox.app_secret, issued_at=issued_at)
        return parse_signed_request(signed, sandbox.app_secret, now=clock())

    first = finish_connecting(start_connecting())
    with store.read() as session:
        user_id = session.execute(select(Customer)).scalar_one().ig_user_id
    removed = request(clock.advance(seconds=10))  # the person removes the app
    assert deauthorize(store, user_id, now=clock(), request=removed) == 1
    clock.advance(minutes=5)
    reconnecting = start_connecting()  # and connects again...
    # ...while the same request comes again (from a log, or Meta retrying late): it acts on
    # nothing, not even on the code of the new connection, on its way.
    assert deauthorize(store, user_id, now=clock(), request=removed) == 0
    assert "this signed_request was already acted on" in caplog.text  # the operator is told
    again = finish_connecting(reconnecting)
    assert again.status == TokenStatus.ACTIVE and again.obtained_at > first.obtained_at
    # Another request issued before the reconnection: it knew nothing of the new token.
    earlier = request(removed.issued_at + timedelta(seconds=30))
    assert deauthorize(store, user_id, now=clock(), request=earlier) == 0
    with store.read() as session:
        assert session.execute(select(Token)).scalar_one().status == TokenStatus.ACTIVE
    # A request issued after the reconnection still revokes.
    assert deauthorize(store, user_id, now=clock(), request=request(clock())) == 1


def test_a_signature_spelled_otherwise_in_base64_is_refused() -> None:
    """base64url's last character of a 32-byte signature has two unused bits: 'B', 'C' and 'D'
    decode like 'A'. Only the canonical spelling is the signature."""
    now = utcnow()
    genuine = build_signed_request("17841400000000001", "app-secret", issued_at=now)
    signature, payload = genuine.split(".", 1)
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    same_bits = alphabet[alphabet.index(last) ^ 1]  # differs only in an unused bit
    assert base64.urlsafe_b64decode(signature + "=") == base64.urlsafe_b64decode(
        signature[:-1] + same_bits + "="
    )
    assert parse_signed_request(genuine, "app-secret", now=now).user_id == "17841400000000001"
    with pytest.raises(BadSignedRequest):
        parse_signed_request(signature[:-1] + same_bits + "." + payload, "app-secret", now=now)


def test_a_replayed_data_deletion_does_not_erase_a_person_who_reconnected(
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="t", clock=clock)

    def connect() -> str:
        connect_customer(pipeline, store, cipher, sandbox, "deleted.then.back", now=clock())
        with store.read() as session:
            return session.execute(select(Customer)).scalar_one().ig_user_id

    user_id = connect()
    signed = build_signed_request(user_id, sandbox.app_secret, issued_at=clock())
    request = parse_signed_request(signed, sandbox.app_secret, now=clock())
    first = request_erasure(store, user_id, source="meta", now=clock(), request=request)
    assert first.customers_erased == 1
    clock.advance(minutes=10)
    assert connect() == user_id  # the person connects again, knowing what they did
    again = request_erasure(store, user_id, source="meta", now=clock(), request=request)
    assert again.confirmation_code == first.confirmation_code  # Meta gets the same answer
    assert "already acted on" in caplog.text
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 1


def test_the_shoppers_disconnect_revokes_the_token_and_keeps_the_customer(
    running: Running,
    sandbox: Sandbox,
    shop: Shop,
    signer: Signer,
) -> None:
    """POST /v1/disconnect (signed, from the plugin's My Account tab): the token is revoked and
    its ciphertext erased; the customer and the lead stay; a forged call changes nothing."""
    [lead] = connected(running, sandbox, shop, signer, 1)
    body = json.dumps({"ig_user_id": lead["ig_user_id"]}).encode()
    url = f"{running.intake_url}/v1/disconnect"
    forged = requests.post(
        url, data=body, headers=Signer(generate_secret()).headers(body), timeout=10
    )
    assert forged.status_code == 401
    with running.daemon.store.read() as session:
        assert session.execute(select(Token)).scalar_one().status == TokenStatus.ACTIVE
    bad = b'{"ig_user_id": "not digits"}'
    route = to_daemon("POST", "/v1/disconnect")
    refused = requests.post(url, data=bad, headers=signer.headers(bad, route), timeout=10)
    assert refused.status_code == 422
    signed = signer.headers(body, route)
    answer = requests.post(url, data=body, headers=signed, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"tokens_revoked": 1}
    replayed = requests.post(url, data=body, headers=signed, timeout=10)  # seen in transit
    assert replayed.status_code == 401 and replayed.json()["error"] == "replayed"
    elsewhere = requests.post(
        f"{running.intake_url}/v1/forget", data=body, headers=signed, timeout=10
    )
    assert elsewhere.status_code == 401  # the disconnect's signature is not the forget's
    with running.daemon.store.read() as session:
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 1
    # The body is in the served schema and in the wire contract (docs/contract.md).
    schema = requests.get(f"{running.intake_url}/openapi.json", timeout=10).json()
    for path in ("/v1/forget", "/v1/disconnect"):
        body_schema = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body_schema["schema"]["required"] == ["ig_user_id"], path
    readme = (Path(__file__).resolve().parent.parent / "docs" / "contract.md").read_text()
    assert re.search(r"POST /v1/forget`\*\* and \*\*`POST /v1/disconnect`", readme)
    with running.daemon.store.read() as session:
        token = session.execute(select(Token)).scalar_one()
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 1
    assert token.status == TokenStatus.REVOKED and token.access_token_ciphertext == ""
    assert token.last_error == "disconnected by the shopper"


def test_wordpress_unpairing_is_logged_here_and_a_forged_one_is_refused(
    running: Running, signer: Signer
) -> None:
    """POST /v1/unpaired (signed, wp-admin's Unpair): one line in pairings.log, no secret in
    it; a forged or malformed call writes nothing."""
    log = running.daemon.settings.state_dir / "pairings.log"
    url = f"{running.intake_url}/v1/unpaired"
    body = json.dumps({"site_url": "https://shop.example/", "by": "admin"}).encode()
    forged = requests.post(
        url, data=body, headers=Signer(generate_secret()).headers(body), timeout=10
    )
    bad = b'{"site_url": ["not", "a", "string"], "by": "admin"}'
    malformed = requests.post(url, data=bad, headers=signer.headers(bad), timeout=10)
    assert (forged.status_code, malformed.status_code) == (401, 422)
    assert not log.exists()
    answer = requests.post(url, data=body, headers=signer.headers(body), timeout=10)
    assert answer.status_code == 200
    [entry] = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["event"] == "unpaired" and entry["site_url"] == "https://shop.example/"
    assert entry["by"] == "admin in wp-admin"
    assert running.daemon.settings.shared_secret.reveal() not in log.read_text()


def test_an_erasure_stops_the_persons_codes_not_yet_exchanged(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    """The person asks for erasure while a second code of theirs waits for its exchange (no
    Instagram id known yet): found by the WordPress user and the email in its context, it is
    stopped and its secrets erased, and processing it afterwards recreates nobody. Another
    shopper's code waiting at the same time goes on."""
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="t", clock=clock)

    def waiting(username: str, **context: Any) -> int:
        code = sandbox.new_code(username)
        return store_code(store, cipher, code, sandbox.redirect_uri, now=clock(), **context)

    first = waiting("erased.early", wp_user_id=7, email="ee@example.com")
    assert pipeline.process(first) == CodeStatus.COMPLETED
    with store.read() as session:
        person = session.execute(select(Customer)).scalar_one()
    by_user = waiting("erased.early", wp_user_id=7)
    by_email = waiting("erased.early", email="ee@example.com")
    other = waiting("someone.else", wp_user_id=8)
    request_erasure(store, person.ig_user_id, source="meta", now=clock())
    with store.read() as session:
        rows = {r.id: r for r in session.execute(select(ReceivedCode)).scalars()}
    for stopped in (by_user, by_email):
        assert rows[stopped].status == CodeStatus.FAILED
        assert rows[stopped].code_ciphertext is None and rows[stopped].context == {}
        assert pipeline.process(stopped) is None
    assert rows[other].status == CodeStatus.PENDING
    assert pipeline.process(other) == CodeStatus.COMPLETED
    with store.read() as session:
        left = [c.username for c in session.execute(select(Customer)).scalars()]
    assert left == ["someone.else"]


def test_an_erasure_waits_only_for_a_lead_push_in_flight(
    store: Store, cipher: TokenCipher, sandbox: Sandbox, clock: FakeClock
) -> None:
    """A first lead being pushed when the erasure comes could land after it and recreate the
    lead: WordPress is told once that push's lease ends. A later event in flight (WordPress
    ignores it for an account it has no lead of) delays nothing."""
    pipeline = CodePipeline(store, cipher, sandbox.client(), owner="t", clock=clock)
    connect_customer(pipeline, store, cipher, sandbox, "in.flight", now=clock())
    lease_end = clock() + timedelta(seconds=120)
    with store.write() as session:
        customer = session.execute(select(Customer)).scalar_one()
        assert lose_connection(session, customer.id, reason="revoked", now=clock())
        for delivery in session.execute(select(Delivery)).scalars():
            delivery.lease_owner, delivery.lease_expires_at = "pusher", lease_end
            delivery.payload = {**delivery.payload}
            session.add(delivery)
        first_lead = session.execute(
            select(Delivery).where(col(Delivery.code_id).is_not(None))
        ).scalar_one()
        first_lead.lease_expires_at = None  # the first lead was delivered already
        session.add(first_lead)
    receipt = request_erasure(store, customer.ig_user_id, source="meta", now=clock())
    assert receipt.due_at == clock()  # only the connection_lost event was in flight

    connect_customer(pipeline, store, cipher, sandbox, "in.flight", now=clock())
    with store.write() as session:
        pushing = session.execute(select(Delivery)).scalar_one()
        pushing.lease_owner, pushing.lease_expires_at = "pusher", lease_end
        session.add(pushing)
        ig_user_id = session.execute(select(Customer)).scalar_one().ig_user_id
    receipt = request_erasure(store, ig_user_id, source="meta", now=clock())
    assert receipt.due_at == lease_end
