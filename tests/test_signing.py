"""Standard Webhooks signatures: the spec's vector, the reference package, and every refusal."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
import standardwebhooks
from hypothesis import given, settings
from hypothesis import strategies as st

from wp_bridge.signing import SignatureError, Signer, generate_secret

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def spec_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    headers.update(overrides)
    return headers


def test_spec_vector_signs_and_verifies() -> None:
    signer = Signer(SPEC_SECRET)
    assert signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE
    message = signer.verify(spec_headers(), SPEC_BODY, now=SPEC_TIMESTAMP + 10)
    assert (message.webhook_id, message.timestamp) == (SPEC_ID, SPEC_TIMESTAMP)


def test_reference_package_accepts_our_signatures_and_we_accept_its() -> None:
    secret = generate_secret()
    ours, reference = Signer(secret), standardwebhooks.Webhook(secret)
    body = b'{"code":"AQ...","redirect_uri":"https://shop.example/cb"}'
    reference.verify(body, ours.headers(body))
    now = datetime.now(UTC)
    theirs = reference.sign("msg_1", now, body.decode())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": theirs,
    }
    assert ours.verify(headers, body).webhook_id == "msg_1"


def test_one_valid_signature_among_several_is_enough() -> None:
    signer = Signer(SPEC_SECRET)
    headers = spec_headers(**{"webhook-signature": f"v1,Zm9v v2,bad {SPEC_SIGNATURE}"})
    assert signer.verify(headers, SPEC_BODY, now=SPEC_TIMESTAMP).webhook_id == SPEC_ID


@pytest.mark.parametrize(
    ("headers", "body", "now", "reason"),
    [
        (spec_headers(), b'{"test": 2432232315}', SPEC_TIMESTAMP, "no valid v1 signature"),
        (spec_headers(**{"webhook-id": "msg_other"}), SPEC_BODY, SPEC_TIMESTAMP, "no valid v1"),
        (spec_headers(), SPEC_BODY, SPEC_TIMESTAMP + 301, "outside the 5-minute tolerance"),
        (spec_headers(), SPEC_BODY, SPEC_TIMESTAMP - 301, "outside the 5-minute tolerance"),
        (
            spec_headers(**{"webhook-timestamp": "1e9"}),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "malformed webhook-timestamp",
        ),
        (
            spec_headers(**{"webhook-signature": "v1,!!notbase64"}),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "no valid v1",
        ),
        (
            spec_headers(**{"webhook-signature": "garbage"}),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "no valid v1",
        ),
        (
            spec_headers(**{"webhook-signature": SPEC_SIGNATURE.replace("v1", "v2")}),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "no valid v1",
        ),
        ({"webhook-id": SPEC_ID}, SPEC_BODY, SPEC_TIMESTAMP, "missing"),
        (
            spec_headers(**{"webhook-id": "x" * 200}),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "malformed webhook-id",
        ),
        (
            spec_headers(**{"webhook-id": "msg\x00"}),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "malformed webhook-id",
        ),
    ],
)
def test_refusals(headers: dict[str, str], body: bytes, now: int, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        Signer(SPEC_SECRET).verify(headers, body, now=now)


def test_another_secret_does_not_verify() -> None:
    body = b"{}"
    headers = Signer(generate_secret()).headers(body)
    with pytest.raises(SignatureError):
        Signer(generate_secret()).verify(headers, body)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.upper(): v for k, v in spec_headers().items()}
    assert Signer(SPEC_SECRET).verify(headers, SPEC_BODY, now=SPEC_TIMESTAMP).webhook_id == SPEC_ID


@settings(max_examples=300, deadline=None)
@given(
    webhook_id=st.text(min_size=1, max_size=150),
    timestamp=st.text(max_size=20),
    signature=st.text(max_size=200),
    body=st.binary(max_size=300),
)
def test_arbitrary_headers_are_refused_cleanly(
    webhook_id: str, timestamp: str, signature: str, body: bytes
) -> None:
    """Random headers never verify, and never raise anything but SignatureError."""
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
    }
    with pytest.raises(SignatureError):
        Signer(SPEC_SECRET).verify(headers, body, now=time.time())


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2000), flip=st.integers(min_value=0, max_value=1999))
def test_any_changed_byte_breaks_the_signature(body: bytes, flip: int) -> None:
    signer = Signer(SPEC_SECRET)
    headers = signer.headers(body)
    assert signer.verify(headers, body).webhook_id == headers["webhook-id"]
    if body:
        position = flip % len(body)
        tampered = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
        with pytest.raises(SignatureError):
            signer.verify(headers, tampered)


def test_generated_secrets_hold_32_random_bytes() -> None:
    first, second = generate_secret(), generate_secret()
    assert first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
