"""Standard Webhooks signatures (https://www.standardwebhooks.com), both directions.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature header holds
one or more space-separated `v1,<base64 HMAC-SHA256>` entries. This verifier differs from the
reference package only in what it refuses cleanly: malformed headers, non-UTF-8 bodies and
timestamps outside the tolerance all raise SignatureError rather than arbitrary exceptions,
and the clock is a parameter so that staleness can be tested. The reference package's test
vectors and its signatures pass (tests/test_signing.py).

Replays are not refused here: the caller remembers accepted ids (see daemon.codes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

SECRET_PREFIX = "whsec_"  # noqa: S105 (a format prefix, not a secret)
TOLERANCE_SECONDS = 5 * 60
MAX_ID_LENGTH = 128


class SignatureError(Exception):
    """The request is not signed by the holder of the shared secret, or not recently."""


@dataclass(frozen=True)
class VerifiedMessage:
    webhook_id: str
    timestamp: int


class Signer:
    """Signs and verifies with one shared secret (`whsec_` + base64 key)."""

    def __init__(self, secret: str) -> None:
        self._key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
        if not self._key:
            raise ValueError("the webhook secret is empty")

    def signature(self, webhook_id: str, timestamp: int, body: bytes) -> str:
        signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
        digest = hmac.new(self._key, signed, hashlib.sha256).digest()
        return "v1," + base64.b64encode(digest).decode("ascii")

    def headers(
        self, body: bytes, *, webhook_id: str | None = None, now: float | None = None
    ) -> dict[str, str]:
        """The three headers for a new message (a fresh id unless one is given)."""
        webhook_id = webhook_id or new_webhook_id()
        timestamp = int(time.time() if now is None else now)
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": self.signature(webhook_id, timestamp, body),
        }

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        *,
        now: float | None = None,
        tolerance: int = TOLERANCE_SECONDS,
    ) -> VerifiedMessage:
        """The message's id and timestamp if the signature holds; SignatureError otherwise."""
        lowered = {key.lower(): value for key, value in headers.items()}
        webhook_id = lowered.get("webhook-id", "")
        raw_timestamp = lowered.get("webhook-timestamp", "")
        raw_signatures = lowered.get("webhook-signature", "")
        if not (webhook_id and raw_timestamp and raw_signatures):
            raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
        if len(webhook_id) > MAX_ID_LENGTH or not webhook_id.isprintable():
            raise SignatureError("malformed webhook-id")
        # isascii: str.isdigit() also accepts digits like '²' that int() refuses
        if not (raw_timestamp.isascii() and raw_timestamp.isdigit()) or len(raw_timestamp) > 12:
            raise SignatureError("malformed webhook-timestamp")
        timestamp = int(raw_timestamp)
        current = time.time() if now is None else now
        if abs(current - timestamp) > tolerance:
            raise SignatureError("webhook-timestamp is outside the 5-minute tolerance")
        expected = self._digest_of(self.signature(webhook_id, timestamp, body))
        for entry in raw_signatures.split():
            version, _, encoded = entry.partition(",")
            if version != "v1":
                continue
            try:
                candidate = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                continue
            if hmac.compare_digest(candidate, expected):
                return VerifiedMessage(webhook_id, timestamp)
        raise SignatureError("no valid v1 signature")

    @staticmethod
    def _digest_of(signature: str) -> bytes:
        return base64.b64decode(signature.partition(",")[2])


def new_webhook_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def generate_secret() -> str:
    """A new shared secret in the format IGSYNC_SHARED_SECRET expects (32 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
