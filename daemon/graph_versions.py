"""Meta's Graph API versions and the day each stops being served.

Every Graph call igsync makes names one version (IGSYNC_GRAPH_API_VERSION): a version keeps
its fields and metrics until its "available until" date, about two years after its release,
so igsync changes what it reads when the owner changes the setting, never on Meta's schedule.
The table is Meta's changelog (developers.facebook.com/docs/graph-api/changelog/versions),
as of igsync's release; a version Meta has released since is accepted, with no known end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

VERSION = re.compile(r"v(\d{1,3})\.(\d)")
DEFAULT_VERSION = "v25.0"  # current, served until 29 July 2028; igsync's tests run against it
WARN_DAYS = 90  # doctor, Site Health and the alert speak up this long before the end


@dataclass(frozen=True)
class GraphVersion:
    name: str
    released: date | None
    available_until: date | None  # None: Meta has not announced it yet

    def days_left(self, today: date) -> int | None:
        """Days until Meta stops serving this version (0 or less: it has), or None if unknown."""
        return None if self.available_until is None else (self.available_until - today).days


GRAPH_VERSIONS: dict[str, GraphVersion] = {
    version.name: version
    for version in (
        GraphVersion("v26.0", date(2026, 7, 29), None),
        GraphVersion("v25.0", date(2026, 2, 18), date(2028, 7, 29)),
        GraphVersion("v24.0", date(2025, 10, 8), date(2028, 2, 18)),
        GraphVersion("v23.0", date(2025, 5, 29), date(2027, 10, 8)),
        GraphVersion("v22.0", date(2025, 1, 21), date(2027, 5, 20)),
        GraphVersion("v21.0", date(2024, 10, 2), date(2027, 1, 21)),
        GraphVersion("v20.0", date(2024, 5, 21), date(2026, 9, 24)),
        GraphVersion("v19.0", date(2024, 1, 23), date(2026, 5, 21)),
        GraphVersion("v18.0", date(2023, 9, 12), date(2026, 1, 26)),
        GraphVersion("v17.0", date(2023, 5, 23), date(2025, 9, 12)),
        GraphVersion("v16.0", date(2023, 2, 2), date(2025, 5, 14)),
    )
}


def parse_version(raw: str) -> str:
    """A version as Meta writes it in paths ("v25.0"); ValueError otherwise."""
    value = raw.strip()
    if not value.startswith("v"):
        value = "v" + value
    if not VERSION.fullmatch(value):
        raise ValueError('must be a Graph API version such as "v25.0"')
    return value


def graph_version(name: str) -> GraphVersion:
    """The table's entry, or one with unknown dates for a version newer than the table."""
    return GRAPH_VERSIONS.get(name) or GraphVersion(name, None, None)


def newest_listed() -> str:
    return max(GRAPH_VERSIONS, key=version_number)


def oldest_listed() -> str:
    return min(GRAPH_VERSIONS, key=version_number)


def is_newer_than_table(name: str) -> bool:
    return name not in GRAPH_VERSIONS and version_number(name) > version_number(newest_listed())


def is_known(name: str) -> bool:
    """A version Meta lists, or one released after this table: not a long-retired one."""
    return name in GRAPH_VERSIONS or is_newer_than_table(name)


def version_number(name: str) -> tuple[int, int]:
    """(25, 0) for "v25.0", for ordering; (0, 0) for what is not a version."""
    match = VERSION.fullmatch(name)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@dataclass(frozen=True)
class VersionVerdict:
    """What the owner must hear about the pinned version today: "ok", "warn" or "fail"."""

    verdict: str
    detail: str
    days_left: int | None


def judge_version(name: str, today: date) -> VersionVerdict:
    """Pure: the verdict on a pinned version for doctor, the ping answer and Site Health."""
    version = graph_version(name)
    days = version.days_left(today)
    if not is_known(name):
        return VersionVerdict(
            "fail",
            f"Graph API {name} is not a version Meta serves (older than {oldest_listed()}, "
            f"or unknown): set IGSYNC_GRAPH_API_VERSION to {DEFAULT_VERSION}",
            None,
        )
    if days is None:
        return VersionVerdict(
            "ok", f"Graph API {name} (Meta has not announced its end date yet)", None
        )
    until = f"{version.available_until:%d %B %Y}"
    if days <= 0:
        return VersionVerdict(
            "fail",
            f"Graph API {name} stopped being served on {until}: Instagram refuses its calls; "
            f"set IGSYNC_GRAPH_API_VERSION to {newest_listed()} and restart",
            days,
        )
    if days <= WARN_DAYS:
        return VersionVerdict(
            "warn",
            f"Graph API {name} is served until {until}, {days} days from now: test igsync on "
            f"{newest_listed()} (IGSYNC_GRAPH_API_VERSION) before then",
            days,
        )
    return VersionVerdict("ok", f"Graph API {name}, served until {until} ({days} days)", days)
