"""Standard Webhooks signatures (https://www.standardwebhooks.com), both directions.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature header holds
one or more space-separated `v1,<base64 HMAC-SHA256>` entries. This verifier differs from the
reference package only in what it refuses cleanly: malformed headers, non-UTF-8 bodies and
timestamps outside the tolerance all raise SignatureError rather than arbitrary exceptions,
and the clock is a parameter so that staleness can be tested. The reference package's test
vectors and its signatures pass (tests/test_signing.py).

Each signature is bound to its direction and route: the HMAC key is derived from the shared
secret for "wp->daemon POST /v1/codes", "daemon->wp POST /igsync/v1/leads" and so on, so a
message seen in transit cannot be replayed to another route, nor reflected back to its
sender. The wire format stays Standard Webhooks (a verifier given the derived key checks it).
Through an upgrade, a sender that does not yet know its peer speaks bound signatures adds the
old, unbound one beside it (two `v1,` entries, as the spec allows); a receiver accepts the
unbound one only until its peer has shown it speaks bound (a bound signature received, or the
`igsync-signing: bound` answer header that every receiver of this version sends).

Replays are not refused here: the caller remembers accepted ids (see daemon.intake.codes).
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
TO_DAEMON = "wp->daemon"
TO_WORDPRESS = "daemon->wp"
SIGNING_HEADER = "igsync-signing"  # answered by a receiver that checks bound signatures
BOUND = "bound"


class SignatureError(Exception):
    """The request is not signed by the holder of the shared secret, or not recently."""


@dataclass(frozen=True)
class VerifiedMessage:
    webhook_id: str
    timestamp: int


@dataclass(frozen=True)
class Route:
    """What a signature is bound to: who sends, the method, the route's path (no query)."""

    direction: str
    method: str
    path: str

    def label(self) -> bytes:
        return f"igsync-route v1 {self.direction} {self.method.upper()} {self.path}".encode()


def to_daemon(method: str, path: str) -> Route:
    return Route(TO_DAEMON, method, path)


def to_wordpress(method: str, path: str) -> Route:
    return Route(TO_WORDPRESS, method, path)


class Signer:
    """Signs and verifies with one shared secret (`whsec_` + base64 key). `peer_bound` is what
    it has learned of its peer: whether the other side speaks bound signatures."""

    def __init__(self, secret: str) -> None:
        self._key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
        if not self._key:
            raise ValueError("the webhook secret is empty")
        self.peer_bound = False

    def _route_key(self, route: Route | None) -> bytes:
        if route is None:
            return self._key
        return hmac.new(self._key, route.label(), hashlib.sha256).digest()

    def signature(
        self, webhook_id: str, timestamp: int, body: bytes, route: Route | None = None
    ) -> str:
        """The `v1,` signature, bound to `route` (None: the unbound one of earlier versions)."""
        signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
        digest = hmac.new(self._route_key(route), signed, hashlib.sha256).digest()
        return "v1," + base64.b64encode(digest).decode("ascii")

    def headers(
        self,
        body: bytes,
        route: Route | None = None,
        *,
        webhook_id: str | None = None,
        now: float | None = None,
    ) -> dict[str, str]:
        """The three headers for a new message (a fresh id unless one is given): bound to
        `route`, with the unbound signature beside it until the peer is known to speak bound."""
        webhook_id = webhook_id or new_webhook_id()
        timestamp = int(time.time() if now is None else now)
        signature = self.signature(webhook_id, timestamp, body, route)
        if route is not None and not self.peer_bound:
            signature += " " + self.signature(webhook_id, timestamp, body)
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }

    def learn(self, answer_headers: Mapping[str, str]) -> None:
        """A receiver's answer that says it checks bound signatures: send only those from now."""
        if answer_headers.get(SIGNING_HEADER) == BOUND:
            self.peer_bound = True

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        route: Route | None = None,
        *,
        now: float | None = None,
        tolerance: int = TOLERANCE_SECONDS,
    ) -> VerifiedMessage:
        """The message's id and timestamp if the signature holds (bound to `route`; the unbound
        one only while the peer has not shown it speaks bound); SignatureError otherwise."""
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
        expected = {self._digest_of(self.signature(webhook_id, timestamp, body, route)): True}
        if route is not None and not self.peer_bound:
            expected[self._digest_of(self.signature(webhook_id, timestamp, body))] = False
        for entry in raw_signatures.split():
            version, _, encoded = entry.partition(",")
            if version != "v1":
                continue
            try:
                candidate = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                continue
            for digest, bound in expected.items():
                if hmac.compare_digest(candidate, digest):
                    if bound and route is not None:
                        self.peer_bound = True
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
