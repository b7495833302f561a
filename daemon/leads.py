"""The lead WordPress receives: built from the customer and the forward's WordPress context.

Instagram never returns an email address; email and WordPress user come only from the
context WordPress sent with the code, never invented.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from daemon.clock import isoformat_utc
from daemon.models import Customer

LEAD_SCHEMA_VERSION = 1


def idempotency_key(code_hash: str) -> str:
    """Stable per received code and unique everywhere: derived from the code itself, not from a
    row id, which restarts at 1 in a new database (a reset, a move to PostgreSQL, a second
    daemon) and would make WordPress overwrite one shopper's lead with another's."""
    return f"igsync-lead-{code_hash[:40]}"


def build_lead(
    customer: Customer, context: dict[str, Any], *, key: str, connected_at: datetime
) -> dict[str, Any]:
    return {
        "version": LEAD_SCHEMA_VERSION,
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
    }
