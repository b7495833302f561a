"""Follower growth over a period, from a customer's history of counts (pure: the history is
read by daemon.customers.followers for the daemon and by daemon.cli.views for the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

TREND_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class Growth:
    change: int  # followers gained (negative: lost)
    days: int  # over how many days: TREND_PERIOD, or less for a newer customer


def growth_from(
    counts: Sequence[tuple[datetime, int]], now: datetime, period: timedelta = TREND_PERIOD
) -> Growth | None:
    """From counts oldest first: the newest minus the one in force when the period began (the
    last recorded before it, else the first, for a customer newer than the period)."""
    if not counts:
        return None
    start = now - period
    before = [count for count in counts if count[0] <= start]
    base_at, base = before[-1] if before else counts[0]
    since = max(start, base_at)
    return Growth(
        change=counts[-1][1] - base, days=max(0, round((now - since) / timedelta(days=1)))
    )
