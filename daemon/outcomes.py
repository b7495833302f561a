"""Telling WordPress about codes that end without a lead: an interrupted or failed code's
shopper has to connect again, and only WordPress can ask them (a failed code only while its
shopper may still be waiting: codes that failed before this was told, with an older daemon, are
not dug up). The code's own row is the outbox (its
`wordpress_told_at`, paced by its attempts and next_attempt_at like every retry)."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from daemon.backoff import DELIVERY_BACKOFF
from daemon.clock import Clock, utcnow
from daemon.models import ReceivedCode
from daemon.retry import decide_retry
from daemon.statuses import CodeStatus
from daemon.store import Store
from wp_bridge.wordpress import WordPressClient, WordPressError

log = logging.getLogger(__name__)

BATCH = 50
TOLD_STATUSES = (CodeStatus.INTERRUPTED, CodeStatus.FAILED)
FAILED_TOLD_FOR = timedelta(hours=2)


class CodeOutcomes:
    def __init__(
        self,
        store: Store,
        wordpress: WordPressClient,
        *,
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.wordpress = wordpress
        self.clock = clock
        self.rng = rng

    def run_once(self) -> int:
        """Tell WordPress of the interrupted codes that are due; how many it took."""
        now = self.clock()
        with self.store.read() as session:
            due = (
                session.execute(
                    select(ReceivedCode)
                    .where(
                        col(ReceivedCode.status).in_(TOLD_STATUSES),
                        or_(
                            col(ReceivedCode.status) == CodeStatus.INTERRUPTED,
                            col(ReceivedCode.updated_at) >= now - FAILED_TOLD_FOR,
                        ),
                        col(ReceivedCode.wordpress_told_at).is_(None),
                        col(ReceivedCode.next_attempt_at) <= now,
                    )
                    .order_by(col(ReceivedCode.id))
                    .limit(BATCH)
                )
                .scalars()
                .all()
            )
        told = 0
        for row in due:
            assert row.id is not None
            try:
                self.wordpress.code_outcome(row.code_hash, row.status, row.last_error or "")
            except WordPressError as error:
                self._later(row, error)
                continue
            with self.store.write() as session:
                session.execute(
                    update(ReceivedCode)
                    .where(col(ReceivedCode.id) == row.id)
                    .values(wordpress_told_at=self.clock())
                )
            told += 1
            log.info("code %s: WordPress told it %s", row.id, row.status)
        return told

    def _later(self, row: ReceivedCode, error: WordPressError) -> None:
        """Unreachable or refusing: try again with backoff (a refusal too, WordPress may be
        mid-update; the owner sees the code's status in `igsync status` meanwhile)."""
        decision = decide_retry(
            retryable=True,
            reason=str(error),
            attempts=row.attempts,
            now=self.clock(),
            backoff=DELIVERY_BACKOFF,
            rng=self.rng,
        )
        with self.store.write() as session:
            session.execute(
                update(ReceivedCode)
                .where(col(ReceivedCode.id) == row.id)
                .values(attempts=decision.attempts, next_attempt_at=decision.next_attempt_at)
            )
        log.warning("code %s: could not tell WordPress it was interrupted: %s", row.id, error)
