"""Instagram's own account of the rate budget, read from the headers of every answer.

`X-App-Usage` is one JSON object for the whole app ({"call_count": 28, "total_cputime": 5,
"total_time": 9}, each a percentage of the rolling hour). `X-Business-Use-Case-Usage` maps an
account id to a list of such objects, each with `type` and `estimated_time_to_regain_access`
(minutes). A missing header is not zero usage: it simply tells nothing. Pure; no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

APP_USAGE = "X-App-Usage"
BUSINESS_USAGE = "X-Business-Use-Case-Usage"
_PERCENT_KEYS = ("call_count", "total_cputime", "total_time")


@dataclass(frozen=True)
class AccountUsage:
    percent: float  # the highest of call count, CPU time and total time
    regain_seconds: float  # Instagram's estimate of when the account may call again (at 100%)


@dataclass(frozen=True)
class Usage:
    app_percent: float | None = None
    accounts: dict[str, AccountUsage] = field(default_factory=dict)

    @property
    def exhausted(self) -> bool:
        """Some budget this answer reports is spent: Instagram refuses until it recovers."""
        return (self.app_percent or 0) >= 100 or any(
            account.percent >= 100 for account in self.accounts.values()
        )

    @property
    def regain_seconds(self) -> float:
        """The longest wait any exhausted account budget announces (0 when none does)."""
        return max(
            (a.regain_seconds for a in self.accounts.values() if a.percent >= 100), default=0.0
        )


def read_usage(headers: Mapping[str, str]) -> Usage:
    """The usage an answer's headers report; unreadable parts are ignored, never an error."""
    app = _json(_header(headers, APP_USAGE))
    business = _json(_header(headers, BUSINESS_USAGE))
    accounts: dict[str, AccountUsage] = {}
    for account_id, entries in (business or {}).items():
        if not isinstance(entries, list):
            continue
        readable = [e for e in entries if isinstance(e, dict)]
        percents = [p for e in readable if (p := _percent(e)) is not None]
        if not percents:
            continue
        regain = max(_number(e.get("estimated_time_to_regain_access")) or 0 for e in readable)
        accounts[str(account_id)] = AccountUsage(max(percents), regain * 60)
    return Usage(app_percent=_percent(app) if app else None, accounts=accounts)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name) or headers.get(name.lower())


def _json(raw: str | None) -> dict[str, object] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _percent(entry: Mapping[str, object]) -> float | None:
    values = [v for key in _PERCENT_KEYS if (v := _number(entry.get(key))) is not None]
    return max(values) if values else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
