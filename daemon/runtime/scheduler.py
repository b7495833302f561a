"""How the daemon's work runs: a pool per kind of row, APScheduler for time, one clean stop.

- every work table (codes, leads, erasures, codes' outcomes, token refreshes, profile syncs) is
  worked by a fixed pool fed by its claim loop (daemon/runtime/worker_pool.py); a retry is a row due
  later, and whoever schedules it rings the pool's `Wake` for that time (`Wakeups`, made before
  the workers that ring them); a loop nobody rings sweeps at its interval;
- APScheduler 3 only keeps time: the poll of the WordPress plugin's queue (codes whose forward
  never arrived), housekeeping, the watchdog; no job is created per row;
- each daemon has its own in-memory job store (APScheduler 3 cannot share one between
  processes); the database rows and their leases are what is shared;
- `Scheduler.stop` is the one stop: nothing new starts, work in flight finishes until the
  deadline, every lease still held is handed back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from daemon.clock import Clock, utcnow
from daemon.runtime.systemd import notify, watchdog_interval
from daemon.runtime.worker_pool import InFlight, Worker, WorkerPool
from daemon.store import leases
from daemon.store.database import Store
from daemon.store.models import WORK_TABLES

log = logging.getLogger(__name__)

REFRESH_INTERVAL_SECONDS = 600
HOUSEKEEPING_INTERVAL_SECONDS = 60
CLAIM_LOOP_JOIN_SECONDS = 5.0  # a claim in progress at the stop commits before leases go back


class _SkippedRunFilter(logging.Filter):
    """A timed job that comes due while its previous run is still going is skipped by design
    (the run in progress does the work). APScheduler logs each such skip as a WARNING, which
    under load floods the log with non-events: they are dropped here, nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "skipped: maximum number of running instances" not in str(record.msg)


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedRunFilter())


class Wake:
    """One pool's doorbell, handed to whatever finishes work that pool picks up (a completed
    code rings the leads' pool; a failed attempt its own pool, for its retry's time). The pool
    is attached when the scheduler builds it; a ring before that is kept for it."""

    def __init__(self, name: str, clock: Clock = utcnow) -> None:
        self.name = name
        self._clock = clock
        self._pool: WorkerPool | None = None
        self._early: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, row_id: int | None = None, when: datetime | None = None) -> None:
        """Work may be due now, or at `when`. `row_id` names what the caller finished or
        scheduled; the pool claims whatever is due, in its own order."""
        in_seconds = 0.0 if when is None else max(0.0, (when - self._clock()).total_seconds())
        with self._lock:
            pool = self._pool
            if pool is None:
                self._early.append(in_seconds)
                return
        pool.kick(in_seconds)

    def attach(self, pool: WorkerPool) -> None:
        with self._lock:
            self._pool, early, self._early = pool, self._early, []
        for in_seconds in early:
            pool.kick(in_seconds)


@dataclass(frozen=True)
class Wakeups:
    """Where finished work goes: the doorbell of each pool that anything rings."""

    codes: Wake
    deliveries: Wake
    erasures: Wake

    @classmethod
    def new(cls, clock: Clock = utcnow) -> Wakeups:
        return cls(Wake("codes", clock), Wake("deliveries", clock), Wake("erasures", clock))


@dataclass(frozen=True)
class Work:
    """One kind of row the daemon works: its worker, its pool's size and sweep, its doorbell."""

    name: str
    worker: Worker
    size: int
    sweep_every: float
    wake: Wake | None = None


@dataclass(frozen=True)
class Timed:
    """A job APScheduler runs every `every` seconds (and once at the start)."""

    name: str
    run: Callable[[], object]
    every: float


class Scheduler:
    def __init__(
        self, *, store: Store, owner: str, work: Sequence[Work], timed: Sequence[Timed]
    ) -> None:
        self.store = store
        self.owner = owner
        self._in_flight = InFlight()
        self._pools = [
            WorkerPool(
                item.name,
                item.worker,
                item.size,
                sweep_interval=item.sweep_every,
                in_flight=self._in_flight,
            )
            for item in work
        ]
        for item, pool in zip(work, self._pools, strict=True):
            if item.wake is not None:
                item.wake.attach(pool)
        self._timed = timed
        self._aps = BackgroundScheduler(
            # The heartbeat has an executor of its own: it proves the scheduler loop is alive
            # even while the timed jobs wait on a slow WordPress.
            executors={
                "default": ThreadPoolExecutor(max_workers=max(2, len(timed))),
                "heartbeat": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def start(self) -> None:
        now = datetime.now(UTC)
        for job in self._timed:
            self._aps.add_job(
                self._in_flight.guarded(job.run),
                "interval",
                seconds=job.every,
                id=job.name,
                next_run_time=now,
            )
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
        for pool in self._pools:
            pool.start()
        pools = ", ".join(f"{pool.name} {pool.size}" for pool in self._pools)
        log.info("scheduler started: workers per pool %s", pools)

    def stop(self, within: float = 20.0) -> None:
        """Start nothing new, let the work in flight finish for up to `within` seconds, then
        hand back every lease (work still running past that finds its lease gone, and its row
        is another daemon's, or this one's after a restart)."""
        self._in_flight.stopping.set()
        deadline = time.monotonic() + within
        if self._aps.running:
            # Not wait=True: APScheduler holds its job-store lock while it joins its threads.
            self._aps.shutdown(wait=False)
        for pool in self._pools:
            pool.close()
        # A claim loop inside its claim transaction commits before the leases are handed back.
        claims_deadline = min(deadline, time.monotonic() + CLAIM_LOOP_JOIN_SECONDS)
        for pool in self._pools:
            pool.join(claims_deadline)
        unfinished = self._in_flight.wait(deadline)
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


__all__ = ["REFRESH_INTERVAL_SECONDS", "Scheduler", "Timed", "Wake", "Wakeups", "Work"]
