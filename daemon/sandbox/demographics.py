"""The sandbox's follower demographics, in the shape Meta documents for
GET /me/insights?metric=follower_demographics&period=lifetime&metric_type=total_value
&breakdown=...: one breakdown per request, the top 45 groups, only followers Instagram has
demographic data for (so the groups sum to less than the follower count), nothing at all for
an account under 100 followers. Made up per account, the same on every read."""

from __future__ import annotations

import hashlib
from typing import Any

DEMOGRAPHIC_METRICS = ("follower_demographics",)
GROUPS: dict[str, tuple[str, ...]] = {
    "country": ("US", "GB", "DE", "FR", "IT", "ES", "NL", "BR", "IN", "CA", "AU", "MX", "SE"),
    "city": ("London, England", "New York, New York", "Berlin, Berlin", "Paris, Ile-de-France"),
    "age": ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"),
    "gender": ("F", "M", "U"),
}
TOP = 45  # Meta: "Demographic metrics only return the top 45 performers"
WITHHELD_BELOW = 100
DESCRIPTION = (
    "The demographic characteristics of followers, including countries, cities and gender "
    "distribution."
)


def follower_groups(username: str, followers: int, breakdown: str) -> list[tuple[str, int]]:
    """An account's followers per group of the breakdown, largest first."""
    seed = int(hashlib.sha256(f"demographics:{breakdown}:{username}".encode()).hexdigest(), 16)
    groups = GROUPS[breakdown]
    weights = {group: 1 + (seed >> (5 * place)) % 31 for place, group in enumerate(groups)}
    weights[groups[seed % len(groups)]] += 40  # most followers share a country, an age...
    if breakdown == "gender":
        weights["U"] = 1 + seed % 4  # few followers leave their gender unsaid
    known = followers * 9 // 10  # followers Instagram has demographic data for
    total = sum(weights.values())
    counts = [(group, known * weight // total) for group, weight in weights.items()]
    ranked = sorted((pair for pair in counts if pair[1] > 0), key=lambda pair: -pair[1])
    return ranked[:TOP]


def demographics_answer(
    user_id: str, username: str, followers: int, breakdown: str
) -> dict[str, Any]:
    """The answer's body: an empty data set for an account Instagram withholds them from."""
    if followers < WITHHELD_BELOW:
        return {"data": []}
    results = [
        {"dimension_values": [group], "value": count}
        for group, count in follower_groups(username, followers, breakdown)
    ]
    return {
        "data": [
            {
                "name": "follower_demographics",
                "period": "lifetime",
                "title": "Follower demographics",
                "description": DESCRIPTION,
                "total_value": {
                    "breakdowns": [{"dimension_keys": [breakdown], "results": results}]
                },
                "id": f"{user_id}/insights/follower_demographics/lifetime",
            }
        ]
    }
