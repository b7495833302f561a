"""Read-side queries through the ORM: status counts, recent deliveries, the refresh window.
(Customers as the CLI shows them are read without it: daemon.cli.views.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from daemon.clock import isoformat_utc
from daemon.store.models import Customer, Delivery, ProfileSync, ReceivedCode, Token
from daemon.store.statuses import (
    ACTIVE_CODE_STATUSES,
    BUDGET_WAIT,
    TERMINAL_CODE_STATUSES,
    ConnectionStatus,
    DeliveryStatus,
    SyncStatus,
    TokenStatus,
)

MIN_TOKEN_AGE = timedelta(hours=24)
BUDGET_WAITS_SHOWN = 10  # accounts named by igsync status as waiting for the budget


def due_conditions(now: datetime, window: timedelta) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Token.expires_at) <= now + window,
        col(Token.expires_at) > now,
        col(Token.obtained_at) <= now - MIN_TOKEN_AGE,
    )


def count_customers(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())


@dataclass(frozen=True)
class StatusCounts:
    codes: dict[str, int]
    customers: int
    tokens: dict[str, int]
    tokens_due: int
    deliveries: dict[str, int]
    connections: dict[str, int] = field(default_factory=dict)  # customers by connection status
    profile_syncs: dict[str, int] = field(default_factory=dict)  # active, paused
    syncs_due: int = 0  # due now: more than a few means the syncer is behind
    next_sync_at: datetime | None = None
    # Accounts whose sync waits for Instagram's API budget: (username, until), latest first.
    budget_waits: list[tuple[str, datetime]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "codes": self.codes,
            "customers": self.customers,
            "connections": self.connections,
            "tokens": self.tokens,
            "tokens_due_for_refresh": self.tokens_due,
            "deliveries": self.deliveries,
            "profile_syncs": self.profile_syncs,
            "profile_syncs_due": self.syncs_due,
            "next_profile_sync_at": isoformat_utc(self.next_sync_at) if self.next_sync_at else None,
            "waiting_for_instagram_budget": [
                {"username": username, "until": isoformat_utc(until)}
                for username, until in self.budget_waits
            ],
        }


def status_counts(session: Session, *, now: datetime, refresh_window: timedelta) -> StatusCounts:
    def grouped(model: Any, statuses: Sequence[str]) -> dict[str, int]:
        found = dict(
            session.execute(select(model.status, func.count()).group_by(model.status)).all()
        )
        return {status: int(found.get(status, 0)) for status in statuses}

    tokens_due = session.execute(
        select(func.count())
        .select_from(Token)
        .where(col(Token.status) == TokenStatus.ACTIVE, *due_conditions(now, refresh_window))
    ).scalar_one()
    active_syncs = (
        select(func.count(), func.min(col(ProfileSync.next_attempt_at)))
        .select_from(ProfileSync)
        .where(col(ProfileSync.status) == SyncStatus.ACTIVE)
    )
    syncs_due, _ = session.execute(
        active_syncs.where(col(ProfileSync.next_attempt_at) <= now)
    ).one()
    _, next_sync_at = session.execute(active_syncs).one()
    budget_waits = session.execute(
        select(col(Customer.username), col(ProfileSync.next_attempt_at))
        .join(Customer, col(Customer.id) == col(ProfileSync.customer_id))
        .where(
            col(ProfileSync.status) == SyncStatus.ACTIVE,
            col(ProfileSync.last_error) == BUDGET_WAIT,
            col(ProfileSync.next_attempt_at) > now,
        )
        .order_by(col(ProfileSync.next_attempt_at).desc())
        .limit(BUDGET_WAITS_SHOWN)
    ).all()
    return StatusCounts(
        codes=grouped(
            ReceivedCode,
            [*ACTIVE_CODE_STATUSES, *sorted(TERMINAL_CODE_STATUSES)],
        ),
        customers=count_customers(session),
        tokens=grouped(Token, list(TokenStatus)),
        tokens_due=int(tokens_due),
        deliveries=grouped(Delivery, list(DeliveryStatus)),
        connections=grouped(Customer, list(ConnectionStatus)),
        profile_syncs=grouped(ProfileSync, list(SyncStatus)),
        syncs_due=int(syncs_due),
        next_sync_at=next_sync_at,
        budget_waits=[(str(username), until) for username, until in budget_waits],
    )


def list_deliveries(
    session: Session, *, status: str | None, limit: int
) -> list[tuple[Delivery, str]]:
    """Deliveries (newest first) with their customer's username."""
    statement = select(Delivery, col(Customer.username)).join(
        Customer, col(Customer.id) == col(Delivery.customer_id)
    )
    if status:
        statement = statement.where(col(Delivery.status) == status)
    rows = session.execute(statement.order_by(col(Delivery.id).desc()).limit(limit)).all()
    return [(row[0], row[1]) for row in rows]
