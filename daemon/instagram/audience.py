"""A creator's audience (GET /me/insights?metric=follower_demographics), read as igsync stores
it: per breakdown (country, age, gender) the followers in each group, "suppressed" when
Instagram withholds it, or "unavailable" when the pinned Graph API version no longer serves
the metric. Never an empty map or a 0 standing in for either.

Meta documents follower_demographics as a lifetime metric of metric_type total_value, broken
down by one dimension per request, with at most the top 45 groups; accounts under 100
followers get none, and data that does not exist yet comes back as an empty data set.
Demographics move slowly, so they are read once a week (AUDIENCE_EVERY), not on every sync.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from daemon.instagram.flavours import count_or_none
from daemon.instagram.insights import SUPPRESSED, WITHHELD_BELOW_FOLLOWERS

DEMOGRAPHICS = "follower_demographics"
BREAKDOWNS = ("country", "age", "gender")
AUDIENCE_EVERY = timedelta(days=7)
AUDIENCE = "audience"  # its key among the stored insights
READ_ON = "read_on"  # the day the audience was read, ISO 8601
# What a group may be called (US, 25-34, 65+, F): what the WordPress plugin's lead schema takes;
# a group named otherwise is left out rather than have WordPress refuse the whole lead.
GROUP_NAME = re.compile(r"[A-Za-z0-9 ,.+-]{1,32}")

Breakdown = dict[str, int] | str
Audience = dict[str, Breakdown]


def read_breakdown(payload: Mapping[str, Any], breakdown: str) -> Breakdown:
    """Pure: one breakdown's groups as {group: followers}, or "suppressed" when Instagram
    answered none (an empty data set, no results)."""
    groups: dict[str, int] = {}
    data = payload.get("data")
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or entry.get("name") != DEMOGRAPHICS:
            continue
        total = entry.get("total_value")
        parts = total.get("breakdowns") if isinstance(total, Mapping) else None
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, Mapping) or part.get("dimension_keys") != [breakdown]:
                continue
            results = part.get("results")
            for result in results if isinstance(results, list) else []:
                values = result.get("dimension_values") if isinstance(result, Mapping) else None
                count = count_or_none(result.get("value")) if isinstance(result, Mapping) else None
                group = str(values[0]) if isinstance(values, list) and len(values) == 1 else ""
                if GROUP_NAME.fullmatch(group) and count is not None:
                    groups[group] = count
    return groups or SUPPRESSED


def withheld(followers: int | None) -> bool:
    """Accounts under 100 followers get no demographics: no call is spent on them."""
    return followers is not None and followers < WITHHELD_BELOW_FOLLOWERS


def every_breakdown(value: str) -> Audience:
    """Pure: the whole audience "suppressed" or "unavailable"."""
    return {breakdown: value for breakdown in BREAKDOWNS}


def audience_due(stored: Mapping[str, Any] | None, today: date) -> bool:
    """Pure: whether the audience is read on this sync: never read, or read a week ago."""
    read_on = stored.get(READ_ON) if isinstance(stored, Mapping) else None
    try:
        return read_on is None or today - date.fromisoformat(str(read_on)) >= AUDIENCE_EVERY
    except ValueError:
        return True


def top_group(breakdown: Breakdown) -> str | None:
    """The largest group of a breakdown (the top country), None when there is none."""
    if isinstance(breakdown, str) or not breakdown:
        return None
    return max(sorted(breakdown), key=lambda group: breakdown[group])
