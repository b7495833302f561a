"""The API budget the profile syncer keeps to, as Instagram last reported it.

Instagram counts calls over a rolling hour, per app and per account, and says how much is
spent in the usage headers of every answer. Above the threshold (IGSYNC_API_BUDGET_PERCENT) the
syncer slows down: one sync at a time with pauses, and an account near its own limit waits.
At 100% it stops: the account until Instagram's estimated time to regain access (taken at most
a day ahead: a bogus estimate must not park an account for years; each cut is counted and
logged), the whole app
for a minute, doubling while it stays spent (X-App-Usage gives no reset time). What other
daemons spend shows up in the same headers, so each daemon learns the shared budget from its
own answers.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from daemon.instagram.errors import RATE_LIMIT_MIN_WAIT_SECONDS
from daemon.instagram.usage import Usage

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)  # Instagram's rolling window: older reports say nothing now
MAX_REGAIN = timedelta(days=1)  # the longest estimated_time_to_regain_access taken as said
MIN_WAIT = timedelta(seconds=RATE_LIMIT_MIN_WAIT_SECONDS)
SLOW_PAUSE_MIN = timedelta(seconds=1)
SLOW_PAUSE_MAX = timedelta(seconds=60)


@dataclass(frozen=True)
class _Reading:
    percent: float
    seen_at: datetime
    resume_at: datetime | None  # set when the budget was spent


class ApiBudget:
    def __init__(self, threshold_percent: float = 75.0) -> None:
        self.threshold = threshold_percent
        self._app: _Reading | None = None
        self._accounts: dict[str, _Reading] = {}
        self._next_start_at: datetime | None = None  # pacing while above the threshold
        self._app_spent_in_a_row = 0
        self.regain_capped = 0  # estimates beyond MAX_REGAIN, cut to it
        self._lock = threading.Lock()

    def observe(self, usage: Usage, now: datetime) -> None:
        """Record what one answer reported."""
        with self._lock:
            if usage.app_percent is not None:
                # X-App-Usage names no reset time: wait a minute, then twice as long each time
                # the next answer still says 100%, up to the window.
                spent = usage.app_percent >= 100
                self._app_spent_in_a_row = self._app_spent_in_a_row + 1 if spent else 0
                wait = min(WINDOW, MIN_WAIT * 2 ** max(0, self._app_spent_in_a_row - 1))
                self._app = _Reading(usage.app_percent, now, now + wait if spent else None)
            for account_id, account in usage.accounts.items():
                resume = None
                if account.percent >= 100:
                    resume = now + max(MIN_WAIT, self._regain(account_id, account.regain_seconds))
                self._accounts[account_id] = _Reading(account.percent, now, resume)

    def _regain(self, account_id: str, seconds: float) -> timedelta:
        """Instagram's estimate, at most a day (called with the lock held)."""
        if seconds <= MAX_REGAIN.total_seconds():  # NaN and inf are not, and are cut too
            return timedelta(seconds=seconds)
        self.regain_capped += 1
        log.warning(
            "Instagram estimated %.0f minutes until account %s may call again; waiting a day "
            "at most (%d such estimate(s) cut)",
            seconds / 60,
            account_id,
            self.regain_capped,
        )
        return MAX_REGAIN

    def resume_at(self, account_id: str, now: datetime) -> datetime | None:
        """When a call for this account may go out, or None for now. An account above the
        threshold is spaced out in proportion to how close it is to its limit."""
        with self._lock:
            # The app as a whole slows down by smaller batches (see `batch`), and stops when spent.
            waits = [
                self._wait(self._app, now, spaced=False),
                self._wait(self._accounts.get(account_id), now),
            ]
        later = [w for w in waits if w is not None]
        return max(later) if later else None

    def batch(self, full: int, now: datetime) -> int:
        """How many syncs to claim now: all of `full` below the threshold; above it one, when
        the pause since the last start is over; none while the app's budget is spent. (The
        start itself is taken by take_start, so rows claimed before an answer reported the
        threshold wait their turn too.)"""
        with self._lock:
            app = self._fresh(self._app, now)
            if app is None or app.percent < self.threshold:
                return full
            return min(full, 1) if self._start_wait(app, now) is None else 0

    def take_start(self, now: datetime) -> datetime | None:
        """A sync is about to call Instagram: None to go ahead (above the threshold, the next
        start then waits a pause that grows from a second at the threshold to a minute at
        100%), or when it may start instead."""
        with self._lock:
            app = self._fresh(self._app, now)
            if app is None or app.percent < self.threshold:
                return None
            wait = self._start_wait(app, now)
            if wait is None:
                pause = SLOW_PAUSE_MIN + (SLOW_PAUSE_MAX - SLOW_PAUSE_MIN) * self._past(app.percent)
                self._next_start_at = now + pause
            return wait

    def next_start_in(self, now: datetime) -> float | None:
        """Seconds until a paced start may go (for the claim loop to wake then), or None."""
        with self._lock:
            app = self._fresh(self._app, now)
            if app is None or app.percent < self.threshold:
                return None
            wait = self._start_wait(app, now)
        return None if wait is None else (wait - now).total_seconds()

    def _start_wait(self, app: _Reading, now: datetime) -> datetime | None:
        """When the next start above the threshold may go, or None for now (lock held)."""
        if app.resume_at is not None and app.resume_at > now:
            return app.resume_at
        if self._next_start_at is not None and now < self._next_start_at:
            return self._next_start_at
        return None

    def _wait(
        self, reading: _Reading | None, now: datetime, *, spaced: bool = True
    ) -> datetime | None:
        reading = self._fresh(reading, now)
        if reading is None:
            return None
        if reading.resume_at is not None:
            return reading.resume_at if reading.resume_at > now else None
        if not spaced or reading.percent < self.threshold:
            return None
        # Between the threshold and 100%: wait a share of the window as large as the share of
        # the remaining headroom already spent.
        resume = reading.seen_at + WINDOW * self._past(reading.percent) / 4
        return resume if resume > now else None

    def _past(self, percent: float) -> float:
        """How far past the threshold a usage is, from 0 (at it) to 1 (at 100%)."""
        return min(1.0, max(0.0, (percent - self.threshold) / max(1e-9, 100 - self.threshold)))

    @staticmethod
    def _fresh(reading: _Reading | None, now: datetime) -> _Reading | None:
        if reading is None or now - reading.seen_at > WINDOW:
            return None
        return reading
