"""Claiming rows of a work table with a lease, so that each row is worked by one worker at a time.

A claim is one UPDATE ... WHERE <due and unleased> ... RETURNING id statement: atomic on SQLite
(one writer) and on PostgreSQL (the candidate subquery takes row locks with SKIP LOCKED, so
concurrent daemons pick disjoint rows). A worker that dies holds its rows only until the lease
expires; `release` and `finish` check the owner, so a worker whose lease ran out cannot
overwrite the work of the one that took over.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlmodel import Session

from daemon.models import Leased, core_table

DEFAULT_LEASE = timedelta(minutes=2)


def worker_name() -> str:
    """host:pid:random, unique per process, readable in `igsync status` and the tables."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _unleased(model: type[Leased], now: datetime) -> ColumnElement[bool]:
    columns = core_table(model).c
    return or_(columns.lease_expires_at.is_(None), columns.lease_expires_at < now)


def claim_due(
    session: Session,
    model: type[Leased],
    *,
    statuses: Iterable[str],
    now: datetime,
    owner: str,
    limit: int,
    lease: timedelta = DEFAULT_LEASE,
    extra: Iterable[ColumnElement[bool]] = (),
) -> list[int]:
    """Lease up to `limit` due rows (oldest next_attempt_at first); the ids actually claimed."""
    table = core_table(model)
    candidates = (
        select(table.c.id)
        .where(
            table.c.status.in_(list(statuses)),
            table.c.next_attempt_at <= now,
            _unleased(model, now),
            *extra,
        )
        .order_by(table.c.next_attempt_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id.in_(candidates.scalar_subquery()), _unleased(model, now))
        .values(lease_owner=owner, lease_expires_at=now + lease)
        .returning(table.c.id)
    )
    return list(session.execute(statement).scalars())


def claim_one(
    session: Session,
    model: type[Leased],
    row_id: int,
    *,
    statuses: Iterable[str],
    now: datetime,
    owner: str,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """Lease one row if it is in one of `statuses` and nobody holds it (due or not)."""
    table = core_table(model)
    statement = (
        update(table)
        .where(table.c.id == row_id, table.c.status.in_(list(statuses)), _unleased(model, now))
        .values(lease_owner=owner, lease_expires_at=now + lease)
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None


def finish(session: Session, model: type[Leased], row_id: int, owner: str, **values: Any) -> bool:
    """Write `values` and drop the lease, if `owner` still holds it; False if it was lost."""
    return _update_owned(
        session, model, row_id, owner, lease_owner=None, lease_expires_at=None, **values
    )


def extend(session: Session, model: type[Leased], row_id: int, owner: str, **values: Any) -> bool:
    """Write `values` keeping the lease (a step done, more to come); False if it was lost."""
    return _update_owned(session, model, row_id, owner, **values)


def _update_owned(
    session: Session, model: type[Leased], row_id: int, owner: str, **values: Any
) -> bool:
    statement = _owned_update(core_table(model), tuple(sorted(values)))
    params = {f"new_{name}": value for name, value in values.items()}
    found = session.connection().execute(statement, {"row_id": row_id, "owner": owner, **params})
    return found.first() is not None


@functools.cache
def _owned_update(table: Any, columns: tuple[str, ...]) -> Any:
    """UPDATE ... WHERE id = :row_id AND lease_owner = :owner, built once per table and set of
    columns: workers write these for every step of every job, and a statement built anew each
    time is compiled anew (or at least keyed for SQLAlchemy's cache) each time."""
    return (
        update(table)
        .where(and_(table.c.id == bindparam("row_id"), table.c.lease_owner == bindparam("owner")))
        .values({name: bindparam(f"new_{name}") for name in columns})
        .returning(table.c.id)
    )


def release_owned(session: Session, model: type[Leased], owner: str) -> int:
    """Drop every lease `owner` holds (a clean shutdown), so another worker may start at once."""
    table = core_table(model)
    result = session.execute(
        update(table)
        .where(table.c.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_dead_local_owners(session: Session, model: type[Leased]) -> int:
    """Drop leases held by processes of this host that no longer exist (a crash, kill -9):
    a restarted daemon resumes their work at once instead of waiting for the leases to expire.
    Owners on other hosts, and live ones, keep their leases (a reused pid looks alive: safe)."""
    table = core_table(model)
    prefix = f"{socket.gethostname()}:"
    owners = session.execute(
        select(table.c.lease_owner).where(table.c.lease_owner.like(prefix + "%")).distinct()
    ).scalars()
    dead = [owner for owner in owners if not _process_alive(owner.split(":")[1])]
    if not dead:
        return 0
    result = session.execute(
        update(table)
        .where(table.c.lease_owner.in_(dead))
        .values(lease_owner=None, lease_expires_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _process_alive(pid: str) -> bool:
    if not (pid.isascii() and pid.isdigit()):
        return True  # not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
