"""Wiring the workers to APScheduler 3 triggers. No logic of its own.

- on intake, a code is kicked at once; retries are kicked at their backoff time;
- periodic sweeps catch what a kick missed (a restart, a lease that ran out), and a poll of
  the WordPress plugin's queue fetches codes whose forward never arrived;
- each daemon has its own in-memory job store (APScheduler 3 cannot share one between
  processes); the database rows and their leases are what is shared.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ParamSpec, Protocol, TypeVar

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from daemon import leases
from daemon.clock import Clock, utcnow
from daemon.housekeeping import run_housekeeping
from daemon.models import WORK_TABLES
from daemon.store import Store
from daemon.systemd import notify, watchdog_interval

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

REFRESH_INTERVAL_SECONDS = 600
HOUSEKEEPING_INTERVAL_SECONDS = 60


class Worker(Protocol):
    def claim_due(self, limit: int) -> list[int]: ...
    def run_claimed(self, row_id: int) -> str | None: ...


class CodeWorker(Worker, Protocol):
    def process(self, row_id: int) -> str | None: ...


class Scheduler:
    def __init__(
        self,
        *,
        store: Store,
        owner: str,
        codes: CodeWorker,
        deliveries: CodeWorker,
        tokens: Worker,
        erasures: CodeWorker,
        catch_up: Callable[[], object],
        concurrency: int,
        sweep_interval: float,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.owner = owner
        self.codes, self.deliveries, self.tokens = codes, deliveries, tokens
        self.erasures = erasures
        self.catch_up = catch_up
        self.concurrency = concurrency
        self.sweep_interval = sweep_interval
        self.clock = clock
        self._stopping = threading.Event()
        self._aps = BackgroundScheduler(
            # The heartbeat has an executor of its own: it proves the scheduler loop is alive
            # even while every worker waits on a slow upstream.
            executors={
                "default": ThreadPoolExecutor(max_workers=concurrency),
                "heartbeat": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def start(self) -> None:
        now = datetime.now(UTC)
        sweeps: list[tuple[str, Callable[[], object], float]] = [
            ("sweep-codes", lambda: self._sweep(self.codes), self.sweep_interval),
            ("sweep-deliveries", lambda: self._sweep(self.deliveries), self.sweep_interval),
            ("sweep-erasures", lambda: self._sweep(self.erasures), self.sweep_interval),
            ("refresh-tokens", lambda: self._sweep(self.tokens), REFRESH_INTERVAL_SECONDS),
            ("housekeeping", self._housekeeping, HOUSEKEEPING_INTERVAL_SECONDS),
            ("catch-up", self._guarded(self.catch_up), self.sweep_interval),
        ]
        for job_id, func, seconds in sweeps:
            self._aps.add_job(func, "interval", seconds=seconds, id=job_id, next_run_time=now)
        if (interval := watchdog_interval()) is not None:
            self._aps.add_job(
                notify,
                "interval",
                args=["WATCHDOG=1"],
                seconds=interval,
                id="watchdog",
                executor="heartbeat",
                next_run_time=now,
            )
        self._aps.start()
        log.info(
            "scheduler started: %d workers, sweeps every %gs", self.concurrency, self.sweep_interval
        )

    def kick_code(self, code_id: int, when: datetime | None = None) -> None:
        self._once(self.codes.process, code_id, when)

    def kick_delivery(self, delivery_id: int, when: datetime | None = None) -> None:
        self._once(self.deliveries.process, delivery_id, when)

    def kick_erasure(self, erasure_id: int, when: datetime | None = None) -> None:
        self._once(self.erasures.process, erasure_id, when)

    def stop(self) -> None:
        """Finish the jobs in flight, skip queued ones, hand back every lease."""
        self._stopping.set()
        if self._aps.running:
            self._aps.shutdown(wait=True)
        with self.store.write() as session:
            released = sum(
                leases.release_owned(session, model, self.owner) for model in WORK_TABLES
            )
        log.info("scheduler stopped (%d lease(s) handed back)", released)

    def _once(self, func: Callable[[int], str | None], row_id: int, when: datetime | None) -> None:
        if self._stopping.is_set():
            return
        self._aps.add_job(
            self._guarded(func), "date", run_date=when or datetime.now(UTC), args=[row_id]
        )

    def _sweep(self, worker: Worker) -> None:
        if self._stopping.is_set():
            return
        try:
            claimed = worker.claim_due(self.concurrency * 2)
        except Exception:
            log.exception("sweep of %s failed; the next sweep tries again", type(worker).__name__)
            return
        for row_id in claimed:
            self._aps.add_job(
                self._guarded(worker.run_claimed), "date", args=[row_id], run_date=datetime.now(UTC)
            )

    def _housekeeping(self) -> None:
        self._guarded(lambda: run_housekeeping(self.store, now=self.clock()))()

    def _guarded(self, func: Callable[P, R]) -> Callable[P, R | None]:
        """Jobs skip once stopping begins, and an unexpected error is logged, never fatal:
        the row keeps its lease until it runs out, then a sweep picks it up again."""

        def job(*args: P.args, **kwargs: P.kwargs) -> R | None:
            if self._stopping.is_set():
                return None
            try:
                return func(*args, **kwargs)
            except Exception:
                log.exception("job %s failed", getattr(func, "__qualname__", func))
                return None

        return job


__all__ = ["Scheduler"]
