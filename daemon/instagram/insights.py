"""An account's insights (GET /me/insights), read as igsync stores them: per metric a number,
"suppressed" when Instagram withholds it, or "unavailable" when the pinned Graph API version
no longer serves it. Never a 0 standing in for either.

Meta documents that follower_count (and online_followers) are not available for accounts
with fewer than 100 followers; Instagram then leaves the metric out, or answers it empty or 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from daemon.instagram.errors import INVALID_PARAMETER_CODE, InstagramError
from daemon.instagram.flavours import count_or_none

INSIGHTS_SCOPE = "instagram_business_manage_insights"
METRICS = ("reach", "follower_count")  # daily, as the account's Insights tab shows them
SUPPRESSED, UNAVAILABLE = "suppressed", "unavailable"
WITHHELD_BELOW_FOLLOWERS = 100
# Graph's answer to a metric the version does not serve: "(#100) metric[1] must be one of the
# following values: ...".
REFUSED_METRIC = re.compile(r"metric\[(\d{1,2})\] must be one of")

Insight = int | str


def refused_metric(error: InstagramError, asked: tuple[str, ...]) -> str | None:
    """The metric a refusal names (by its place in the request), or None."""
    match = REFUSED_METRIC.search(error.message) if error.code == INVALID_PARAMETER_CODE else None
    if match is None or int(match.group(1)) >= len(asked):
        return None
    return asked[int(match.group(1))]


def read_insights(
    payload: Mapping[str, Any],
    asked: tuple[str, ...],
    retired: frozenset[str],
    followers: int | None,
) -> dict[str, Insight]:
    """Pure: each metric of METRICS as stored."""
    latest: dict[str, int | None] = {}
    data = payload.get("data")
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or entry.get("name") not in asked:
            continue
        values = entry.get("values")
        last = values[-1] if isinstance(values, list) and values else None
        latest[str(entry["name"])] = (
            count_or_none(last.get("value")) if isinstance(last, Mapping) else None
        )
    small = followers is not None and followers < WITHHELD_BELOW_FOLLOWERS
    result: dict[str, Insight] = {}
    for metric in METRICS:
        value = latest.get(metric)
        if metric in retired:
            result[metric] = UNAVAILABLE
        elif value is None or (value == 0 and small):
            result[metric] = SUPPRESSED
        else:
            result[metric] = value
    return result
