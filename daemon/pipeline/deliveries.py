"""Pushing queued leads to WordPress until it has them (the outbox's worker).

A delivery is claimed only when no older delivery of the same customer is still pending, so
WordPress sees a customer's leads in the order they were made. Unreachable WordPress and 5xx
answers are retried with backoff forever (nothing acknowledged is dropped); a 4xx is a
refusal, recorded as failed with WordPress's reason for `igsync deliveries` to show.

The leads that are due together go to WordPress together: the pool hands this worker up to
BATCH_SIZE of them at once, and once the plugin has said it takes batches they travel in one
signed request (one WordPress boot instead of one per lead), each still upserted by its own
idempotency key and answered on its own, so that one refused lead refuses only itself. A lead
due alone, and every lead to a plugin that never said it takes batches, goes on its own.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Unpack

from sqlalchemy import bindparam, exists, select, update
from sqlmodel import col

from daemon.metrics import Metrics
from daemon.pipeline.backoff import DELIVERY_BACKOFF
from daemon.pipeline.retry import RetryDecision, decide_retry
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import Delivery, Leased, core_table
from daemon.store.statuses import DeliveryStatus
from wp_bridge.wire import LeadsPage
from wp_bridge.wordpress import (
    MAX_BATCH_BYTES,
    BatchesUnsupported,
    LeadAnswer,
    WordPressClient,
    WordPressError,
    encode_json,
)

log = logging.getLogger(__name__)


_DELIVERIES = core_table(Delivery)
_OLDER = _DELIVERIES.alias("older")
# No older delivery of the same customer is still waiting, pending or parked (a customer's
# leads arrive in order, a replay's too). Built once, on the Core table like the claim it goes
# into (daemon/store/leases.py), so SQLAlchemy compiles the claim once too.
_NO_OLDER_WAITING = ~exists(
    select(_OLDER.c.id).where(
        _OLDER.c.customer_id == _DELIVERIES.c.customer_id,
        _OLDER.c.id < _DELIVERIES.c.id,
        _OLDER.c.status.in_((DeliveryStatus.PENDING, DeliveryStatus.PARKED)),
    )
)
DEFAULT_PARK_AFTER = timedelta(hours=72)  # as long as Stripe retries a webhook
BATCH_SIZE = 50  # leads per request at most (the plugin may say fewer)

# What a push needs of its delivery: built once (see daemon/store/leases.py, _owned_update),
# run for every lead, or every batch.
_QUEUED = select(
    _DELIVERIES.c.id,
    _DELIVERIES.c.customer_id,
    _DELIVERIES.c.idempotency_key,
    _DELIVERIES.c.payload,
    _DELIVERIES.c.attempts,
    _DELIVERIES.c.failing_since,
)
_DELIVERY = _QUEUED.where(_DELIVERIES.c.id == bindparam("delivery_id"))
_DELIVERY_BATCH = _QUEUED.where(
    _DELIVERIES.c.id.in_(bindparam("delivery_ids", expanding=True))
).order_by(_DELIVERIES.c.id)


@dataclass(frozen=True)
class QueuedLead:
    """What a push needs of its delivery (the columns of _DELIVERY)."""

    id: int
    customer_id: int
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    failing_since: datetime | None


class DeliveryWorker(leases.LeasedWorker):
    # A customer's leads go in the order they were made: one waits while an older one does.
    work = leases.WorkTable(Delivery, (DeliveryStatus.PENDING,), in_line=(_NO_OLDER_WAITING,))

    def __init__(
        self,
        store: Store,
        wordpress: WordPressClient,
        *,
        on_retry: Callable[[int, datetime], None] | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
        park_after: timedelta = DEFAULT_PARK_AFTER,
        **held: Unpack[leases.Holder],
    ) -> None:
        super().__init__(store, rng=rng, **held)
        self.wordpress = wordpress
        self.metrics = metrics or Metrics()
        self.on_retry = on_retry
        self.park_after = park_after  # IGSYNC_PARK_AFTER_HOURS

    @property
    def batch_size(self) -> int:
        """How many claimed leads the pool hands over at once: BATCH_SIZE (never more than the
        plugin takes; whatever it says, each request is cut to its bound again)."""
        return BATCH_SIZE

    def run_claimed(self, delivery_id: int) -> str | None:
        with self.store.read() as session:
            found = session.connection().execute(_DELIVERY, {"delivery_id": delivery_id}).one()
        return self._push_one(QueuedLead(**found._asdict()))

    def run_batch(self, delivery_ids: list[int]) -> None:
        """Push claimed leads together, in requests within the plugin's bounds; each lead's
        outcome recorded as a single push's would be."""
        if len(delivery_ids) == 1 or not self.wordpress.batch_limit:
            for delivery_id in delivery_ids:
                self.run_claimed(delivery_id)
            return
        with self.store.read() as session:
            found = session.connection().execute(
                _DELIVERY_BATCH, {"delivery_ids": list(delivery_ids)}
            )
            queued = [QueuedLead(**row._asdict()) for row in found]
        for batch in batches(queued, min(BATCH_SIZE, self.wordpress.batch_limit)):
            self._push_batch(batch)

    def _push_one(self, delivery: QueuedLead) -> str | None:
        try:
            http_status = self.wordpress.push_lead(delivery.payload, delivery.idempotency_key)
        except WordPressError as error:
            return self._failed(delivery, error)
        return DeliveryStatus.DELIVERED if self._delivered([(delivery, http_status)]) else None

    def _push_batch(self, batch: list[QueuedLead]) -> None:
        if len(batch) == 1:
            self._push_one(batch[0])
            return
        try:
            answers = self.wordpress.push_leads([(d.idempotency_key, d.payload) for d in batch])
        except BatchesUnsupported:
            log.info("WordPress takes no batches of leads (an older plugin): one at a time")
            for delivery in batch:
                self._push_one(delivery)
            return
        except WordPressError as error:
            answers = [LeadAnswer(error.http_status or 0, error)] * len(batch)
        stored = [(d, a.http_status) for d, a in zip(batch, answers, strict=True) if not a.error]
        self._delivered(stored)
        for delivery, answer in zip(batch, answers, strict=True):
            if answer.error is not None:
                self._failed(delivery, answer.error)

    def _delivered(self, pushed: list[tuple[QueuedLead, int]]) -> int:
        """Record leads WordPress took, in one transaction; how many were still ours."""
        if not pushed:
            return 0
        now = self.clock()
        done = 0
        with self.store.write() as session:
            for delivery, http_status in pushed:
                if leases.finish(
                    session,
                    Delivery,
                    delivery.id,
                    self.owner,
                    status=DeliveryStatus.DELIVERED,
                    delivered_at=now,
                    last_http_status=http_status,
                    last_error=None,
                    attempts=delivery.attempts + 1,
                    failing_since=None,
                ):
                    done += 1
                else:
                    log.warning("delivery %s: lease lost after a successful push", delivery.id)
        self.metrics.deliveries_delivered.inc(done)
        if len(pushed) == 1 and done:
            log.info("delivery %s: lead delivered to WordPress", pushed[0][0].id)
        elif done:
            log.info("%d leads delivered to WordPress in one request", done)
        return done

    def _failed(self, delivery: QueuedLead, error: WordPressError) -> str | None:
        """Refused for a reason of the lead's own: failed. Unavailable: retried with backoff,
        until WordPress has taken none of this lead's pushes for `park_after`; then parked,
        kept for `igsync deliveries replay` (nothing is dropped)."""
        kind = "unavailable" if error.retryable else "rejected"
        self.metrics.upstream_errors.labels("wordpress", kind).inc()
        now = self.clock()
        failing_since = delivery.failing_since or now
        park = error.retryable and now - failing_since >= self.park_after
        waiting = DeliveryStatus.PARKED if park else DeliveryStatus.PENDING
        decision = record_failed_push(
            self.store,
            Delivery,
            delivery.id,
            owner=self.owner,
            attempts=delivery.attempts,
            error=error,
            now=now,
            rng=self.rng,
            statuses=(waiting, DeliveryStatus.FAILED),
            last_http_status=error.http_status,
            failing_since=failing_since,
        )
        if decision is None:
            return None
        if decision.give_up:
            log.warning("delivery %s: refused by WordPress: %s", delivery.id, decision.reason)
            return DeliveryStatus.FAILED
        if park:
            self.metrics.deliveries_parked.inc()
            log.warning(
                "delivery %s: WordPress has taken none of its pushes since %s (%s): parked, "
                "kept; `igsync deliveries replay` sends the parked leads again",
                delivery.id,
                failing_since.isoformat(timespec="seconds"),
                decision.reason,
            )
            return DeliveryStatus.PARKED
        log.info(
            "delivery %s: attempt %d failed (%s), retrying at %s",
            delivery.id,
            decision.attempts,
            decision.reason,
            decision.next_attempt_at.isoformat(timespec="seconds"),
        )
        if self.on_retry is not None:
            self.on_retry(delivery.id, decision.next_attempt_at)
        return DeliveryStatus.PENDING


def batches(queued: list[QueuedLead], most: int) -> list[list[QueuedLead]]:
    """`queued` cut into requests of at most `most` leads and MAX_BATCH_BYTES of body."""
    cut: list[list[QueuedLead]] = []
    size = 0
    for lead in queued:
        lead_bytes = len(encode_json(lead.payload)) + 1
        if not cut or len(cut[-1]) >= most or size + lead_bytes > MAX_BATCH_BYTES - 16:
            cut.append([])
            size = 0
        cut[-1].append(lead)
        size += lead_bytes
    return cut


def record_failed_push(
    store: Store,
    model: type[Leased],
    row_id: int,
    *,
    owner: str,
    attempts: int,
    error: WordPressError,
    now: datetime,
    rng: random.Random | None,
    statuses: tuple[str, str],
    **values: Any,
) -> RetryDecision | None:
    """A push WordPress did not take (a lead, an erasure): retried with backoff while WordPress
    is unavailable, recorded as failed with its reason when refused. `statuses` is (waiting,
    failed); the decision, or None if another worker took the row over meanwhile."""
    decision = decide_retry(
        retryable=error.retryable,
        reason=error.reason,
        attempts=attempts,
        now=now,
        backoff=DELIVERY_BACKOFF,
        rng=rng,
    )
    waiting, failed = statuses
    with store.write() as session:
        done = leases.finish(
            session,
            model,
            row_id,
            owner,
            status=failed if decision.give_up else waiting,
            attempts=decision.attempts,
            next_attempt_at=decision.next_attempt_at,
            last_error=decision.reason,
            **values,
        )
    return decision if done else None


def replay_parked(store: Store, *, now: datetime, delivery_ids: list[int] | None = None) -> int:
    """Send parked deliveries again (WordPress is back): pending from now, their attempts and
    failing streak started afresh; each customer's still go in order (the claim's rule)."""
    statement = update(Delivery).where(col(Delivery.status) == DeliveryStatus.PARKED)
    if delivery_ids:
        statement = statement.where(col(Delivery.id).in_(delivery_ids))
    with store.write() as session:
        result = session.execute(
            statement.values(
                status=DeliveryStatus.PENDING, next_attempt_at=now, attempts=0, failing_since=None
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def retry_failed(store: Store, *, now: datetime, delivery_ids: list[int] | None = None) -> int:
    """Put refused deliveries back in the queue (after the WordPress side was fixed)."""
    statement = update(Delivery).where(col(Delivery.status) == DeliveryStatus.FAILED)
    if delivery_ids:
        statement = statement.where(col(Delivery.id).in_(delivery_ids))
    with store.write() as session:
        result = session.execute(
            statement.values(status=DeliveryStatus.PENDING, next_attempt_at=now, attempts=0)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def delivered_since(store: Store, after: int, limit: int) -> LeadsPage:
    """The reconciliation read: the leads WordPress took after cursor `after` (a delivery id),
    oldest first, as they were sent. Replayed through the plugin's own lead route they rebuild
    its table: a connection's lead first, then each later event of it (the plugin's versions
    leave the newest standing)."""
    with store.read() as session:
        rows = session.execute(
            select(_DELIVERIES.c.id, _DELIVERIES.c.payload)
            .where(
                _DELIVERIES.c.status == DeliveryStatus.DELIVERED,
                _DELIVERIES.c.id > after,
            )
            .order_by(_DELIVERIES.c.id)
            .limit(limit + 1)
        ).all()
    page = rows[:limit]
    return LeadsPage(
        leads=[dict(payload) for _, payload in page],
        next=page[-1][0] if page else after,
        more=len(rows) > limit,
    )
