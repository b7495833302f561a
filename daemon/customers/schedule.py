"""When each customer's profile is synced again: due times spread with jitter, and the sync
row started, restarted or paused with the connection. Kept apart from the syncer so the
connection and the code pipeline can schedule without depending on it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from daemon.clock import to_utc
from daemon.store.models import ProfileSync
from daemon.store.statuses import SyncStatus

JITTER = 0.1  # each sync falls due within ±10% of the interval
# Syncs overdue by more than this when a daemon starts were missed while no daemon ran: they
# go back to their places instead of all running at once.
OVERDUE_GRACE = timedelta(minutes=5)


def next_sync_due(
    now: datetime,
    interval: timedelta,
    rng: random.Random | None = None,
    *,
    was_due: datetime | None = None,
) -> datetime:
    """The interval after the time the sync was due (its place in the day), give or take
    JITTER of it, and never sooner than the interval less the jitter after this run: a run
    late enough that its next place would come within the interval is due again at the
    interval less the jitter at the soonest, spread over twice the jitter (syncs missed while no
    daemon ran do not get here: respread_overdue moves them to their places at start)."""
    uniform = (rng or random).uniform
    due = (was_due or now) + interval * uniform(1 - JITTER, 1 + JITTER)
    soonest = now + interval * (1 - JITTER)
    if due < soonest:  # ran too late for its next place: the soonest allowed, spread by jitter
        due = soonest + interval * uniform(0, 2 * JITTER)
    return due


def next_place(was_due: datetime, now: datetime, interval: timedelta) -> datetime:
    """The first time after `now` that is a whole number of intervals after `was_due`."""
    return was_due + interval * ((now - was_due) // interval + 1)


def respread_overdue(session: Session, now: datetime, interval: timedelta) -> int:
    """At a daemon's start: the syncs that fell due while no daemon ran (by more than
    OVERDUE_GRACE) go to their next place in the interval without running first, so that a
    restart after downtime does not fetch every customer at once. How many moved."""
    overdue = session.execute(
        select(ProfileSync).where(
            col(ProfileSync.status) == SyncStatus.ACTIVE,
            col(ProfileSync.lease_owner).is_(None),
            col(ProfileSync.next_attempt_at) < now - OVERDUE_GRACE,
        )
    ).scalars()
    moved = 0
    for sync in overdue:
        sync.next_attempt_at = next_place(to_utc(sync.next_attempt_at), now, interval)
        session.add(sync)
        moved += 1
    return moved


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


def make_all_due(session: Session, now: datetime) -> int:
    """`igsync customers sync --all`: every live connection's sync due now (the syncer keeps to
    Instagram's API budget as it works through them). How many."""
    active = col(ProfileSync.status) == SyncStatus.ACTIVE
    session.execute(
        update(ProfileSync)
        .where(active, col(ProfileSync.next_attempt_at) > now)
        .values(next_attempt_at=now)
    )
    return int(
        session.execute(select(func.count()).select_from(ProfileSync).where(active)).scalar_one()
    )
