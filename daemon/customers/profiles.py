"""A fresh Instagram profile on a stored customer: what it changes, and writing it. One place
for the code pipeline (a connection) and the profile syncer (a re-sync)."""

from __future__ import annotations

import json
from typing import Any

from daemon.instagram.types import Profile
from daemon.store.models import PROFILE_DETAILS, Customer


def profile_changes(
    customer: Customer,
    profile: Profile,
    engagement: float | None = None,
    insights: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the fresh profile changes on the stored customer. A field Instagram left out this
    time (not granted, not measured, a username Instagram would not allow) changes nothing;
    usernames are case-insensitive."""
    fresh: dict[str, Any] = {
        "username": profile.username.lower() or None,
        "name": profile.name,
        "account_type": profile.account_type,
        "engagement_rate": engagement,
        **{detail: getattr(profile, detail) for detail in PROFILE_DETAILS},
    }
    changes = {
        name: value
        for name, value in fresh.items()
        if value is not None and value != getattr(customer, name)
    }
    unavailable = ",".join(sorted(profile.unavailable)) or None
    if unavailable != customer.unavailable_fields:
        changes["unavailable_fields"] = unavailable
    if insights is not None:
        read = json.dumps(insights, sort_keys=True)
        if read != customer.insights:
            changes["insights"] = read
    return changes


def apply_profile(
    customer: Customer,
    profile: Profile,
    engagement: float | None = None,
    insights: dict[str, Any] | None = None,
) -> list[str]:
    """Write the fresh profile on the customer; the names of the fields it changed."""
    changes = profile_changes(customer, profile, engagement, insights)
    for name, value in changes.items():
        setattr(customer, name, value)
    return sorted(changes)
