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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
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
WORDPRESS = "wordpress"  # the executor of the jobs that talk to WordPress
DISPATCH = "dispatch"  # the executor of the dispatchers (they claim, never wait on upstreams)
PROFILES = "profiles"  # the executor of profile re-syncs: never in the way of codes
HOUSEKEEPING_INTERVAL_SECONDS = 60


class _SkippedRunFilter(logging.Filter):
    """A sweep or dispatch that comes due while the previous run is still going is skipped by
    design (the run in progress claims what is due, and a dispatch kicks itself again when a
    place frees up). APScheduler logs each such skip as a WARNING, which under load floods the
    log with non-events: they are dropped here, nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "skipped: maximum number of running instances" not in str(record.msg)


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedRunFilter())


class Worker(Protocol):
    def claim_due(self, limit: int) -> list[int]: ...
    def run_claimed(self, row_id: int) -> str | None: ...


class CodeWorker(Worker, Protocol):
    def process(self, row_id: int) -> str | None: ...


@dataclass
class _Feed:
    """Due rows of one worker, claimed as places free up in its executor: as many as it has
    workers, plus one waiting each, so every claimed row's lease is far longer than its wait."""

    name: str
    worker: Worker
    executor: str
    places: int
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


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
        self._codes = _Feed("codes", codes, "default", concurrency * 2)
        profile_workers = max(1, concurrency // 2)
        self._profiles = (
            _Feed("profiles", profiles, PROFILES, profile_workers * 2) if profiles else None
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
                DISPATCH: ThreadPoolExecutor(max_workers=1),
                PROFILES: ThreadPoolExecutor(max_workers=profile_workers),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def start(self) -> None:
        now = datetime.now(UTC)
        sweeps: list[tuple[str, Callable[[], object], float]] = [
            (
                "sweep-codes",
                self._guarded(lambda: self._dispatch(self._codes)),
                self.sweep_interval,
            ),
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
        if (profiles := self._profiles) is not None:
            sweeps.append(
                (
                    "sync-profiles",
                    self._guarded(partial(self._dispatch, profiles)),
                    self.sweep_interval,
                )
            )
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
        """New codes are claimed in batches by the dispatcher (one transaction for many codes,
        however many kicks arrived); a retry waits for its own time and claims itself."""
        if when is not None and when > datetime.now(UTC):
            self._once(self.codes.process, code_id, when)
        else:
            self._kick(self._codes)

    def _kick(self, feed: _Feed) -> None:
        """Run the feed's dispatcher now; kicks that arrive before it runs are one run."""
        if self._stopping.is_set():
            return
        self._aps.add_job(
            self._guarded(self._dispatch),
            "date",
            args=[feed],
            run_date=datetime.now(UTC),
            id=f"dispatch-{feed.name}",
            replace_existing=True,
            executor=DISPATCH,
            max_instances=2,  # a kick during a run is not lost: it runs right after
        )

    def _dispatch(self, feed: _Feed) -> None:
        """Claim as many due rows as the feed has free places and hand them to its workers
        (one transaction for many rows, however many kicks arrived)."""
        if self._stopping.is_set():
            return
        with feed.lock:
            free = feed.places - feed.in_flight
            if free <= 0:
                return
            try:
                claimed = feed.worker.claim_due(free)
            except Exception:
                log.exception("claiming %s failed; the next sweep tries again", feed.name)
                return
            feed.in_flight += len(claimed)
        if self._stopping.is_set():
            return  # claimed while the stop began: the stop hands their leases back
        for row_id in claimed:
            self._aps.add_job(
                self._run_dispatched,
                "date",
                args=[feed, row_id],
                run_date=datetime.now(UTC),
                executor=feed.executor,
            )

    def _run_dispatched(self, feed: _Feed, row_id: int) -> None:
        try:
            self._guarded(feed.worker.run_claimed)(row_id)
        finally:
            with feed.lock:
                feed.in_flight -= 1
            self._kick(feed)  # a place is free: more rows may be due

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
            # and a worker adding a job (a retry, the next dispatch) would wait on it for ever.
            self._aps.shutdown(wait=False)
        deadline = time.monotonic() + within
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
