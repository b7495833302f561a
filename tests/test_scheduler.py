"""The scheduler: rows run in pools, APScheduler only keeps time, a wake-up rung early is kept."""

from __future__ import annotations

import time
from dataclasses import replace

from apscheduler.events import EVENT_JOB_ADDED, JobEvent

from daemon.runtime.scheduler import Wake
from daemon.runtime.serving import ServerThread
from daemon.runtime.worker_pool import InFlight, WorkerPool
from daemon.service import Daemon
from daemon.settings import Settings
from tests.conftest import Sandbox, Shop
from tests.test_daemon import forward_many
from tests.test_worker_pool import CountingWorker
from wp_bridge.signing import Signer

TIMED_JOBS = {"catch-up", "housekeeping", "watchdog"}


def test_no_scheduler_job_is_made_per_code_lead_or_retry(
    shop_settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    """Codes, their retries and their leads all reach WordPress through the pools: APScheduler
    holds only the timed jobs, however many rows pass (a job per lead was the convoy DESIGN
    warns of)."""
    daemon = Daemon.build(replace(shop_settings, sweep_interval_seconds=3600))
    added: list[str] = []
    daemon.scheduler._aps.add_listener(
        lambda event: added.append(event.job_id) if isinstance(event, JobEvent) else None,
        EVENT_JOB_ADDED,
    )
    sandbox.state.faults.update({"fail_next": 2, "fail_status": 500})  # two codes retry
    shop.state.fail_next = 2  # two leads retry
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            forward_many(sandbox, intake.url, signer, 6)
            assert shop.state.wait_for(6, timeout=60), f"{len(shop.state.leads)} leads arrived"
    finally:
        daemon.stop()
    assert set(added) <= TIMED_JOBS, f"jobs per row: {sorted(set(added) - TIMED_JOBS)}"


def test_a_wake_rung_before_its_pool_exists_reaches_the_pool() -> None:
    """The doorbells are made before the workers, the pools after: a ring in between is kept."""
    wake, worker, in_flight = Wake("test"), CountingWorker(), InFlight()
    pool = WorkerPool("test", worker, 1, sweep_interval=600, in_flight=in_flight)
    pool.start()
    try:
        assert worker.wait_for_looks(1, timeout=10)
        worker.due = 1
        wake(7)  # no pool attached yet
        wake.attach(pool)
        assert worker.wait_for_looks(2, timeout=10)
        assert worker.started.wait(10) and worker.ran == [0]
    finally:
        in_flight.stopping.set()
        pool.close()
        pool.join(time.monotonic() + 5)
