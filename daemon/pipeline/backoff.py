"""Exponential backoff with full jitter (AWS architecture blog's variant): pure arithmetic."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    cap_seconds: float

    def delay(self, attempt: int, *, rng: random.Random | None = None, floor: float = 0.0) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts from 1).

        Uniform in [0, min(cap, base * 2**(attempt-1))], never below `floor` (a Retry-After).
        """
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        return max(floor, (rng or random).uniform(0, ceiling))


# Codes live one hour: retry quickly at first, never wait more than a minute at a time.
CODE_BACKOFF = Backoff(base_seconds=1.0, cap_seconds=60.0)
# WordPress may be down for hours; keep trying, at most every ten minutes.
DELIVERY_BACKOFF = Backoff(base_seconds=2.0, cap_seconds=600.0)
# A token refresh has days of slack before the token expires.
REFRESH_BACKOFF = Backoff(base_seconds=60.0, cap_seconds=3600.0)
