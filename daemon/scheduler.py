"""Wiring the workers to their triggers. No logic of its own.

- codes and profile syncs are worked by fixed pools, each fed by a claim loop
  (daemon/worker_pool.py): a new code from the intake wakes its loop, which otherwise sweeps
  every IGSYNC_SWEEP_INTERVAL;
- APScheduler 3 is for time: a retry due at its backoff time, the periodic sweeps of
  deliveries, erasures and token refreshes, housekeeping, the poll of the WordPress plugin's
  queue (codes whose forward never arrived), the watchdog;
- each daemon has its own in-memory job store (APScheduler 3 cannot share one between
  processes); the database rows and their leases are what is shared.
"""

from __future__ import annotations

import logging
import threading
import time
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
from daemon.worker_pool import Worker, WorkerPool

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

REFRESH_INTERVAL_SECONDS = 600
WORDPRESS = "wordpress"  # the executor of the jobs that talk to WordPress
HOUSEKEEPING_INTERVAL_SECONDS = 60


class _SkippedRunFilter(logging.Filter):
    """A sweep that comes due while its previous run is still going is skipped by design (the
    run in progress claims what is due). APScheduler logs each such skip as a WARNING, which
    under load floods the log with non-events: they are dropped here, nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "skipped: maximum number of running instances" not in str(record.msg)


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedRunFilter())


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
        outcomes: Callable[[], object] | None = None,
        profiles: Worker | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.owner = owner
        self.codes, self.deliveries, self.tokens = codes, deliveries, tokens
        self.erasures = erasures
        self.catch_up = catch_up
        self.outcomes = outcomes  # telling WordPress of codes that end without a lead
        self.concurrency = concurrency
        self.sweep_interval = sweep_interval
        self.clock = clock
        self._stopping = threading.Event()
        self._running = 0  # jobs inside _guarded: what a stop waits for
        self._idle = threading.Condition()
        # Codes and profile syncs: fixed pools fed by a claim loop each (daemon/worker_pool.py);
        # syncs have fewer workers of their own, so codes (an hour to live) never wait on them.
        self._codes = self._pool("codes", codes, concurrency)
        self._profiles = (
            self._pool("profiles", profiles, max(1, concurrency // 2)) if profiles else None
        )
        self._aps = BackgroundScheduler(
            # The heartbeat has an executor of its own: it proves the scheduler loop is alive
            # even while every worker waits on a slow upstream.
            # WordPress work (leads, erasures) has a pool of its own: a slow WordPress never
            # holds the workers that codes, each with an hour to live, are waiting for.
            executors={
                "default": ThreadPoolExecutor(max_workers=concurrency),
                WORDPRESS: ThreadPoolExecutor(max_workers=max(2, concurrency // 2)),
                "heartbeat": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def start(self) -> None:
        now = datetime.now(UTC)
        sweeps: list[tuple[str, Callable[[], object], float]] = [
            (
                "sweep-deliveries",
                self._guarded(lambda: self._sweep(self.deliveries, WORDPRESS)),
                self.sweep_interval,
            ),
            (
                "sweep-erasures",
                self._guarded(lambda: self._sweep(self.erasures, WORDPRESS)),
                self.sweep_interval,
            ),
            (
                "refresh-tokens",
                self._guarded(lambda: self._sweep(self.tokens)),
                REFRESH_INTERVAL_SECONDS,
            ),
            ("housekeeping", self._housekeeping, HOUSEKEEPING_INTERVAL_SECONDS),
            ("catch-up", self._guarded(self.catch_up), self.sweep_interval),
        ]
        if self.outcomes is not None:
            sweeps.append(("tell-outcomes", self._guarded(self.outcomes), self.sweep_interval))
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
        for pool in self._pools():
            pool.start()
        log.info(
            "scheduler started: %d workers, sweeps every %gs", self.concurrency, self.sweep_interval
        )

    def kick_code(self, code_id: int, when: datetime | None = None) -> None:
        """A new code wakes the codes' claim loop (however many arrive, it claims them in
        batches); a retry waits for its own time and claims itself."""
        if when is not None and when > datetime.now(UTC):
            self._once(self.codes.process, code_id, when)
        else:
            self._codes.kick()

    def _pool(self, name: str, worker: Worker, size: int) -> WorkerPool:
        return WorkerPool(
            name,
            worker,
            size,
            sweep_interval=self.sweep_interval,
            run=lambda func, row_id: self._guarded(func)(row_id),
            stopping=self._stopping,
        )

    def _pools(self) -> list[WorkerPool]:
        return [self._codes] + ([self._profiles] if self._profiles is not None else [])

    def kick_delivery(self, delivery_id: int, when: datetime | None = None) -> None:
        self._once(self.deliveries.process, delivery_id, when, WORDPRESS)

    def kick_erasure(self, erasure_id: int, when: datetime | None = None) -> None:
        self._once(self.erasures.process, erasure_id, when, WORDPRESS)

    def stop(self, within: float = 20.0) -> None:
        """Start nothing new, let the jobs in flight finish for up to `within` seconds, then
        hand back every lease (a job still running past that finds its lease gone, and its
        row is another daemon's, or this one's after a restart)."""
        self._stopping.set()
        if self._aps.running:
            # Not wait=True: APScheduler holds its job-store lock while it joins the workers,
            # and a worker adding a job (a retry) would wait on it for ever.
            self._aps.shutdown(wait=False)
        deadline = time.monotonic() + within
        for pool in self._pools():  # no claim after this: the leases below are all there is
            pool.stop(max(0.0, min(5.0, deadline - time.monotonic())))
        with self._idle:
            while self._running and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            unfinished = self._running
        with self.store.write() as session:
            released = sum(
                leases.release_owned(session, model, self.owner) for model in WORK_TABLES
            )
        if unfinished:
            log.warning(
                "scheduler stopped with %d job(s) still running after %gs; their leases are "
                "handed back",
                unfinished,
                within,
            )
        log.info("scheduler stopped (%d lease(s) handed back)", released)

    def _once(
        self,
        func: Callable[[int], str | None],
        row_id: int,
        when: datetime | None,
        executor: str = "default",
    ) -> None:
        if self._stopping.is_set():
            return
        self._aps.add_job(
            self._guarded(func),
            "date",
            run_date=when or datetime.now(UTC),
            args=[row_id],
            executor=executor,
        )

    def _sweep(self, worker: Worker, executor: str = "default") -> None:
        if self._stopping.is_set():
            return
        try:
            claimed = worker.claim_due(self.concurrency * 2)
        except Exception:
            log.exception("sweep of %s failed; the next sweep tries again", type(worker).__name__)
            return
        for row_id in claimed:
            self._aps.add_job(
                self._guarded(worker.run_claimed),
                "date",
                args=[row_id],
                run_date=datetime.now(UTC),
                executor=executor,
            )

    def _housekeeping(self) -> None:
        self._guarded(lambda: run_housekeeping(self.store, now=self.clock()))()

    def _guarded(self, func: Callable[P, R]) -> Callable[P, R | None]:
        """Jobs skip once stopping begins, a stop waits for those running, and an unexpected
        error is logged, never fatal: the row keeps its lease until it runs out, then a sweep
        picks it up again."""

        def job(*args: P.args, **kwargs: P.kwargs) -> R | None:
            with self._idle:
                if self._stopping.is_set():
                    return None
                self._running += 1
            try:
                return func(*args, **kwargs)
            except Exception:
                log.exception("job %s failed", getattr(func, "__qualname__", func))
                return None
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

        return job


__all__ = ["Scheduler"]
