"""Meta's signed_request: how Meta signs its deauthorize and data-deletion callbacks.

`signed_request` is `<signature>.<payload>`, both base64url without padding; the payload is
JSON `{"algorithm": "HMAC-SHA256", "issued_at": <unix>, "user_id": "<app-scoped id>"}` and the
signature is HMAC-SHA256 of the encoded payload under the app secret. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wp_bridge import strict_json

ALGORITHM = "HMAC-SHA256"
# Meta's payload is one flat object; anything deeper is not Meta's.
SIGNED_REQUEST_MAX_DEPTH = 2
MAX_LENGTH = 8192
MAX_AGE = timedelta(days=1)  # Meta calls at once; an old request is a replay, not a retry
MAX_SKEW = timedelta(minutes=5)
SHAPE = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
_SHAPE = re.compile(SHAPE)


class BadSignedRequest(ValueError):
    """A signed_request that is malformed; the reason is safe to show (it never quotes it)."""

    status = 400


class ForgedSignedRequest(BadSignedRequest):
    """Well formed, but not signed with our app secret, or out of date."""

    status = 403


@dataclass(frozen=True)
class SignedRequest:
    user_id: str
    issued_at: datetime
    digest: str  # sha256 of the signature: names this very request, to act on it once

    @property
    def expires_at(self) -> datetime:
        """When the request stops being accepted (and need no longer be remembered)."""
        return self.issued_at + MAX_AGE


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def parse_signed_request(value: str, app_secret: str, *, now: datetime) -> SignedRequest:
    """The verified payload, or BadSignedRequest saying what is wrong."""
    if not value or len(value) > MAX_LENGTH or not _SHAPE.match(value):
        raise BadSignedRequest("signed_request is not <signature>.<payload> in base64url")
    encoded_signature, encoded_payload = value.split(".", 1)
    # Verify before parsing: nothing of an unsigned payload is ever decoded.
    expected = hmac.new(app_secret.encode(), encoded_payload.encode(), hashlib.sha256).digest()
    try:
        signature = _b64decode(encoded_signature)
    except (binascii.Error, ValueError):
        signature = b""
    # Only the canonical spelling: base64's last character carries unused bits, so other
    # spellings of the same signature would pass as distinct requests.
    canonical = _b64encode(signature) == encoded_signature.rstrip("=")
    if not canonical or not hmac.compare_digest(signature, expected):
        raise ForgedSignedRequest("signed_request signature does not match the app secret")
    try:
        payload = strict_json.loads(_b64decode(encoded_payload), max_depth=SIGNED_REQUEST_MAX_DEPTH)
    except (binascii.Error, ValueError):
        raise BadSignedRequest("signed_request does not decode to flat JSON") from None
    if not isinstance(payload, dict):
        raise BadSignedRequest("signed_request payload is not a JSON object")
    if str(payload.get("algorithm", "")).upper() != ALGORITHM:
        raise BadSignedRequest("signed_request algorithm is not HMAC-SHA256")
    user_id, issued_at = payload.get("user_id"), payload.get("issued_at")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not re.fullmatch(r"[0-9]{1,64}", user_id):
        raise BadSignedRequest("signed_request has no numeric user_id")
    if not isinstance(issued_at, int) or isinstance(issued_at, bool):
        raise BadSignedRequest("signed_request has no issued_at")
    try:
        issued = datetime.fromtimestamp(issued_at, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadSignedRequest("signed_request issued_at is out of range") from None
    if issued > now + MAX_SKEW or now - issued > MAX_AGE:
        raise ForgedSignedRequest("signed_request is too old or from the future")
    return SignedRequest(
        user_id=user_id, issued_at=issued, digest=hashlib.sha256(signature).hexdigest()
    )


def build_signed_request(
    user_id: str, app_secret: str, *, issued_at: datetime, self_test: bool = False
) -> str:
    """What Meta sends (used by the sandbox, the tests and `igsync review-kit`'s self-test,
    which marks its own so the plugin does not count it as Meta's)."""
    payload: dict[str, object] = {
        "algorithm": ALGORITHM,
        "issued_at": int(issued_at.timestamp()),
        "user_id": user_id,
    }
    if self_test:
        payload["igsync_self_test"] = True
    encoded_payload = _b64encode(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(app_secret.encode(), encoded_payload.encode(), hashlib.sha256).digest()
    return f"{_b64encode(signature)}.{encoded_payload}"
