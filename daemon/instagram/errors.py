"""Instagram's error payloads as typed errors that say whether retrying can help.

Two payload shapes exist. The OAuth endpoint answers
  {"error_type": "OAuthException", "code": 400, "error_message": "..."}
and the Graph endpoints answer
  {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
`parse_error` maps either (plus the HTTP status and headers) to one of the classes below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from daemon.instagram.usage import read_usage

# 4 app, 17 user, 32 page, 613 custom; 800xx are the Business Use Case limits (80002: Instagram).
RATE_LIMIT_MIN_WAIT_SECONDS = 60.0
RATE_LIMIT_CODES = frozenset(
    {4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008, 80009, 80014}
)
TRANSIENT_GRAPH_CODES = frozenset({1, 2})  # "unknown error", "service temporarily unavailable"
INVALID_TOKEN_CODE = 190
INVALID_PARAMETER_CODE = 100
# Graph's answer to a field the version does not serve (one Meta retired, or never had):
# "(#100) Tried accessing nonexisting field (profile_views) on node type (IGUser)".
NONEXISTING_FIELD = re.compile(r"nonexisting field \(([A-Za-z0-9_]{1,64})\)")


class InstagramError(Exception):
    """Base class. `retryable` tells the caller whether the same call may succeed later."""

    retryable = False
    kind = "instagram_error"
    # Whether Instagram may have acted on the request although no usable answer came back (a
    # read timeout, a connection dropped after sending, an unreadable 2xx). An exchange that
    # may have been acted on has spent its code: sending it again would be refused, and OAuth
    # lets a server revoke every token issued from a code presented twice.
    maybe_processed = False

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        subcode: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.subcode = subcode
        self.retry_after = retry_after

    def describe(self) -> str:
        """One line for logs and the CLI: kind, status and Instagram's message (no secrets)."""
        status = f" HTTP {self.http_status}" if self.http_status else ""
        code = f" code {self.code}" if self.code is not None else ""
        return f"{self.kind}{status}{code}: {self.message}"


class CodeRejected(InstagramError):
    """The authorization code is unknown, expired or already used: never retry."""

    kind = "code_rejected"


class ClientRejected(InstagramError):
    """The app id, secret or redirect_uri is wrong: a configuration error, never retried."""

    kind = "client_rejected"


class TokenInvalid(InstagramError):
    """Code 190: the token is invalid or expired; the customer must connect again."""

    kind = "token_invalid"


class RequestRejected(InstagramError):
    """Any other refusal (bad parameter, missing permission): retrying the same call won't help."""

    kind = "request_rejected"


class RateLimited(InstagramError):
    """Codes 4, 17, 32, 613, 800xx or HTTP 429: retry later, never before `retry_after`, which
    is Instagram's Retry-After when it sends one and otherwise at least a minute (a limit is
    counted over an hour: an early retry only spends the budget again)."""

    retryable = True
    kind = "rate_limited"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        if self.retry_after is None:
            self.retry_after = RATE_LIMIT_MIN_WAIT_SECONDS


class UpstreamUnavailable(InstagramError):
    """5xx, a timeout, a dropped connection or an unreadable answer: retry with backoff."""

    retryable = True
    kind = "upstream_unavailable"


def refused_field(error: InstagramError, asked: tuple[str, ...]) -> str | None:
    """The field of `asked` a Graph refusal names as not served by this version, or None."""
    if error.code != INVALID_PARAMETER_CODE:
        return None
    match = NONEXISTING_FIELD.search(error.message)
    return match.group(1) if match and match.group(1) in asked else None


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> InstagramError:
    """The typed error for a non-2xx answer from Instagram."""
    payload = _json_object(body)
    retry_after = _retry_after(headers)
    if "error" in payload and isinstance(payload["error"], dict):
        return _graph_error(status, payload["error"], retry_after)
    if "error_message" in payload or "error_type" in payload:
        return _oauth_error(status, payload, retry_after)
    if status == 429:
        return RateLimited("too many requests", http_status=status, retry_after=retry_after)
    if status >= 500:
        return UpstreamUnavailable("Instagram answered a server error", http_status=status)
    return RequestRejected("Instagram refused the request", http_status=status)


def _graph_error(
    status: int, error: dict[str, object], retry_after: float | None
) -> InstagramError:
    code = _int_or_none(error.get("code"))
    subcode = _int_or_none(error.get("error_subcode"))
    message = str(error.get("message") or "no message")
    details = {"http_status": status, "code": code, "subcode": subcode}
    if code in RATE_LIMIT_CODES or status == 429:
        return RateLimited(message, retry_after=retry_after, **details)
    if code == INVALID_TOKEN_CODE:
        return TokenInvalid(message, **details)
    if _mentions_client(message):  # Meta sends "Error validating client secret." with code 1
        return ClientRejected(message, **details)
    if code in TRANSIENT_GRAPH_CODES or status >= 500:
        return UpstreamUnavailable(message, **details)
    return RequestRejected(message, **details)


def _oauth_error(
    status: int, payload: dict[str, object], retry_after: float | None
) -> InstagramError:
    code = _int_or_none(payload.get("code"))
    message = str(payload.get("error_message") or payload.get("error_type") or "no message")
    details = {"http_status": status, "code": code}
    if status == 429 or code in RATE_LIMIT_CODES:
        return RateLimited(message, retry_after=retry_after, **details)
    if status >= 500:
        return UpstreamUnavailable(message, **details)
    lowered = message.lower()
    if _mentions_client(message) or "redirect_uri" in lowered:
        return ClientRejected(message, **details)
    if "code" in lowered:
        return CodeRejected(message, **details)
    return RequestRejected(message, **details)


def _mentions_client(message: str) -> bool:
    lowered = message.lower()
    return any(
        word in lowered
        for word in ("client secret", "client_secret", "client_id", "platform app", "app id")
    )


def _json_object(body: bytes) -> dict[str, object]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait: Retry-After if given, else what the usage headers announce when they
    show a budget spent (at least a minute)."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    if value and value.isascii() and value.isdigit():
        return float(value)
    usage = read_usage(headers)
    if usage.exhausted:
        return max(RATE_LIMIT_MIN_WAIT_SECONDS, usage.regain_seconds)
    return None
