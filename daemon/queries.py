"""Read-side queries for the CLI: customer views, search, streaming export, status counts.

Pages are fetched in three indexed queries (customers, then their tokens and latest lead by
customer id) instead of one wide join, so the first page costs the same with a million rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from daemon.clock import isoformat_utc, utcnow
from daemon.connection import CONNECTION_STATUSES
from daemon.crypto import CipherError, TokenCipher
from daemon.followers import Growth, growths
from daemon.models import (
    ACTIVE_CODE_STATUSES,
    TERMINAL_CODE_STATUSES,
    Customer,
    Delivery,
    DeliveryStatus,
    ProfileSync,
    ReceivedCode,
    SyncStatus,
    Token,
    TokenStatus,
)
from daemon.redact import mask

EXPORT_BATCH = 1000


MIN_TOKEN_AGE = timedelta(hours=24)


def due_conditions(now: datetime, window: timedelta) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Token.expires_at) <= now + window,
        col(Token.expires_at) > now,
        col(Token.obtained_at) <= now - MIN_TOKEN_AGE,
    )


@dataclass(frozen=True)
class CustomerView:
    customer: Customer
    token: Token | None
    token_masked: str
    lead_status: str | None
    lead_error: str | None
    growth: Growth | None = None  # followers gained over the last TREND_PERIOD
    next_sync_at: datetime | None = None  # None: no sync scheduled (paused)

    def as_dict(self) -> dict[str, Any]:
        c, t = self.customer, self.token
        return {
            "id": c.id,
            "ig_user_id": c.ig_user_id,
            "username": c.username,
            "name": c.name,
            "account_type": c.account_type,
            "api": c.api_flavour,
            "email": c.email,
            "wp_user_id": c.wp_user_id,
            "source": c.source,
            "status": c.status,
            "version": c.version,
            "followers_count": c.followers_count,
            "followers_change": self.growth.change if self.growth else None,
            "followers_change_days": self.growth.days if self.growth else None,
            "follows_count": c.follows_count,
            "media_count": c.media_count,
            "engagement_rate": c.engagement_rate,
            "profile_picture_url": c.profile_picture_url,
            "biography": c.biography,
            "website": c.website,
            "next_sync_at": isoformat_utc(self.next_sync_at) if self.next_sync_at else None,
            "token": self.token_masked,
            "token_status": t.status if t else None,
            "token_expires_at": isoformat_utc(t.expires_at) if t else None,
            "lead_status": self.lead_status,
            "lead_error": self.lead_error,
            "created_at": isoformat_utc(c.created_at),
            "updated_at": isoformat_utc(c.updated_at),
        }


EXPORT_FIELDS = (
    "id",
    "ig_user_id",
    "username",
    "name",
    "account_type",
    "api",
    "email",
    "wp_user_id",
    "source",
    "status",
    "followers_count",
    "followers_change",
    "followers_change_days",
    "follows_count",
    "media_count",
    "engagement_rate",
    "profile_picture_url",
    "biography",
    "website",
    "next_sync_at",
    "token_status",
    "token_expires_at",
    "lead_status",
    "created_at",
    "updated_at",
)


def _views(
    session: Session,
    cipher: TokenCipher | None,
    customers: Sequence[Customer],
    now: datetime | None = None,
) -> list[CustomerView]:
    ids = [c.id for c in customers if c.id is not None]
    if not ids:
        return []
    trends = growths(session, ids, now or utcnow())
    syncs = dict(
        session.execute(
            select(col(ProfileSync.customer_id), col(ProfileSync.next_attempt_at)).where(
                col(ProfileSync.customer_id).in_(ids),
                col(ProfileSync.status) == SyncStatus.ACTIVE,
            )
        ).all()
    )
    tokens = {
        t.customer_id: t
        for t in session.execute(select(Token).where(col(Token.customer_id).in_(ids))).scalars()
    }
    latest = (
        select(col(Delivery.customer_id), func.max(col(Delivery.id)).label("last_id"))
        .where(col(Delivery.customer_id).in_(ids))
        .group_by(col(Delivery.customer_id))
        .subquery()
    )
    leads = {
        d.customer_id: d
        for d in session.execute(
            select(Delivery).join(latest, col(Delivery.id) == latest.c.last_id)
        ).scalars()
    }
    views = []
    for customer in customers:
        token, lead = tokens.get(customer.id), leads.get(customer.id)
        views.append(
            CustomerView(
                customer,
                token,
                _masked(cipher, token),
                lead.status if lead else None,
                lead.last_error if lead else None,
                trends.get(customer.id) if customer.id is not None else None,
                syncs.get(customer.id),
            )
        )
    return views


def _masked(cipher: TokenCipher | None, token: Token | None) -> str:
    if token is None:
        return "-"
    if not token.access_token_ciphertext:
        return str(token.status)  # erased: revoked by a deauthorize, nothing to decrypt
    if cipher is None:
        return "(encrypted)"
    try:
        return mask(cipher.decrypt(token.access_token_ciphertext))
    except CipherError:
        return "(unreadable with the configured keys)"


SORT_ORDERS: dict[str, tuple[Any, ...]] = {
    "id": (col(Customer.id),),
    # Largest audience or engagement first (unknown last), newest connection first.
    "followers": (col(Customer.followers_count).desc().nulls_last(), col(Customer.id)),
    "engagement": (col(Customer.engagement_rate).desc().nulls_last(), col(Customer.id)),
    "connected": (col(Customer.created_at).desc(), col(Customer.id).desc()),
}


def list_customers(
    session: Session,
    cipher: TokenCipher | None,
    *,
    limit: int,
    offset: int = 0,
    status: str | None = None,
    sort: str = "id",
) -> list[CustomerView]:
    """A page of customers in `sort` order (SORT_ORDERS; oldest first by default); only those
    with this connection status if given."""
    query = select(Customer)
    if status is not None:
        query = query.where(col(Customer.status) == status)
    rows = (
        session.execute(query.order_by(*SORT_ORDERS[sort]).limit(limit).offset(offset))
        .scalars()
        .all()
    )
    return _views(session, cipher, rows)


def search_customers(
    session: Session, cipher: TokenCipher | None, text: str, *, limit: int
) -> list[CustomerView]:
    """Username prefix (walks the username index), or exact email when the text has an @."""
    text = text.strip()
    if "@" in text[1:]:  # an email address; a leading @ only marks a username
        where = func.lower(col(Customer.email)) == text.lower()
    else:
        prefix, username = text.lstrip("@").lower(), col(Customer.username)
        where = (username >= prefix) & (username < prefix + "\U0010ffff")
    rows = (
        session.execute(select(Customer).where(where).order_by(col(Customer.username)).limit(limit))
        .scalars()
        .all()
    )
    return _views(session, cipher, rows)


def find_customer(session: Session, cipher: TokenCipher | None, key: str) -> CustomerView | None:
    """By id, @username or Instagram user id."""
    key = key.strip()
    if key.isascii() and key.isdigit():
        customer = (
            session.get(Customer, int(key))
            or session.execute(select(Customer).where(col(Customer.ig_user_id) == key)).scalar()
        )
    else:
        customer = session.execute(
            select(Customer).where(col(Customer.username) == key.lstrip("@").lower())
        ).scalar()
    if customer is None:
        return None
    return _views(session, cipher, [customer])[0]


def iter_customers(
    session: Session, cipher: TokenCipher | None = None, *, batch: int = EXPORT_BATCH
) -> Iterator[CustomerView]:
    """Every customer in id order, `batch` at a time (keyset pagination: constant memory)."""
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(Customer)
                .where(col(Customer.id) > last_id)
                .order_by(col(Customer.id))
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from _views(session, cipher, rows)
        last_id = rows[-1].id or last_id
        session.expunge_all()


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
    return StatusCounts(
        codes=grouped(
            ReceivedCode,
            [*ACTIVE_CODE_STATUSES, *sorted(TERMINAL_CODE_STATUSES)],
        ),
        customers=count_customers(session),
        tokens=grouped(Token, list(TokenStatus)),
        tokens_due=int(tokens_due),
        deliveries=grouped(Delivery, list(DeliveryStatus)),
        connections=grouped(Customer, list(CONNECTION_STATUSES)),
        profile_syncs=grouped(ProfileSync, list(SyncStatus)),
        syncs_due=int(syncs_due),
        next_sync_at=next_sync_at,
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
