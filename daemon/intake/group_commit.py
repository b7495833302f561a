"""Group commit for the intake: forwards that arrive together are stored in one transaction.

SQLite commits one transaction at a time, each with an fsync (synchronous=FULL). One writer
thread takes whatever forwards are waiting, up to `max_batch`, stores them in one transaction
and only then resolves each request's future, so every 202 still means "committed". Alone, a
forward is written at once (a batch of one: no added latency); under load, the batches grow
and the cost of a commit is shared.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from daemon.clock import Clock, utcnow
from daemon.crypto import TokenCipher
from daemon.intake.codes import accept_codes
from daemon.store.database import Store
from wp_bridge.wire import Outcome, Submission

log = logging.getLogger(__name__)


class GroupCommit:
    def __init__(
        self, store: Store, cipher: TokenCipher, *, clock: Clock = utcnow, max_batch: int = 128
    ) -> None:
        self.store, self.cipher, self.clock, self.max_batch = store, cipher, clock, max_batch
        self._waiting: queue.SimpleQueue[tuple[Submission, Future[Outcome]]] = queue.SimpleQueue()
        self._started = False
        self._start_lock = threading.Lock()

    def submit(self, submission: Submission) -> Future[Outcome]:
        """The forward's outcome, once its batch is committed (or the database error)."""
        future: Future[Outcome] = Future()
        self._waiting.put((submission, future))
        if not self._started:
            with self._start_lock:
                if not self._started:
                    threading.Thread(target=self._run, name="intake-writer", daemon=True).start()
                    self._started = True
        return future

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                outcomes = accept_codes(
                    self.store, self.cipher, [s for s, _ in batch], now=self.clock()
                )
            except Exception as exc:  # each waiting request answers for itself (503)
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                future.set_result(outcome)
