"""The worker pool: claims when woken, at a wake-up's time, at the budget's pace; a stop starts
nothing it had not started."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from daemon.runtime.worker_pool import InFlight, WorkerPool, handed_over


class CountingWorker:
    """Counts its claims; has `due` rows to hand out, and runs each one until `release`."""

    def __init__(self, due: int = 0, *, hold: bool = False) -> None:
        self.looks = 0
        self.due = due
        self.next_id = 0
        self.ran: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.hold = hold
        self.looked = threading.Condition()

    def claim_due(self, limit: int) -> list[int]:
        with self.looked:
            self.looks += 1
            self.looked.notify_all()
            taken = list(range(self.next_id, self.next_id + min(limit, self.due)))
            self.due -= len(taken)
            self.next_id += len(taken)
            return taken

    def run_claimed(self, row_id: int) -> str | None:
        self.ran.append(row_id)
        self.started.set()
        if self.hold:
            self.release.wait(10)
        return "done"

    def wait_for_looks(self, looks: int, timeout: float) -> bool:
        with self.looked:
            return self.looked.wait_for(lambda: self.looks >= looks, timeout)


class PacedWorker(CountingWorker):
    """A worker whose budget says the next start may go in a fifth of a second."""

    def wake_in(self) -> float | None:
        return 0.2


@pytest.fixture
def in_flight() -> InFlight:
    return InFlight()


def started(worker: CountingWorker, in_flight: InFlight, size: int = 1) -> WorkerPool:
    pool = WorkerPool("test", worker, size, sweep_interval=600, in_flight=in_flight)
    pool.start()
    return pool


@pytest.fixture
def stop_after(in_flight: InFlight) -> Iterator[list[WorkerPool]]:
    pools: list[WorkerPool] = []
    yield pools
    in_flight.stopping.set()
    for pool in pools:
        pool.close()
        pool.join(time.monotonic() + 5)


def test_a_paced_start_is_claimed_when_its_pause_ends_not_at_the_next_sweep(
    in_flight: InFlight, stop_after: list[WorkerPool]
) -> None:
    """Above the threshold the pause grows from a second to a minute: the claim loop looks
    again when the pause ends, so the pause is not stretched to the sweep interval."""
    worker = PacedWorker()
    stop_after.append(started(worker, in_flight))
    assert worker.wait_for_looks(2, timeout=10)  # not 600 s: the budget's pause, 0.2 s


def test_a_wake_up_for_later_claims_at_that_time_not_at_the_next_sweep(
    in_flight: InFlight, stop_after: list[WorkerPool]
) -> None:
    """A retry is a row due later: the pool that will work it looks again at its time."""
    worker = CountingWorker()
    pool = started(worker, in_flight)
    stop_after.append(pool)
    assert worker.wait_for_looks(1, timeout=10)  # the first claim, at the start
    pool.kick(in_seconds=0.3)
    assert not worker.wait_for_looks(2, timeout=0.1)  # not before its time
    assert worker.wait_for_looks(2, timeout=10)  # at it: not 600 s later, at the sweep


def test_a_kick_claims_at_once(in_flight: InFlight, stop_after: list[WorkerPool]) -> None:
    worker = CountingWorker()
    pool = started(worker, in_flight)
    stop_after.append(pool)
    assert worker.wait_for_looks(1, timeout=10)
    worker.due = 3
    pool.kick()
    assert worker.wait_for_looks(2, timeout=10)
    deadline = time.monotonic() + 10
    while len(worker.ran) < 3 and time.monotonic() < deadline:
        worker.started.wait(0.05)
    assert sorted(worker.ran) == [0, 1, 2]


def test_a_stop_finishes_the_row_in_hand_and_starts_none_of_those_waiting(
    in_flight: InFlight,
) -> None:
    """One worker, two places: one row running, one claimed and waiting when the stop comes.
    The running one finishes; the waiting one is never started (its lease goes back)."""
    worker = CountingWorker(due=2, hold=True)
    pool = started(worker, in_flight)
    assert worker.started.wait(10)
    in_flight.stopping.set()
    pool.close()
    worker.release.set()
    pool.join(time.monotonic() + 5)
    assert in_flight.wait(time.monotonic() + 5) == 0
    assert worker.ran == [0]


class RetryDuringClaim(CountingWorker):
    """On its second claim, another worker schedules a retry due 10 ms later, and the claim is
    still under way when that time comes (it found nothing due: it looked too early)."""

    pool: WorkerPool | None = None

    def claim_due(self, limit: int) -> list[int]:
        taken = super().claim_due(limit)
        if self.looks == 2 and self.pool is not None:
            due = time.monotonic() + 0.01
            self.pool.kick(in_seconds=0.01)
            while time.monotonic() <= due + 0.06:  # the retry comes due during this claim
                threading.Event().wait(0.01)
        return taken


def test_a_wake_up_that_comes_due_during_a_claim_gets_a_claim_of_its_own(
    in_flight: InFlight, stop_after: list[WorkerPool]
) -> None:
    """A claim that began before the retry's time may have found it not yet due: the wake-up
    is answered by the next claim, not dropped until the sweep."""
    worker = RetryDuringClaim()
    pool = WorkerPool("test", worker, 1, sweep_interval=600, in_flight=in_flight)
    worker.pool = pool
    pool.start()
    stop_after.append(pool)
    assert worker.wait_for_looks(1, timeout=10)
    pool.kick()
    assert worker.wait_for_looks(2, timeout=10)
    assert worker.wait_for_looks(3, timeout=10)  # not 600 s later


class BatchingWorker(CountingWorker):
    """Works its claimed rows in groups of at most 50, as the leads' worker does."""

    batch_size = 50

    def __init__(self, due: int) -> None:
        super().__init__(due)
        self.groups: list[list[int]] = []
        self.all_ran = threading.Event()

    def run_batch(self, row_ids: list[int]) -> None:
        self.groups.append(row_ids)
        if sum(map(len, self.groups)) >= self.next_id and not self.due:
            self.all_ran.set()


def test_a_batch_worker_gets_its_due_rows_in_groups_shared_by_its_workers(
    in_flight: InFlight, stop_after: list[WorkerPool]
) -> None:
    """130 rows due, 2 workers of 2 places each: one claim of 4 x 50 takes them all and hands
    them over as 3 groups of at most 50 (44, 44, 42), each row once."""
    worker = BatchingWorker(due=130)
    stop_after.append(started(worker, in_flight, size=2))
    assert worker.all_ran.wait(10)
    assert worker.looks >= 1 and sorted(map(len, worker.groups)) == [42, 44, 44]
    assert sorted(row for group in worker.groups for row in group) == list(range(130))
    assert worker.ran == []  # never one by one


def test_two_rows_due_go_to_both_workers_not_one_group() -> None:
    assert handed_over([7, 8], places=4, batch_size=50, workers=2) == [[7], [8]]
    assert handed_over([7], places=4, batch_size=50, workers=2) == [[7]]
    assert handed_over([1, 2, 3], places=4, batch_size=1, workers=2) == [[1], [2], [3]]
