"""What to write after a failed attempt: retry later, or stop. Pure; no I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from daemon.pipeline.backoff import Backoff


@dataclass(frozen=True)
class RetryDecision:
    give_up: bool
    attempts: int
    next_attempt_at: datetime
    reason: str


def decide_retry(
    *,
    retryable: bool,
    reason: str,
    attempts: int,
    now: datetime,
    backoff: Backoff,
    deadline: datetime | None = None,
    floor_seconds: float | None = None,
    rng: random.Random | None = None,
) -> RetryDecision:
    """Give up on a permanent error, or when the next attempt would fall past the deadline."""
    attempts += 1
    if not retryable:
        return RetryDecision(True, attempts, now, reason)
    delay = backoff.delay(attempts, rng=rng, floor=floor_seconds or 0.0)
    retry_at = now + timedelta(seconds=delay)
    if deadline is not None and retry_at >= deadline:
        return RetryDecision(True, attempts, now, f"{reason} (gave up: deadline passed)")
    return RetryDecision(False, attempts, retry_at, reason)
