"""When each customer's profile is synced again: due times spread with jitter, and the sync
row started, restarted or paused with the connection. Kept apart from the syncer so the
connection and the code pipeline can schedule without depending on it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from daemon.models import ProfileSync
from daemon.statuses import SyncStatus

JITTER = 0.1  # each sync falls due within ±10% of the interval


def next_sync_due(
    now: datetime,
    interval: timedelta,
    rng: random.Random | None = None,
    *,
    was_due: datetime | None = None,
) -> datetime:
    """The interval after the time the sync was due (its place in the day), give or take
    JITTER of it, and never in the past: syncs that ran late together (the daemon was down)
    go back to their own places instead of staying bunched up."""
    due = (was_due or now) + interval * (rng or random).uniform(1 - JITTER, 1 + JITTER)
    if due <= now:
        due += interval * ((now - due) // interval + 1)
    return due


def first_sync_due(
    now: datetime, interval: timedelta, *, rng: random.Random | None = None
) -> datetime:
    """A new connection's first re-sync: anywhere in the interval (customers who connect
    together, or arrive with an upgrade, are spread over all of it)."""
    return now + interval * (rng or random).uniform(JITTER, 1)


def schedule_sync(session: Session, customer_id: int, due: datetime) -> None:
    """A customer connected (or connected again): its syncs (re)start, the first at `due`."""
    sync = _sync_of(session, customer_id) or ProfileSync(
        customer_id=customer_id, next_attempt_at=due
    )
    sync.status, sync.next_attempt_at, sync.attempts, sync.last_error = (
        SyncStatus.ACTIVE,
        due,
        0,
        None,
    )
    session.add(sync)


def pause_sync(session: Session, customer_id: int) -> None:
    """The connection is not live any more: nothing to sync until it is again."""
    sync = _sync_of(session, customer_id)
    if sync is not None:
        sync.status = SyncStatus.PAUSED
        session.add(sync)


def _sync_of(session: Session, customer_id: int) -> ProfileSync | None:
    return session.execute(
        select(ProfileSync).where(col(ProfileSync.customer_id) == customer_id)
    ).scalar()
