"""Follower counts over time: a row each time a customer's count changed, pruned after
FOLLOWER_HISTORY, so growth over a period can be told (`customers show`, the lead's trend)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from daemon.clock import to_utc
from daemon.customers.trends import TREND_PERIOD, Growth, growth_from
from daemon.store.models import FollowerCount

FOLLOWER_HISTORY = timedelta(days=90)


def record_followers(session: Session, customer_id: int, count: int | None, now: datetime) -> bool:
    """Add the count to the history if it differs from the last one recorded; whether it did."""
    if count is None:
        return False
    last = session.execute(
        select(col(FollowerCount.followers_count))
        .where(col(FollowerCount.customer_id) == customer_id)
        .order_by(col(FollowerCount.counted_at).desc(), col(FollowerCount.id).desc())
        .limit(1)
    ).scalar()
    if last == count:
        return False
    session.add(FollowerCount(customer_id=customer_id, counted_at=now, followers_count=count))
    return True


def growth(
    session: Session, customer_id: int, now: datetime, period: timedelta = TREND_PERIOD
) -> Growth | None:
    """The customer's follower change over `period` (see `growth_from`)."""
    return growths(session, [customer_id], now, period).get(customer_id)


def growths(
    session: Session, customer_ids: Sequence[int], now: datetime, period: timedelta = TREND_PERIOD
) -> dict[int, Growth]:
    """The follower change over `period` of each customer that has a count, in one query."""
    rows = session.execute(
        select(
            col(FollowerCount.customer_id),
            col(FollowerCount.counted_at),
            col(FollowerCount.followers_count),
        )
        .where(col(FollowerCount.customer_id).in_(customer_ids))
        .order_by(col(FollowerCount.customer_id), col(FollowerCount.counted_at))
    ).all()
    history: dict[int, list[tuple[datetime, int]]] = {}
    for customer_id, counted_at, count in rows:
        history.setdefault(customer_id, []).append((to_utc(counted_at), count))
    return {
        customer_id: trend
        for customer_id, counts in history.items()
        if (trend := growth_from(counts, now, period)) is not None
    }


def prune_follower_history(session: Session, now: datetime) -> int:
    """Forget counts older than FOLLOWER_HISTORY, keeping for each customer the one in force at
    the cutoff (the base any later growth is measured from). How many rows went."""
    cutoff = now - FOLLOWER_HISTORY
    newer = aliased(FollowerCount)
    superseded = exists().where(
        and_(
            col(newer.customer_id) == col(FollowerCount.customer_id),
            col(newer.counted_at) > col(FollowerCount.counted_at),
            col(newer.counted_at) <= cutoff,
        )
    )
    result = session.execute(
        delete(FollowerCount).where(col(FollowerCount.counted_at) < cutoff, superseded)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def forget_followers(session: Session, customer_id: int | None) -> None:
    """An erasure: the history goes with the customer."""
    session.execute(delete(FollowerCount).where(col(FollowerCount.customer_id) == customer_id))
