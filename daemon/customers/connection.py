"""A customer's connection status (connected, needs_reconnect, disconnected) and the events
that tell WordPress when it changes. Each change advances the customer's version, so WordPress
can keep the newest and ignore a late older push."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from daemon.customers.leads import connection_event
from daemon.customers.schedule import pause_sync
from daemon.store.models import Customer
from daemon.store.statuses import ConnectionStatus, LeadEvent


def lose_connection(
    session: Session, customer_id: int, *, reason: str, now: datetime
) -> int | None:
    """The customer's token died (revoked, expired, refused): needs_reconnect, and a
    connection_lost event queued for WordPress. The delivery's id, or None when the
    connection was not live (nothing new to tell)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.status != ConnectionStatus.CONNECTED:
        return None
    _advance(customer, ConnectionStatus.NEEDS_RECONNECT, now)
    session.add(customer)
    pause_sync(session, customer_id)
    session.flush()
    delivery = connection_event(customer, event=LeadEvent.CONNECTION_LOST, now=now, reason=reason)
    session.add(delivery)
    session.flush()
    return delivery.id


def disconnected(session: Session, customer_id: int, *, now: datetime) -> None:
    """The shopper disconnected in WordPress (which already shows it): no event to push."""
    customer = session.get(Customer, customer_id)
    if customer is not None and customer.status != ConnectionStatus.DISCONNECTED:
        _advance(customer, ConnectionStatus.DISCONNECTED, now)
        session.add(customer)
        pause_sync(session, customer_id)


def reconnected(customer: Customer, now: datetime) -> bool:
    """A new code of a customer whose connection was not live: connected again (the caller
    sends the lead as a `reconnected` event). Whether it was a reconnection."""
    if customer.id is None or customer.status == ConnectionStatus.CONNECTED:
        return False
    _advance(customer, ConnectionStatus.CONNECTED, now)
    return True


def next_version(customer: Customer, now: datetime) -> None:
    """Anything WordPress is told of (a status, a changed profile) is a new version."""
    customer.version += 1
    customer.updated_at = now


def _advance(customer: Customer, status: str, now: datetime) -> None:
    customer.status = status
    next_version(customer, now)
