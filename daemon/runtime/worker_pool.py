"""A fixed pool of worker threads fed by one claim loop, the way rq and procrastinate work.

The claim loop leases as many due rows as the pool has free places (its workers, plus one
waiting each) in one transaction and puts their ids on a bounded in-process queue; each worker
takes an id, runs it, and frees its place, which wakes the claim loop. A worker that works rows
together (deliveries: one request for many leads) takes a batch per place instead: the claim
leases up to `batch_size` rows per free place and hands them over in groups. A wake-up (a new code
from the intake, a finished code's lead, a retry's time come) only sets an event or notes a
time: no lock is shared with whoever rings, and no job is created per row. With nothing due
the loop sleeps until a wake-up, the next noted time or its sweep interval.

`InFlight` is what a clean stop waits for: every row being worked, in every pool, and the
scheduler's timed jobs alike.
"""

from __future__ import annotations

import heapq
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar, runtime_checkable

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# A retry's due time is on the wall clock and the pool waits on the monotonic one: a wake-up for
# later rings this much after the time, so that its claim finds the row due.
LATE_BY_SECONDS = 0.05


class Worker(Protocol):
    """Anything that leases due rows and works one it holds (codes, syncs, deliveries...)."""

    def claim_due(self, limit: int) -> list[int]: ...
    def run_claimed(self, row_id: int) -> str | None: ...


@runtime_checkable
class BatchWorker(Worker, Protocol):
    """A worker that works several claimed rows together (their ids, at most `batch_size`)."""

    @property
    def batch_size(self) -> int: ...
    def run_batch(self, row_ids: list[int]) -> None: ...


class InFlight:
    """Counts the work running now; once stopping, nothing new starts and `wait` returns when
    the count is zero or the deadline has passed."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._running = 0
        self._idle = threading.Condition()

    def guarded(self, func: Callable[P, R]) -> Callable[P, R | None]:
        """`func` counted while it runs, skipped once stopping begins; an unexpected error is
        logged, never fatal (the row keeps its lease until it runs out, then is claimed again)."""

        def job(*args: P.args, **kwargs: P.kwargs) -> R | None:
            with self._idle:
                if self.stopping.is_set():
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

    def wait(self, deadline: float) -> int:
        """Wait until nothing runs or `deadline` (time.monotonic()); how many still run."""
        with self._idle:
            while self._running and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            return self._running


class WorkerPool:
    def __init__(
        self,
        name: str,
        worker: Worker,
        size: int,
        *,
        sweep_interval: float,
        in_flight: InFlight,
    ) -> None:
        self.name = name
        self.worker = worker
        self.size = size
        self.places = size * 2
        self.sweep_interval = sweep_interval
        self._in_flight = in_flight
        self.batch_size = 1
        run: Callable[[list[int]], object] = self._one_at_a_time
        if isinstance(worker, BatchWorker) and worker.batch_size > 1:
            self.batch_size, run = worker.batch_size, worker.run_batch
        self._run = in_flight.guarded(run)
        # Never more groups of ids than places, plus one end-of-work marker per worker at the stop.
        self._queue: queue.Queue[list[int] | None] = queue.Queue(maxsize=self.places + size)
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._in_hand = 0  # claimed and not yet finished (queued or running)
        self._claim_asked = False  # a kick or a freed place since the last look
        self._wake_times: list[float] = []  # time.monotonic() of the wake-ups noted for later
        self._claimed_at = 0.0  # when the last claim began: wake-ups before it are answered
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        claimer = threading.Thread(target=self._claim_loop, name=f"{self.name}-claims", daemon=True)
        self._threads = [claimer] + [
            threading.Thread(target=self._work, name=f"{self.name}-{n}", daemon=True)
            for n in range(self.size)
        ]
        for thread in self._threads:
            thread.start()

    def kick(self, in_seconds: float = 0.0) -> None:
        """Something may be due now, or in `in_seconds` (a retry's time): claim then, without
        waiting for the sweep interval."""
        with self._lock:
            if in_seconds > 0:
                heapq.heappush(self._wake_times, time.monotonic() + in_seconds + LATE_BY_SECONDS)
            else:
                self._claim_asked = True
        self._wake.set()  # to claim now, or to wait for the new time instead of the old one

    def close(self) -> None:
        """No more claims, and each worker leaves once its row in hand is done (rows claimed
        and not started are handed back with every other lease by the scheduler's stop)."""
        self._wake.set()
        for _ in range(self.size):
            self._queue.put(None)

    def join(self, deadline: float) -> None:
        """Wait for the claim loop and the workers to leave, until `deadline` (monotonic)."""
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _claim_loop(self) -> None:
        stopping = self._in_flight.stopping
        claim = True  # the first look, at the start
        while not stopping.is_set():
            if claim and self._claim() == "full":
                continue  # every place taken and more may be due: claim again when one frees
            woken = self._wake.wait(self._next_look())
            with self._lock:
                # Woken only to wait for a new time: look at that time, not now.
                claim = not woken or self._claim_asked
                self._claim_asked = False
                self._wake.clear()  # from here on, a kick or a freed place wakes the wait

    def _one_at_a_time(self, row_ids: list[int]) -> None:
        for row_id in row_ids:
            self.worker.run_claimed(row_id)

    def _claim(self) -> str:
        """Lease due rows for the free places and queue them: "full" when every place was
        taken (more may be due), "done" otherwise."""
        with self._lock:
            free = self.places - self._in_hand
            self._claimed_at = time.monotonic()
        claimed: list[int] = []
        if free > 0:
            try:
                claimed = self.worker.claim_due(free * self.batch_size)
            except Exception:
                log.exception("claiming %s failed; trying again at the next sweep", self.name)
        if self._in_flight.stopping.is_set():
            return "done"  # claimed as the stop began: the stop hands their leases back
        groups = handed_over(claimed, free, self.batch_size, self.size)
        with self._lock:
            self._in_hand += len(groups)
        for group in groups:
            self._queue.put(group)
        return "full" if claimed and len(claimed) == free * self.batch_size else "done"

    def _next_look(self) -> float:
        """The sweep interval, or sooner: the next wake-up noted for later, or the worker's own
        word on when it may start again (the API budget's pace)."""
        soon = self.sweep_interval
        with self._lock:
            # A wake-up is answered by a claim that began after its time, not by one that was
            # under way when it came due (that claim may have found the row not yet due).
            while self._wake_times and self._wake_times[0] <= self._claimed_at:
                heapq.heappop(self._wake_times)
            if self._wake_times:
                soon = min(soon, self._wake_times[0] - time.monotonic())
        hint = getattr(self.worker, "wake_in", None)
        paced = hint() if callable(hint) else None
        if paced is not None:
            soon = min(soon, paced)
        return max(0.05, soon)

    def _work(self) -> None:
        while (row_ids := self._queue.get()) is not None:
            try:
                self._run(row_ids)
            finally:
                with self._lock:
                    self._in_hand -= 1
                    self._claim_asked = True  # a place is free
                self._wake.set()


def handed_over(claimed: list[int], places: int, batch_size: int, workers: int) -> list[list[int]]:
    """Claimed ids in groups for the free places: each at most `batch_size`, as few as that
    allows but never fewer than there are workers to share them (two groups of 30 run side by
    side where one of 50 and one of 10 would keep a worker waiting)."""
    if not claimed:
        return []
    groups = max(-(-len(claimed) // batch_size), min(len(claimed), workers))
    groups = min(groups, places)
    size = -(-len(claimed) // groups)
    return [claimed[start : start + size] for start in range(0, len(claimed), size)]
