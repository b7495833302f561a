"""The lead WordPress receives: built from the customer and the forward's WordPress context.

Instagram never returns an email address; email and WordPress user come only from the
context WordPress sent with the code, never invented.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from daemon.clock import isoformat_utc
from daemon.customers.trends import Growth
from daemon.store.models import PROFILE_DETAILS, Customer, Delivery
from daemon.store.statuses import ConnectionStatus, LeadEvent


def idempotency_key(code_hash: str) -> str:
    """Stable per received code and unique everywhere: derived from the code itself, not from a
    row id, which restarts at 1 in a new database (a reset, a move to PostgreSQL, a second
    daemon) and would make WordPress overwrite one shopper's lead with another's."""
    return f"igsync-lead-{code_hash[:40]}"


def build_lead(
    customer: Customer,
    context: dict[str, Any],
    *,
    key: str,
    connected_at: datetime,
    event: LeadEvent = LeadEvent.CONNECTED,
    trend: Growth | None = None,
    permissions: str | None = None,
) -> dict[str, Any]:
    """The lead, or a later event of the same connection (`event`, the customer's `version`,
    and for a lost connection its status and reason), as WordPress's lead route takes it.
    `trend`, where known, is the follower growth over the last days; `permissions`, those
    Instagram granted (a connection's lead; later events leave WordPress's copy as it is)."""
    lead = {
        "version": customer.version,
        "idempotency_key": key,
        "ig_user_id": customer.ig_user_id,
        "username": customer.username,
        "name": customer.name,
        "account_type": customer.account_type,
        "api": customer.api_flavour,
        "wp_user_id": context.get("wp_user_id"),
        "email": context.get("email"),
        "return_url": context.get("return_url"),
        "source": context.get("source"),
        "wc_order_id": context.get("wc_order_id"),
        "connected_at": isoformat_utc(connected_at),
        **{detail: getattr(customer, detail) for detail in PROFILE_DETAILS},
        "engagement_rate": customer.engagement_rate,
        # Profile fields the pinned Graph API version no longer serves: unavailable, not 0.
        "unavailable_fields": customer.unavailable_fields,
    }
    if customer.insights is not None:  # per metric a number, "suppressed" or "unavailable"
        lead["insights"] = json.loads(customer.insights)
    if permissions is not None:
        lead["permissions"] = permissions
    if trend is not None:
        lead.update(followers_change=trend.change, followers_change_days=trend.days)
    if event != LeadEvent.CONNECTED:
        lead["event"] = event
    return lead


def connection_event(
    customer: Customer,
    *,
    event: LeadEvent,
    now: datetime,
    reason: str = "",
    trend: Growth | None = None,
) -> Delivery:
    """A later event of a customer's connection (connection_lost, reconnected, updated),
    queued for WordPress under a key of its own; the customer's version has been advanced
    already."""
    assert customer.id is not None
    key = f"igsync-{event.replace('_', '-')}-{customer.id}-{customer.version}"
    context = {
        "wp_user_id": customer.wp_user_id,
        "email": customer.email,
        "source": customer.source,
    }
    began = customer.connected_at or customer.created_at  # the connection's time, not the event's
    payload = build_lead(customer, context, key=key, connected_at=began, event=event, trend=trend)
    if event == LeadEvent.CONNECTION_LOST:
        payload.update(status=ConnectionStatus.NEEDS_RECONNECT, reason=reason[:255])
    return Delivery(
        idempotency_key=key,
        customer_id=customer.id,
        payload=payload,
        created_at=now,
        next_attempt_at=now,
    )
