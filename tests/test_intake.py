"""The intake: signed forwards are stored once and answered 202 only after commit; bad ones
are refused with a reason and leave nothing behind."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry, Counter
from sqlmodel import func, select

from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.intake.codes import code_digest
from daemon.runtime.serving import ServerThread
from daemon.service import code_intake_app
from daemon.store.database import Store
from daemon.store.models import ReceivedCode, SeenWebhook
from tests.conftest import eventually
from wp_bridge.forward import forward_body, forward_code
from wp_bridge.intake import MAX_BODY_BYTES
from wp_bridge.signing import Signer, to_daemon, to_wordpress

REDIRECT_URI = "https://shop.example/wp-json/igsync/v1/callback"
CODE = "AQBx-hBsH3kmWzRbP9sQ1f0_long-random-code"


class Intake:
    def __init__(self, url: str, store: Store, signer: Signer, accepted: list[int]) -> None:
        self.url, self.store, self.signer, self.accepted = url, store, signer, accepted
        self.http = requests.Session()

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
        if headers is None:
            headers = self.signer.headers(body, to_daemon("POST", "/v1/codes"))
        return self.http.post(
            f"{self.url}/v1/codes",
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=5,
        )

    def stored(self) -> int:
        with self.store.read() as session:
            return session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one()

    def remembered_ids(self) -> int:
        with self.store.read() as session:
            return session.execute(select(func.count()).select_from(SeenWebhook)).scalar_one()


@pytest.fixture
def intake(store: Store, cipher: TokenCipher, signer: Signer) -> Iterator[Intake]:
    accepted: list[int] = []
    app = code_intake_app(
        store=store,
        cipher=cipher,
        signer=signer,
        redirect_uri=REDIRECT_URI,
        on_accepted=accepted.append,
    )
    with ServerThread(app) as server:
        yield Intake(server.url, store, signer, accepted)


def test_a_signed_forward_is_stored_encrypted_and_answered_202(
    intake: Intake, cipher: TokenCipher, tmp_path: Path
) -> None:
    body = forward_body(
        CODE, REDIRECT_URI, wp_user_id=7, email="lena@example.com", source="my-account"
    )
    answer = forward_code(intake.http, intake.url, intake.signer, body)
    assert answer.status_code == 202
    assert answer.json() == {"id": 1, "status": "pending"}
    # The worker is kicked once the answer is out (never on the event loop's time).
    eventually(lambda: intake.accepted == [1], what="the worker kicked")
    with intake.store.read() as session:
        row = session.get(ReceivedCode, 1)
    assert row is not None
    assert row.code_hash == code_digest(CODE)
    assert row.code_ciphertext and cipher.decrypt(row.code_ciphertext) == CODE
    assert row.context == {"wp_user_id": 7, "email": "lena@example.com", "source": "my-account"}
    assert row.expires_at - row.received_at == timedelta(hours=1)
    # the raw database file never holds the code in clear
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("igsync.db*"))
    assert CODE.encode() not in raw


def test_the_same_code_twice_is_stored_once(intake: Intake) -> None:
    first = forward_code(intake.http, intake.url, intake.signer, forward_body(CODE, REDIRECT_URI))
    second = forward_code(
        intake.http, intake.url, intake.signer, forward_body(CODE + "#_", REDIRECT_URI)
    )
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert intake.stored() == 1
    eventually(lambda: intake.accepted == [first.json()["id"]], what="one kick, for the first")


def test_a_replayed_request_is_refused_and_stores_nothing(intake: Intake) -> None:
    body = forward_body(CODE, REDIRECT_URI)
    headers = intake.signer.headers(body)
    assert intake.post(body, headers).status_code == 202
    other = forward_body(CODE + "x", REDIRECT_URI)
    replay_same = intake.post(body, headers)
    replay_other_body = intake.post(
        other,
        {
            **headers,
            "webhook-signature": intake.signer.signature(
                headers["webhook-id"], int(headers["webhook-timestamp"]), other
            ),
        },
    )
    for answer in (replay_same, replay_other_body):
        assert answer.status_code == 401 and answer.json()["error"] == "replayed"
    assert intake.stored() == 1


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, s: {**h, "webhook-signature": "v1,AAAA"}, "no valid v1 signature"),
        (lambda h, s: {k: v for k, v in h.items() if k != "webhook-signature"}, "missing"),
        (lambda h, s: s.headers(b"{}"), "no valid v1 signature"),  # a signature over another body
        (lambda h, s: Signer("whsec_" + "QUFB" * 10).headers(b"x"), "no valid v1 signature"),
    ],
)
def test_forged_requests_are_refused_and_store_nothing(
    intake: Intake, mutate: object, reason: str
) -> None:
    body = forward_body(CODE, REDIRECT_URI)
    headers = mutate(intake.signer.headers(body), intake.signer)  # type: ignore[operator]
    answer = intake.post(body, headers)
    assert answer.status_code == 401 and reason in answer.json()["detail"]
    assert intake.stored() == 0 and intake.remembered_ids() == 0 and intake.accepted == []


def test_a_stale_request_is_refused(intake: Intake) -> None:
    body = forward_body(CODE, REDIRECT_URI)
    stale = intake.signer.headers(body, now=utcnow().timestamp() - 301)
    answer = intake.post(body, stale)
    assert answer.status_code == 401 and "tolerance" in answer.json()["detail"]
    assert intake.stored() == 0


def signed_json(intake: Intake, payload: object) -> requests.Response:
    return intake.post(json.dumps(payload).encode())


def valid_payload(**changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "code": CODE,
        "redirect_uri": REDIRECT_URI,
        "received_at": utcnow().isoformat(),
        "context": {},
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (valid_payload(code=""), "code"),
        (valid_payload(code="AQ\x00abc"), "code"),
        (valid_payload(code="AQ abc"), "code"),
        (valid_payload(code="#_"), "code"),
        (valid_payload(code="A" * 1025), "code"),
        (valid_payload(redirect_uri="javascript:alert(1)"), "redirect_uri"),
        (valid_payload(received_at="yesterday"), "received_at"),
        (valid_payload(received_at="2026-11-24T10:00:00"), "received_at"),  # no timezone
        (valid_payload(unexpected=1), "unexpected"),
        (valid_payload(context={"wp_user_id": 0}), "context.wp_user_id"),
        (valid_payload(context={"email": "not-an-email"}), "context.email"),
        (valid_payload(context={"return_url": "ftp://x"}), "context.return_url"),
        (valid_payload(context={"favourite_colour": "red"}), "context.favourite_colour"),
        ({"redirect_uri": REDIRECT_URI}, "code"),
        ([1, 2, 3], "body"),
    ],
)
def test_malformed_payloads_get_422_with_the_field_and_store_nothing(
    intake: Intake, payload: object, field: str
) -> None:
    answer = signed_json(intake, payload)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert any(item["field"] == field for item in detail), detail
    assert "AQ\x00abc" not in answer.text and CODE not in answer.text  # the input is never echoed
    assert intake.stored() == 0


def test_deeply_nested_json_answers_422_never_500(intake: Intake) -> None:
    """A 500 tells WordPress to retry for ever: no body, signed or not, may produce one."""
    deep = b'{"code": "x", "context": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    answer = intake.post(deep)
    assert answer.status_code == 422 and answer.json()["error"] == "too_deep"
    assert intake.post(deep, {}).status_code == 401  # unsigned: refused before parsing
    strings = forward_body(CODE, REDIRECT_URI, source="[[[[[[{{{{{{")
    assert intake.post(strings).status_code == 202  # brackets inside strings are text
    assert intake.stored() == 1


def test_a_json_object_with_a_duplicate_key_answers_422(intake: Intake) -> None:
    body = forward_body(CODE, REDIRECT_URI)
    twice = body[:-1] + b', "code": "AQ-another-code"}'
    answer = intake.post(twice)
    assert answer.status_code == 422 and answer.json()["error"] == "duplicate_key"
    assert "code" in answer.json()["detail"] and "AQ-another-code" not in answer.text
    assert intake.stored() == 0


def test_bad_json_gets_422(intake: Intake) -> None:
    answer = intake.post(b'{"code": "AQ', None)
    assert answer.status_code == 422 and answer.json()["error"] == "malformed_json"
    assert intake.post(b"\xff\xfe", None).status_code == 422


def test_another_redirect_uri_is_refused_before_it_wastes_the_code(intake: Intake) -> None:
    answer = signed_json(intake, valid_payload(redirect_uri="https://shop.example/other"))
    assert answer.status_code == 422 and answer.json()["error"] == "redirect_uri_mismatch"
    assert intake.stored() == 0


def test_an_oversized_body_gets_413(intake: Intake) -> None:
    big = json.dumps(valid_payload(context={"source": "x" * MAX_BODY_BYTES})).encode()
    answer = intake.post(big)
    assert answer.status_code == 413
    chunked = intake.http.post(
        f"{intake.url}/v1/codes",
        data=iter([big[:40_000], big[40_000:]]),
        headers=intake.signer.headers(big),
        timeout=5,
    )
    assert chunked.status_code == 413
    assert intake.stored() == 0


def test_a_code_already_past_its_hour_is_recorded_as_expired(intake: Intake) -> None:
    body = forward_body(CODE, REDIRECT_URI, received_at=utcnow() - timedelta(minutes=61))
    answer = forward_code(intake.http, intake.url, intake.signer, body)
    assert answer.status_code == 202 and answer.json()["status"] == "expired"
    with intake.store.read() as session:
        row = session.get(ReceivedCode, answer.json()["id"])
    assert row is not None and row.code_ciphertext is None
    eventually(lambda: intake.accepted == [answer.json()["id"]], what="the worker kicked")


def test_code_status_needs_a_signature(intake: Intake) -> None:
    code_id = forward_code(
        intake.http, intake.url, intake.signer, forward_body(CODE, REDIRECT_URI)
    ).json()["id"]
    unsigned = intake.http.get(f"{intake.url}/v1/codes/{code_id}", timeout=5)
    assert unsigned.status_code == 401
    route = to_daemon("GET", f"/v1/codes/{code_id}")
    signed = intake.http.get(
        f"{intake.url}/v1/codes/{code_id}", headers=intake.signer.headers(b"", route), timeout=5
    )
    assert signed.status_code == 200
    assert signed.json()["status"] == "pending" and CODE not in signed.text
    missing = intake.http.get(
        f"{intake.url}/v1/codes/999",
        headers=intake.signer.headers(b"", to_daemon("GET", "/v1/codes/999")),
        timeout=5,
    )
    assert missing.status_code == 404


def test_healthz_and_openapi(intake: Intake) -> None:
    assert intake.http.get(f"{intake.url}/healthz", timeout=5).json() == {"status": "ok"}
    schema = intake.http.get(f"{intake.url}/openapi.json", timeout=5).json()
    body_schema = schema["paths"]["/v1/codes"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    assert set(body_schema["required"]) == {"code", "redirect_uri", "received_at"}


def test_a_database_that_cannot_write_gets_503_never_202(
    store: Store, cipher: TokenCipher, signer: Signer, tmp_path: Path
) -> None:
    """Another process holds the write lock past the busy timeout: WordPress must retry later."""
    impatient = Store(str(store.url), busy_timeout=0.2)
    app = code_intake_app(store=impatient, cipher=cipher, signer=signer, redirect_uri=REDIRECT_URI)
    blocker = sqlite3.connect(tmp_path / "igsync.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with ServerThread(app) as server, requests.Session() as http:
            answer = forward_code(http, server.url, signer, forward_body(CODE, REDIRECT_URI))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        impatient.dispose()
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert answer.json()["error"] == "storage_unavailable"
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one() == 0


def test_a_10_mb_request_header_answers_431_not_a_reset(intake: Intake) -> None:
    host, port = intake.url.removeprefix("http://").split(":")
    for size in (20_000, 10_000_000):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer[:80]
        assert b'"error": "headers_too_large"' in answer
    # a request just under the cap, and a big body behind a small head, are served as usual
    fine = intake.http.get(f"{intake.url}/healthz", headers={"X-Pad": "a" * 15_000}, timeout=5)
    assert fine.status_code == 200
    big = forward_body(CODE, REDIRECT_URI, source="x" * 60_000)
    assert intake.post(big).status_code == 422  # read whole and judged (source is too long)


def test_docs_the_readme_wire_contract_matches_the_served_openapi_schema(intake: Intake) -> None:
    """The wire contract's field table for POST /v1/codes (docs/contract.md) says what the
    intake's own schema says."""
    schema = intake.http.get(f"{intake.url}/openapi.json", timeout=5).json()
    body = schema["paths"]["/v1/codes"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    served = {name: name in body.get("required", []) for name in body["properties"]}
    contract = (Path(__file__).parents[1] / "docs" / "contract.md").read_text()
    table = contract.split("| field | required | what |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    documented = {
        row.split("|")[1].strip().strip("`"): row.split("|")[2].strip() == "yes"
        for row in table.splitlines()
    }
    assert documented == served
    assert documented["received_at"] is True


def test_a_signature_is_bound_to_its_route_and_direction(intake: Intake) -> None:
    """A message seen in transit is good for its own route only: not for another route of the
    daemon, not reflected back from WordPress's side, and not twice."""
    intake.signer.peer_bound = True  # a plugin of this version has spoken
    body = forward_body(CODE, REDIRECT_URI)
    elsewhere = intake.post(body, intake.signer.headers(body, to_daemon("POST", "/v1/ping")))
    assert elsewhere.status_code == 401
    back = intake.post(body, intake.signer.headers(body, to_wordpress("POST", "/v1/codes")))
    assert back.status_code == 401 and intake.stored() == 0
    assert back.headers["igsync-signing"] == "bound"  # what tells a new plugin to drop the old

    code_id = forward_code(
        intake.http, intake.url, intake.signer, forward_body(CODE, REDIRECT_URI)
    ).json()["id"]
    status = intake.signer.headers(b"", to_daemon("GET", f"/v1/codes/{code_id}"))
    first = intake.http.get(f"{intake.url}/v1/codes/{code_id}", headers=status, timeout=5)
    again = intake.http.get(f"{intake.url}/v1/codes/{code_id}", headers=status, timeout=5)
    assert first.status_code == 200 and again.status_code == 401
    assert again.json()["error"] == "replayed"


def test_an_older_plugin_is_understood_until_it_speaks_bound_signatures(
    intake: Intake, shared_secret: str
) -> None:
    """Through an upgrade: an older plugin signs without binding; the daemon accepts that until
    a bound signature has come, and from then on only bound ones. The new plugin sends both
    until the daemon's answer says it checks bound ones."""
    plugin = Signer(shared_secret)
    body = forward_body("AQD-old-plugin", REDIRECT_URI)
    assert intake.post(body, plugin.headers(body)).status_code == 202  # unbound, as 0.2 signs
    upgraded = forward_code(intake.http, intake.url, plugin, forward_body("AQD-new", REDIRECT_URI))
    assert upgraded.status_code == 202
    plugin.learn(upgraded.headers)
    assert plugin.peer_bound  # from now on the plugin sends the bound signature alone
    assert " " not in plugin.headers(body, to_daemon("POST", "/v1/codes"))["webhook-signature"]
    late = forward_body("AQD-late-unbound", REDIRECT_URI)
    assert intake.post(late, plugin.headers(late)).status_code == 401


def test_the_schema_and_the_metrics_are_for_this_machine_only(
    store: Store, cipher: TokenCipher, signer: Signer
) -> None:
    """Behind the shop's reverse proxy (IGSYNC_PUBLIC_URL) the intake is public: the schema
    and the counters are not, while the operator on this machine still reads them."""
    registry = CollectorRegistry()
    Counter("igsync_probe", "a counter to find", registry=registry).inc()
    app = code_intake_app(
        store=store, cipher=cipher, signer=signer, redirect_uri=REDIRECT_URI, metrics=registry
    )
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    with ServerThread(app) as server, requests.Session() as http:
        here = http.get(f"{server.url}/openapi.json", timeout=5)
        assert here.status_code == 200 and "/v1/codes" in here.json()["paths"]
        assert "igsync_probe" in http.get(f"{server.url}/metrics", timeout=5).text
        proxied = http.get(f"{server.url}/openapi.json", headers=forwarded, timeout=5)
        assert proxied.status_code == 404
        metrics = http.get(f"{server.url}/metrics", headers=forwarded, timeout=5)
        assert metrics.status_code == 404 and "igsync_probe" not in metrics.text
        assert http.get(f"{server.url}/healthz", headers=forwarded, timeout=5).ok
