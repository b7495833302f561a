"""Keeping secrets out of output: a string type that hides itself, and masking for display."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable


class Secret:
    """A secret value whose repr and str never show it; `.reveal()` is the one way in."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def mask(value: str | None) -> str:
    """A token for display: enough to tell two apart, never enough to use one."""
    if not value:
        return "-"
    if len(value) <= 12:
        return "*" * 8
    return f"{value[:4]}…{value[-4:]}"


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every occurrence of the given secrets replaced, for error messages."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


_QUERY_SECRET = re.compile(r"((?:access_token|client_secret|code)=)[^&\s\"']+")


class QuerySecretFilter(logging.Filter):
    """Redacts secret query parameters in records of loggers that print URLs (urllib3 does, at
    DEBUG; Meta's token endpoints take access_token and client_secret in the query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _QUERY_SECRET.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
