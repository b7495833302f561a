"""A customer's connection status (connected, needs_reconnect, disconnected) and the events
that tell WordPress when it changes. Each change advances the customer's version, so WordPress
can keep the newest and ignore a late older push."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from daemon.leads import connection_event
from daemon.models import Customer
from daemon.sync_schedule import pause_sync

CONNECTED = "connected"
NEEDS_RECONNECT = "needs_reconnect"
DISCONNECTED = "disconnected"
CONNECTION_STATUSES = (CONNECTED, NEEDS_RECONNECT, DISCONNECTED)


def lose_connection(
    session: Session, customer_id: int, *, reason: str, now: datetime
) -> int | None:
    """The customer's token died (revoked, expired, refused): needs_reconnect, and a
    connection_lost event queued for WordPress. The delivery's id, or None when the
    connection was not live (nothing new to tell)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.status != CONNECTED:
        return None
    _advance(customer, NEEDS_RECONNECT, now)
    session.add(customer)
    pause_sync(session, customer_id)
    session.flush()
    delivery = connection_event(customer, event="connection_lost", now=now, reason=reason)
    session.add(delivery)
    session.flush()
    return delivery.id


def disconnected(session: Session, customer_id: int, *, now: datetime) -> None:
    """The shopper disconnected in WordPress (which already shows it): no event to push."""
    customer = session.get(Customer, customer_id)
    if customer is not None and customer.status != DISCONNECTED:
        _advance(customer, DISCONNECTED, now)
        session.add(customer)
        pause_sync(session, customer_id)


def reconnected(customer: Customer, now: datetime) -> bool:
    """A new code of a customer whose connection was not live: connected again (the caller
    sends the lead as a `reconnected` event). Whether it was a reconnection."""
    if customer.id is None or customer.status == CONNECTED:
        return False
    _advance(customer, CONNECTED, now)
    return True


def next_version(customer: Customer, now: datetime) -> None:
    """Anything WordPress is told of (a status, a changed profile) is a new version."""
    customer.version += 1
    customer.updated_at = now


def _advance(customer: Customer, status: str, now: datetime) -> None:
    customer.status = status
    next_version(customer, now)
