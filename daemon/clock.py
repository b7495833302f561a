"""Time in one convention: timezone-aware UTC datetimes (what SQLModel stores and returns)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """A datetime from the outside in UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def isoformat_utc(moment: datetime) -> str:
    """ISO 8601 with a Z, to the second, for JSON, CSV and tables."""
    return to_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")
