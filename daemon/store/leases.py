"""Claiming rows of a work table with a lease, so that each row is worked by one worker at a time.

A claim is one UPDATE ... WHERE <due and unleased> ... RETURNING id statement: atomic on SQLite
(one writer) and on PostgreSQL (the candidate subquery takes row locks with SKIP LOCKED, so
concurrent daemons pick disjoint rows). A worker that dies holds its rows only until the lease
expires; `release` and `finish` check the owner, so a worker whose lease ran out cannot
overwrite the work of the one that took over.

Every worker claims through one `WorkTable` (which rows of which table a claim may take) and
derives from `LeasedWorker` (who holds the rows, for how long, by which clock): what differs
between workers is only their own rule (a delivery waits for its customer's older ones, a token
is due in its refresh window, a sync within the API budget) and their `run_claimed`.
"""

from __future__ import annotations

import functools
import os
import random
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, NotRequired, TypedDict, Unpack

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlmodel import Session

from daemon.clock import Clock, utcnow
from daemon.store.database import Store
from daemon.store.models import Leased, core_table

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
        .order_by(table.c.next_attempt_at, table.c.id)  # a replay's rows, due at once: in order
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


@dataclass(frozen=True)
class WorkTable:
    """A table of leased work and which of its rows a claim may take: one of `statuses`, due,
    unleased, and every one of `in_line` (a rule of the table's own, such as "no older lead of
    the same customer is waiting")."""

    model: type[Leased]
    statuses: tuple[str, ...]
    in_line: tuple[ColumnElement[bool], ...] = ()

    def claim_due(
        self,
        session: Session,
        *,
        now: datetime,
        owner: str,
        lease: timedelta,
        limit: int,
        extra: Iterable[ColumnElement[bool]] = (),
    ) -> list[int]:
        return claim_due(
            session,
            self.model,
            statuses=self.statuses,
            now=now,
            owner=owner,
            lease=lease,
            limit=limit,
            extra=(*self.in_line, *extra),
        )

    def claim_one(
        self, session: Session, row_id: int, *, now: datetime, owner: str, lease: timedelta
    ) -> bool:
        """Lease this row whether or not it is due (the CLI's "this one, now")."""
        return claim_one(
            session, self.model, row_id, statuses=self.statuses, now=now, owner=owner, lease=lease
        )


class Holder(TypedDict):
    """Who holds a worker's rows, for how long, by which clock: the same for every worker of
    one daemon, whose stop hands back what `owner` holds (each defaults for the CLI and tests:
    a new owner name, DEFAULT_LEASE, the real clock)."""

    owner: NotRequired[str]
    lease: NotRequired[timedelta]
    clock: NotRequired[Clock]


class LeasedWorker:
    """The part every worker of a work table shares (procrastinate's JobManager, rq's Queue):
    claiming due rows for the worker pool, and `process` for one row named by the CLI or a test.
    A subclass names its `work` table and adds `run_claimed`; `due_now` adds a time-dependent
    rule, `process_waits` whether a named row must be due (a delivery, an erasure) or may be
    taken early (a code, which the shopper is waiting for)."""

    work: ClassVar[WorkTable]
    process_waits: ClassVar[bool] = True

    def __init__(
        self, store: Store, *, rng: random.Random | None = None, **held: Unpack[Holder]
    ) -> None:
        self.store = store
        self.owner = held.get("owner") or worker_name()
        self.lease = held.get("lease", DEFAULT_LEASE)
        self.clock = held.get("clock", utcnow)
        self.rng = rng  # the backoff's jitter (a seeded one in tests)

    def due_now(self, now: datetime) -> Iterable[ColumnElement[bool]]:
        """Conditions of this worker's own that depend on the time of the claim."""
        return ()

    def claim_due(self, limit: int) -> list[int]:
        now = self.clock()
        with self.store.write() as session:
            return self.work.claim_due(
                session,
                now=now,
                owner=self.owner,
                lease=self.lease,
                limit=limit,
                extra=self.due_now(now),
            )

    def process(self, row_id: int) -> str | None:
        """Claim this row and work it; its status afterwards, or None when it was not ours to
        take (held by another worker, not due, or finished)."""
        now = self.clock()
        with self.store.write() as session:
            if self.process_waits:
                table = core_table(self.work.model)
                claimed = bool(
                    self.work.claim_due(
                        session,
                        now=now,
                        owner=self.owner,
                        lease=self.lease,
                        limit=1,
                        extra=(table.c.id == row_id, *self.due_now(now)),
                    )
                )
            else:
                claimed = self.work.claim_one(
                    session, row_id, now=now, owner=self.owner, lease=self.lease
                )
        return self.run_claimed(row_id) if claimed else None

    def run_claimed(self, row_id: int) -> str | None:
        """Work a row this worker holds; its status afterwards, or None if the lease was lost."""
        raise NotImplementedError


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
