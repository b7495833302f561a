"""Fetching each connected customer's profile again every IGSYNC_PROFILE_SYNC_HOURS.

Syncs are rows of profile_syncs, leased like every other job. Each is due at its own time,
spread with jitter, so customers who connected together do not stay due together. Only a real
change (followers, name, picture, engagement...) advances the customer's version and pushes an
`updated` event; the follower count goes to the history each time it changes. The API budget
Instagram reports is kept to (daemon/sync/budget.py); a dead token loses the connection.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Unpack

from sqlalchemy import select, update
from sqlmodel import col

from daemon.clock import to_utc
from daemon.crypto import CipherError, TokenCipher
from daemon.customers.connection import lose_connection, next_version
from daemon.customers.engagement import engagement_rate
from daemon.customers.followers import growth, record_followers
from daemon.customers.leads import connection_event
from daemon.customers.profiles import apply_profile
from daemon.customers.schedule import next_sync_due
from daemon.instagram import InstagramClient, InstagramError, RateLimited, TokenInvalid
from daemon.instagram.audience import AUDIENCE, READ_ON, audience_due
from daemon.instagram.errors import RATE_LIMIT_MIN_WAIT_SECONDS
from daemon.instagram.insights import INSIGHTS_SCOPE
from daemon.instagram.types import Profile
from daemon.pipeline.backoff import REFRESH_BACKOFF
from daemon.pipeline.retry import decide_retry
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import Customer, ProfileSync, Token
from daemon.store.statuses import (
    BUDGET_WAIT,
    ConnectionStatus,
    LeadEvent,
    SyncStatus,
    TokenStatus,
)
from daemon.sync.budget import ApiBudget

log = logging.getLogger(__name__)


class ProfileSyncer(leases.LeasedWorker):
    work = leases.WorkTable(ProfileSync, (SyncStatus.ACTIVE,))

    def __init__(
        self,
        store: Store,
        cipher: TokenCipher,
        client: InstagramClient,
        *,
        interval: timedelta,
        budget: ApiBudget,
        engagement: bool = False,
        insights: bool = False,
        rng: random.Random | None = None,
        on_updated: Callable[[int], None] | None = None,
        **held: Unpack[leases.Holder],
    ) -> None:
        super().__init__(store, rng=rng, **held)
        self.cipher, self.client = cipher, client
        self.interval = interval
        self.budget = budget
        self.engagement = engagement
        self.insights = insights  # IGSYNC_SCOPES asks for instagram_business_manage_insights
        self.on_updated = on_updated  # called with the `updated` delivery's id

    def wake_in(self) -> float | None:
        """For the claim loop: seconds until a start paced by the API budget may go."""
        return self.budget.next_start_in(self.clock())

    def claim_due(self, limit: int) -> list[int]:
        """As many due syncs as the API budget lets start now."""
        limit = self.budget.batch(limit, self.clock())
        return super().claim_due(limit) if limit > 0 else []

    def sync_now(self, customer_id: int) -> str:
        """`igsync customers sync ID`: this customer's sync at once, due or not."""
        with self.store.write() as session:
            sync_id = session.execute(
                select(col(ProfileSync.id)).where(col(ProfileSync.customer_id) == customer_id)
            ).scalar()
            claimed = sync_id is not None and self.work.claim_one(
                session, sync_id, now=self.clock(), owner=self.owner, lease=self.lease
            )
        if not claimed:
            return "not_active"
        assert sync_id is not None
        return self.run_claimed(sync_id)

    def run_claimed(self, sync_id: int) -> str:
        """Fetch and compare: "updated", "unchanged", "deferred" (the budget said wait),
        "retrying", "paused" or "connection_lost"."""
        now = self.clock()
        with self.store.read() as session:
            sync = session.get(ProfileSync, sync_id)
            assert sync is not None
            customer = session.get(Customer, sync.customer_id)
            token = session.execute(
                select(Token).where(col(Token.customer_id) == sync.customer_id)
            ).scalar()
        if (
            customer is None
            or customer.status != ConnectionStatus.CONNECTED
            or token is None
            or (token.status != TokenStatus.ACTIVE)
        ):
            return self._finish(sync_id, "paused", status=SyncStatus.PAUSED)
        resume = self.budget.resume_at(customer.ig_user_id, now) or self.budget.take_start(now)
        if resume is not None:
            return self._finish(sync_id, "deferred", next_attempt_at=resume, last_error=BUDGET_WAIT)
        try:
            access_token = self.cipher.decrypt(token.access_token_ciphertext)
            profile = self.client.profile(access_token)
            engagement = None
            if self.engagement and profile.followers_count:
                posts = self.client.recent_media(access_token)
                engagement = engagement_rate(posts, profile.followers_count)
            insights = None
            if self.insights and INSIGHTS_SCOPE in (token.permissions or "").split(","):
                insights = self._insights(access_token, customer, profile, now)
        except (InstagramError, CipherError) as error:
            return self._failed(sync, customer, error)
        return self._store(sync, profile, engagement, insights)

    def _insights(
        self, access_token: str, customer: Customer, profile: Profile, now: datetime
    ) -> dict[str, Any]:
        """The day's reach and new followers; the audience once a week, kept in between."""
        insights: dict[str, Any] = dict(self.client.insights(access_token, profile.followers_count))
        stored = json.loads(customer.insights).get(AUDIENCE) if customer.insights else None
        today = to_utc(now).date()
        if audience_due(stored, today):
            audience = self.client.audience(access_token, profile.followers_count)
            insights[AUDIENCE] = {**audience, READ_ON: today.isoformat()}
        elif stored is not None:
            insights[AUDIENCE] = stored
        return insights

    def _store(
        self,
        sync: ProfileSync,
        profile: Profile,
        engagement: float | None,
        insights: dict[str, Any] | None = None,
    ) -> str:
        assert sync.id is not None
        sync_id, customer_id = sync.id, sync.customer_id
        now = self.clock()
        delivery_id = None
        with self.store.write() as session:
            customer = session.get(Customer, customer_id, with_for_update=True)
            if (
                customer is None or customer.status != ConnectionStatus.CONNECTED
            ):  # erased or lost meanwhile
                leases.finish(session, ProfileSync, sync_id, self.owner)
                return "paused"
            changes = apply_profile(customer, profile, engagement, insights)
            if changes:
                next_version(customer, now)
                session.add(customer)
            record_followers(session, customer_id, customer.followers_count, now)
            session.flush()
            if changes:
                delivery = connection_event(
                    customer,
                    event=LeadEvent.UPDATED,
                    now=now,
                    trend=growth(session, customer_id, now),
                )
                session.add(delivery)
                session.flush()
                delivery_id = delivery.id
            if not leases.finish(
                session,
                ProfileSync,
                sync_id,
                self.owner,
                synced_at=now,
                next_attempt_at=next_sync_due(
                    now, self.interval, self.rng, was_due=min(to_utc(sync.next_attempt_at), now)
                ),
                attempts=0,
                last_error=None,
            ):
                session.rollback()  # another worker took the sync over: its result stands
                return "lease_lost"
        if delivery_id is not None:
            log.info(
                "customer %s: profile changed (%s), update queued",
                customer_id,
                ", ".join(changes),
            )
            if self.on_updated is not None:
                self.on_updated(delivery_id)
            return "updated"
        return "unchanged"

    def _failed(
        self, sync: ProfileSync, customer: Customer, error: InstagramError | CipherError
    ) -> str:
        assert sync.id is not None and customer.id is not None
        now = self.clock()
        reason = error.describe() if isinstance(error, InstagramError) else str(error)
        if isinstance(error, TokenInvalid):
            with self.store.write() as session:
                if leases.finish(
                    session,
                    ProfileSync,
                    sync.id,
                    self.owner,
                    status=SyncStatus.PAUSED,
                    last_error=reason,
                ):
                    session.execute(
                        update(Token)
                        .where(col(Token.customer_id) == customer.id)
                        .values(status=TokenStatus.INVALID, last_error=reason)
                    )
                    lose_connection(session, customer.id, reason=reason, now=now)
            log.warning("customer %s: token dead during re-sync, must reconnect", customer.id)
            return "connection_lost"
        if isinstance(error, RateLimited):
            # Not the customer's fault and not a failure to count: wait what Instagram asks.
            wait = timedelta(seconds=error.retry_after or RATE_LIMIT_MIN_WAIT_SECONDS)
            return self._finish(sync.id, "deferred", next_attempt_at=now + wait, last_error=reason)
        decision = decide_retry(
            retryable=True,
            reason=reason,
            attempts=sync.attempts,
            now=now,
            backoff=REFRESH_BACKOFF,
            rng=self.rng,
        )
        log.info("customer %s: re-sync failed (%s), retrying later", customer.id, reason)
        return self._finish(
            sync.id,
            "retrying",
            attempts=decision.attempts,
            next_attempt_at=decision.next_attempt_at,
            last_error=reason,
        )

    def _finish(self, sync_id: int, outcome: str, **values: Any) -> str:
        with self.store.write() as session:
            leases.finish(session, ProfileSync, sync_id, self.owner, **values)
        return outcome
