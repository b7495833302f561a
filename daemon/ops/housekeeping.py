"""Periodic clean-up: codes whose hour ran out, tokens that expired, old replay ids."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col

from daemon.customers.followers import prune_follower_history
from daemon.intake.codes import forget_seen_webhooks
from daemon.pipeline.exchange import ERASED_SECRETS
from daemon.privacy.erasure import forget_expired_meta_requests
from daemon.store.database import Store
from daemon.store.models import ReceivedCode, Token
from daemon.store.statuses import ACTIVE_CODE_STATUSES, CodeStatus, TokenStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HousekeepingReport:
    codes_expired: int
    tokens_expired: int
    webhook_ids_forgotten: int
    meta_requests_forgotten: int = 0
    follower_counts_pruned: int = 0


def expire_codes(store: Store, *, now: datetime) -> int:
    """Active codes past their deadline and not held by a worker: expired, secrets erased."""
    with store.write() as session:
        result = session.execute(
            update(ReceivedCode)
            .where(
                col(ReceivedCode.status).in_(ACTIVE_CODE_STATUSES),
                col(ReceivedCode.expires_at) <= now,
                or_(
                    col(ReceivedCode.lease_expires_at).is_(None),
                    col(ReceivedCode.lease_expires_at) < now,
                ),
            )
            .values(
                status=CodeStatus.EXPIRED,
                updated_at=now,
                last_error="the code's time ran out before it could be used",
                lease_owner=None,
                lease_expires_at=None,
                **ERASED_SECRETS,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def expire_tokens(store: Store, *, now: datetime) -> int:
    """Long-lived tokens past expiry can no longer be refreshed: the customer must reconnect."""
    with store.write() as session:
        result = session.execute(
            update(Token)
            .where(col(Token.status) == TokenStatus.ACTIVE, col(Token.expires_at) <= now)
            .values(status=TokenStatus.INVALID, last_error="expired before it could be refreshed")
        )
        return int(getattr(result, "rowcount", 0) or 0)


def prune_followers(store: Store, *, now: datetime) -> int:
    with store.write() as session:
        return prune_follower_history(session, now)


def run_housekeeping(store: Store, *, now: datetime) -> HousekeepingReport:
    report = HousekeepingReport(
        codes_expired=expire_codes(store, now=now),
        tokens_expired=expire_tokens(store, now=now),
        webhook_ids_forgotten=forget_seen_webhooks(store, now=now),
        meta_requests_forgotten=forget_expired_meta_requests(store, now=now),
        follower_counts_pruned=prune_followers(store, now=now),
    )
    if report.codes_expired or report.tokens_expired:
        log.warning(
            "housekeeping: %d code(s) expired, %d token(s) expired",
            report.codes_expired,
            report.tokens_expired,
        )
    return report
