"""Customers as the CLI shows them: list, search, show and the streaming export.

Plain SQL through daemon.store.reader (no ORM to load: these commands answer a person waiting at a
terminal). A page is fetched in indexed queries, customers first, then their tokens, latest
lead, profile sync and follower history by customer id, instead of one wide join, so the first
page costs the same with a million rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Self

from daemon.clock import isoformat_utc, to_utc, utcnow
from daemon.crypto import CipherError, TokenCipher
from daemon.customers.trends import Growth, growth_from
from daemon.redact import mask
from daemon.store.reader import Reader, Row, in_list
from daemon.store.statuses import SyncStatus

EXPORT_BATCH = 1000


def moment(value: Any) -> datetime:
    """A stored datetime: SQLite hands back its text, PostgreSQL a datetime; both are UTC."""
    return to_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


@dataclass(frozen=True)
class CustomerRecord:
    """A row of `customers` (the columns of daemon.store.models.Customer of the same names)."""

    id: int
    ig_user_id: str
    username: str
    name: str | None
    account_type: str | None
    api_flavour: str
    wp_user_id: int | None
    email: str | None
    source: str | None
    status: str
    version: int
    followers_count: int | None
    follows_count: int | None
    media_count: int | None
    profile_picture_url: str | None
    biography: str | None
    website: str | None
    engagement_rate: float | None
    unavailable_fields: str | None
    insights: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["created_at"] = moment(values["created_at"])
        values["updated_at"] = moment(values["updated_at"])
        return cls(**values)


@dataclass(frozen=True)
class TokenRecord:
    """What a customer's view shows of its token (the ciphertext only to mask it)."""

    customer_id: int
    status: str
    expires_at: datetime
    access_token_ciphertext: str
    last_error: str | None
    permissions: str | None

    @classmethod
    def from_row(cls, row: Row) -> Self:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["expires_at"] = moment(values["expires_at"])
        return cls(**values)


CUSTOMER_COLUMNS = ", ".join(f.name for f in fields(CustomerRecord))
TOKEN_COLUMNS = ", ".join(f.name for f in fields(TokenRecord))


@dataclass(frozen=True)
class CustomerView:
    customer: CustomerRecord
    token: TokenRecord | None
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
            "unavailable_fields": c.unavailable_fields,
            "insights": json.loads(c.insights) if c.insights else None,
            "next_sync_at": isoformat_utc(self.next_sync_at) if self.next_sync_at else None,
            "token": self.token_masked,
            "token_status": t.status if t else None,
            "token_expires_at": isoformat_utc(t.expires_at) if t else None,
            "permissions": t.permissions if t else None,
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
    "permissions",
    "lead_status",
    "created_at",
    "updated_at",
)

SORT_ORDERS = {
    "id": "id",
    # Largest audience or engagement first (unknown last), newest connection first.
    "followers": "followers_count DESC NULLS LAST, id",
    "engagement": "engagement_rate DESC NULLS LAST, id",
    "connected": "created_at DESC, id DESC",
}


def list_customers(
    reader: Reader,
    cipher: TokenCipher | None,
    *,
    limit: int,
    offset: int = 0,
    status: str | None = None,
    sort: str = "id",
) -> list[CustomerView]:
    """A page of customers in `sort` order (SORT_ORDERS; oldest first by default); only those
    with this connection status if given."""
    where = "WHERE status = :status" if status is not None else ""
    rows = reader.rows(
        f"SELECT {CUSTOMER_COLUMNS} FROM customers {where} "  # noqa: S608  (no input in the text)
        f"ORDER BY {SORT_ORDERS[sort]} LIMIT :limit OFFSET :offset",
        {"status": status, "limit": limit, "offset": offset},
    )
    return _views(reader, cipher, [CustomerRecord.from_row(row) for row in rows])


def search_customers(
    reader: Reader, cipher: TokenCipher | None, text: str, *, limit: int
) -> list[CustomerView]:
    """Username prefix (walks the username index), or exact email when the text has an @."""
    text = text.strip()
    if "@" in text[1:]:  # an email address; a leading @ only marks a username
        where, params = "lower(email) = :email", {"email": text.lower()}
    else:
        prefix = text.lstrip("@").lower()
        where = "username >= :prefix AND username < :beyond"
        params = {"prefix": prefix, "beyond": prefix + "\U0010ffff"}
    rows = reader.rows(
        f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE {where} "  # noqa: S608
        "ORDER BY username LIMIT :limit",
        {**params, "limit": limit},
    )
    return _views(reader, cipher, [CustomerRecord.from_row(row) for row in rows])


def find_customer(reader: Reader, cipher: TokenCipher | None, key: str) -> CustomerView | None:
    """By id, @username or Instagram user id."""
    key = key.strip()
    select = f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE "  # noqa: S608
    if key.isascii() and key.isdigit():
        rows = reader.rows(select + "id = :id", {"id": int(key)}) or reader.rows(
            select + "ig_user_id = :key", {"key": key}
        )
    else:
        rows = reader.rows(select + "username = :username", {"username": key.lstrip("@").lower()})
    if not rows:
        return None
    return _views(reader, cipher, [CustomerRecord.from_row(rows[0])])[0]


def iter_customers(
    reader: Reader, cipher: TokenCipher | None = None, *, batch: int = EXPORT_BATCH
) -> Iterator[CustomerView]:
    """Every customer in id order, `batch` at a time (keyset pagination: constant memory)."""
    last_id = 0
    while True:
        rows = reader.rows(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id > :last "  # noqa: S608
            "ORDER BY id LIMIT :batch",
            {"last": last_id, "batch": batch},
        )
        if not rows:
            return
        customers = [CustomerRecord.from_row(row) for row in rows]
        yield from _views(reader, cipher, customers)
        last_id = customers[-1].id


def count_customers(reader: Reader) -> int:
    return int(reader.rows("SELECT count(*) AS n FROM customers")[0]["n"])


def _views(
    reader: Reader,
    cipher: TokenCipher | None,
    customers: Sequence[CustomerRecord],
    now: datetime | None = None,
) -> list[CustomerView]:
    if not customers:
        return []
    ids, params = in_list("id", [c.id for c in customers])
    trends = _growths(reader, ids, params, now or utcnow())
    syncs = {
        row["customer_id"]: moment(row["next_attempt_at"])
        for row in reader.rows(
            "SELECT customer_id, next_attempt_at FROM profile_syncs "  # noqa: S608
            f"WHERE customer_id IN {ids} AND status = :active",
            {**params, "active": SyncStatus.ACTIVE.value},
        )
    }
    tokens = {
        row["customer_id"]: TokenRecord.from_row(row)
        for row in reader.rows(
            f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE customer_id IN {ids}",  # noqa: S608
            params,
        )
    }
    leads = {
        row["customer_id"]: row
        for row in reader.rows(
            "SELECT d.customer_id, d.status, d.last_error FROM deliveries d JOIN "  # noqa: S608
            "(SELECT max(id) AS last_id FROM deliveries "
            f"WHERE customer_id IN {ids} GROUP BY customer_id) latest ON d.id = latest.last_id",
            params,
        )
    }
    views = []
    for customer in customers:
        token, lead = tokens.get(customer.id), leads.get(customer.id)
        views.append(
            CustomerView(
                customer,
                token,
                _masked(cipher, token),
                lead["status"] if lead else None,
                lead["last_error"] if lead else None,
                trends.get(customer.id),
                syncs.get(customer.id),
            )
        )
    return views


def _growths(reader: Reader, ids: str, params: dict[str, Any], now: datetime) -> dict[int, Growth]:
    history: dict[int, list[tuple[datetime, int]]] = {}
    for row in reader.rows(
        "SELECT customer_id, counted_at, followers_count FROM follower_counts "  # noqa: S608
        f"WHERE customer_id IN {ids} ORDER BY customer_id, counted_at",
        params,
    ):
        history.setdefault(row["customer_id"], []).append(
            (moment(row["counted_at"]), row["followers_count"])
        )
    return {
        customer_id: trend
        for customer_id, counts in history.items()
        if (trend := growth_from(counts, now)) is not None
    }


def _masked(cipher: TokenCipher | None, token: TokenRecord | None) -> str:
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
