"""Telling WordPress about codes that end without a lead: an interrupted or failed code's
shopper has to connect again, and only WordPress can ask them (a failed code only while its
shopper may still be waiting: codes that failed before this was told, with an older daemon, are
not dug up). The code's own row is the outbox (its
`wordpress_told_at`, paced by its attempts and next_attempt_at like every retry)."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Unpack

from sqlalchemy import ColumnElement, or_
from sqlmodel import col

from daemon.pipeline.backoff import DELIVERY_BACKOFF
from daemon.pipeline.retry import decide_retry
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import ReceivedCode
from daemon.store.statuses import CodeStatus
from wp_bridge.wordpress import WordPressClient, WordPressError

log = logging.getLogger(__name__)

BATCH = 50
TOLD_STATUSES = (CodeStatus.INTERRUPTED, CodeStatus.FAILED)
FAILED_TOLD_FOR = timedelta(hours=2)
TOLD = "told"


class CodeOutcomes(leases.LeasedWorker):
    """Leases a code that ended without a lead while it tells WordPress, so that two daemons
    never tell the same code twice."""

    work = leases.WorkTable(
        ReceivedCode, TOLD_STATUSES, in_line=(col(ReceivedCode.wordpress_told_at).is_(None),)
    )

    def __init__(
        self,
        store: Store,
        wordpress: WordPressClient,
        *,
        rng: random.Random | None = None,
        **held: Unpack[leases.Holder],
    ) -> None:
        super().__init__(store, rng=rng, **held)
        self.wordpress = wordpress

    def due_now(self, now: datetime) -> Iterable[ColumnElement[bool]]:
        """An interrupted code always; a failed one only while its shopper may still wait."""
        return (
            or_(
                col(ReceivedCode.status) == CodeStatus.INTERRUPTED,
                col(ReceivedCode.updated_at) >= now - FAILED_TOLD_FOR,
            ),
        )

    def run_once(self) -> int:
        """Tell WordPress of the codes that are due now; how many it took (one pass of what the
        outcomes' pool does continuously)."""
        return sum(self.run_claimed(row_id) == TOLD for row_id in self.claim_due(BATCH))

    def run_claimed(self, row_id: int) -> str | None:
        with self.store.read() as session:
            row = session.get(ReceivedCode, row_id)
        assert row is not None
        try:
            self.wordpress.code_outcome(row.code_hash, row.status, row.last_error or "")
        except WordPressError as error:
            return self._later(row, error)
        with self.store.write() as session:
            if not leases.finish(
                session, ReceivedCode, row_id, self.owner, wordpress_told_at=self.clock()
            ):
                return None
        log.info("code %s: WordPress told it %s", row_id, row.status)
        return TOLD

    def _later(self, row: ReceivedCode, error: WordPressError) -> str | None:
        """Unreachable or refusing: try again with backoff (a refusal too, WordPress may be
        mid-update; the owner sees the code's status in `igsync status` meanwhile)."""
        assert row.id is not None
        decision = decide_retry(
            retryable=True,
            reason=str(error),
            attempts=row.attempts,
            now=self.clock(),
            backoff=DELIVERY_BACKOFF,
            rng=self.rng,
        )
        with self.store.write() as session:
            kept = leases.finish(
                session,
                ReceivedCode,
                row.id,
                self.owner,
                attempts=decision.attempts,
                next_attempt_at=decision.next_attempt_at,
            )
        log.warning("code %s: could not tell WordPress it was interrupted: %s", row.id, error)
        return "retrying" if kept else None
