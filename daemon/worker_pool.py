"""A fixed pool of worker threads fed by one claim loop, the way rq and procrastinate work.

The claim loop leases as many due rows as the pool has free places (its workers, plus one
waiting each) in one transaction and puts their ids on a bounded in-process queue; each worker
takes an id, runs it, and frees its place, which wakes the claim loop. A kick (a new code from
the intake) only sets an event: no lock is shared with the request that kicks, and no job is
created per row. With nothing due the loop sleeps until a kick or its sweep interval.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Worker(Protocol):
    """Anything that leases due rows and works one it holds (codes, syncs, deliveries...)."""

    def claim_due(self, limit: int) -> list[int]: ...
    def run_claimed(self, row_id: int) -> str | None: ...


class WorkerPool:
    def __init__(
        self,
        name: str,
        worker: Worker,
        size: int,
        *,
        sweep_interval: float,
        run: Callable[[Callable[[int], object], int], object],
        stopping: threading.Event,
    ) -> None:
        """`run(func, row_id)` runs one claimed row (the scheduler's guard: counted for a stop,
        skipped once stopping, errors logged); `stopping` is the scheduler's stop flag."""
        self.name = name
        self.worker = worker
        self.size = size
        self.places = size * 2
        self.sweep_interval = sweep_interval
        self._run = run
        self._stopping = stopping
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0  # claimed and not yet finished (queued or running)
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        claimer = threading.Thread(target=self._claim_loop, name=f"{self.name}-claims", daemon=True)
        self._threads = [claimer] + [
            threading.Thread(target=self._work, name=f"{self.name}-{n}", daemon=True)
            for n in range(self.size)
        ]
        for thread in self._threads:
            thread.start()

    def kick(self) -> None:
        """Something may be due now: claim without waiting for the sweep interval."""
        self._wake.set()

    def stop(self, within: float) -> None:
        """No more claims; workers finish the row in hand (the scheduler waits for them and
        hands back the leases of rows claimed but not started)."""
        self._wake.set()
        for _ in range(self.size):
            self._queue.put(None)
        deadline = time.monotonic() + within
        claimer = self._threads[0] if self._threads else None
        if claimer is not None:
            claimer.join(max(0.0, deadline - time.monotonic()))

    def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before looking: a place freed from now on wakes the wait below
            with self._lock:
                free = self.places - self._in_flight
            claimed: list[int] = []
            if free > 0:
                try:
                    claimed = self.worker.claim_due(free)
                except Exception:
                    log.exception("claiming %s failed; trying again at the next sweep", self.name)
            if self._stopping.is_set():
                return  # claimed as the stop began: the stop hands their leases back
            with self._lock:
                self._in_flight += len(claimed)
            for row_id in claimed:
                self._queue.put(row_id)
            if claimed and len(claimed) == free:
                continue  # every place taken and more may be due: claim again when one frees
            self._wake.wait(self._next_look())

    def _next_look(self) -> float:
        """The sweep interval, or sooner when the worker says when it may start again (the
        API budget's pace: a pause that ends before the next sweep is not stretched to it)."""
        hint = getattr(self.worker, "wake_in", None)
        soon = hint() if callable(hint) else None
        return self.sweep_interval if soon is None else max(0.05, min(self.sweep_interval, soon))

    def _work(self) -> None:
        while (row_id := self._queue.get()) is not None:
            try:
                self._run(self.worker.run_claimed, row_id)
            finally:
                with self._lock:
                    self._in_flight -= 1
                self._wake.set()  # a place is free
