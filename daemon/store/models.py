"""The tables: received codes, customers, tokens, outbound deliveries, seen webhook ids.

Work tables (codes, tokens, deliveries) share the Leased columns: a worker claims a row by
writing its name and a lease expiry; a worker that dies simply lets the lease run out, and
the row is claimed again. `next_attempt_at` carries backoff between attempts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from daemon.store.statuses import (
    CodeStatus,
    ConnectionStatus,
    DeliveryStatus,
    ErasureStatus,
    SyncStatus,
    TokenStatus,
)


class Leased(SQLModel):
    """Columns every work table carries so that a worker can claim, retry and hand over rows."""

    attempts: int = 0
    next_attempt_at: datetime
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    last_error: str | None = None


class ReceivedCode(Leased, table=True):
    __tablename__ = "received_codes"
    __table_args__ = (Index("ix_received_codes_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, max_length=64)
    code_ciphertext: str | None = None  # erased once exchanged or expired
    redirect_uri: str
    received_at: datetime  # when WordPress received the code (its hour starts here)
    accepted_at: datetime  # when the intake committed it
    expires_at: datetime  # deadline of the current step: the code's hour, then the token's
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=CodeStatus.PENDING, max_length=16)
    ig_user_id: str | None = None
    permissions: str | None = None
    token_ciphertext: str | None = None  # the short, then long-lived token while in flight
    token_expires_at: datetime | None = None
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    updated_at: datetime
    # An interrupted code is told to WordPress (its shopper must connect again): when that
    # succeeded; until then attempts / next_attempt_at pace the retries.
    wordpress_told_at: datetime | None = None


class Customer(SQLModel, table=True):
    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    ig_user_id: str = Field(unique=True, max_length=64)
    username: str = Field(index=True, max_length=64)
    name: str | None = None
    account_type: str | None = Field(default=None, max_length=32)
    api_flavour: str = Field(max_length=32)
    wp_user_id: int | None = Field(default=None, index=True)
    email: str | None = Field(default=None, max_length=254)
    source: str | None = Field(default=None, max_length=64)
    # The connection as WordPress shows it (connected, needs_reconnect, disconnected), and the
    # version of what WordPress was last sent: each change pushes an event with the next one.
    status: str = Field(default=ConnectionStatus.CONNECTED, max_length=16)
    version: int = 1
    followers_count: int | None = None
    follows_count: int | None = None
    media_count: int | None = None
    profile_picture_url: str | None = None
    biography: str | None = None
    website: str | None = None
    # Average likes plus comments of the recent posts per follower, in percent
    # (IGSYNC_ENGAGEMENT=on); None until measured.
    engagement_rate: float | None = None
    created_at: datetime
    updated_at: datetime
    # When the connection began (its code completed, or a reconnection's): every later event
    # of it carries this, as the wire contract's connected_at. None only before migration 0008.
    connected_at: datetime | None = None
    # Profile fields the pinned Graph API version no longer serves, comma separated: their
    # values are unavailable (not zero, not hidden by the account).
    unavailable_fields: str | None = None
    # The account's insights (with instagram_business_manage_insights), JSON: per metric its
    # value, "suppressed" (Instagram withholds it, as for accounts under 100 followers) or
    # "unavailable" (the pinned version no longer serves it). None: not asked for.
    insights: str | None = None


PROFILE_DETAILS = (
    "followers_count",
    "follows_count",
    "media_count",
    "profile_picture_url",
    "biography",
    "website",
)
"""Instagram Login's richer profile: on the customer as on the Profile, each optional, sent with
every lead."""


class ProfileSync(Leased, table=True):
    """A customer's periodic profile re-sync: due at next_attempt_at, leased like every job."""

    __tablename__ = "profile_syncs"
    __table_args__ = (Index("ix_profile_syncs_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", unique=True)
    status: str = Field(default=SyncStatus.ACTIVE, max_length=16)
    synced_at: datetime | None = None


class FollowerCount(SQLModel, table=True):
    """A customer's follower count each time it changed (pruned after FOLLOWER_HISTORY), so
    growth over a period can be told."""

    __tablename__ = "follower_counts"
    __table_args__ = (Index("ix_follower_counts_customer", "customer_id", "counted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    counted_at: datetime
    followers_count: int


class Token(Leased, table=True):
    __tablename__ = "tokens"
    __table_args__ = (Index("ix_tokens_refresh_due", "status", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", unique=True)
    access_token_ciphertext: str
    permissions: str | None = None
    status: str = Field(default=TokenStatus.ACTIVE, max_length=16)
    obtained_at: datetime  # refresh is allowed only 24 hours after this
    expires_at: datetime
    refreshed_at: datetime | None = None


class Delivery(Leased, table=True):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=64)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    code_id: int | None = Field(default=None, foreign_key="received_codes.id")
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    last_http_status: int | None = None
    created_at: datetime
    delivered_at: datetime | None = None
    failing_since: datetime | None = None  # the first of the pushes failing in a row


class Erasure(Leased, table=True):
    """A data-deletion request: done here at once, then pushed to WordPress until it confirms.
    The Instagram user id is kept only until WordPress has erased it too."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    confirmation_code: str = Field(unique=True, max_length=32)
    subject_hash: str = Field(index=True, max_length=64)  # sha256 of the Instagram user id
    ig_user_id: str | None = Field(default=None, max_length=64)
    source: str = Field(max_length=16)  # "meta" (the callback) or "cli" (igsync forget)
    status: str = Field(default=ErasureStatus.PENDING, max_length=16)
    customers_erased: int = 0
    wp_leads_erased: int | None = None
    requested_at: datetime
    completed_at: datetime | None = None


class ActedMetaRequest(SQLModel, table=True):
    """Meta callbacks already acted on, remembered while they would still verify, so a replay
    (a copy from a log, a late retry) acts on nothing."""

    __tablename__ = "acted_meta_requests"

    digest: str = Field(primary_key=True, max_length=64)  # sha256 of the request's signature
    kind: str = Field(max_length=16)
    expires_at: datetime = Field(index=True)
    confirmation_code: str | None = Field(default=None, max_length=32)  # a data deletion's


class SeenWebhook(SQLModel, table=True):
    """Ids of accepted signed requests, kept past the signature tolerance to refuse replays."""

    __tablename__ = "seen_webhooks"

    webhook_id: str = Field(primary_key=True, max_length=128)
    seen_at: datetime = Field(index=True)


def core_table(model: type[SQLModel]) -> Any:
    """The model's Core table, for statements that must skip the ORM: an ORM bulk UPDATE first
    works out which objects of the session to synchronise, and the hot paths (claims, lease
    writes, the intake's batch) hold no such objects. Column names are the attribute names."""
    return model.__table__  # type: ignore[attr-defined]


WORK_TABLES: tuple[type[Leased], ...] = (ReceivedCode, Delivery, Token, Erasure, ProfileSync)
"""The tables whose rows workers lease."""
