"""The engagement rate of an account's recent posts: pure arithmetic, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from daemon.instagram.types import Post


def engagement_rate(posts: Sequence[Post], followers: int | None) -> float | None:
    """Average likes plus comments per post, divided by followers, in percent (two decimals).
    Posts whose counts are both hidden are left out; None with no post or no follower."""
    counted = [
        (post.like_count or 0) + (post.comments_count or 0)
        for post in posts
        if post.like_count is not None or post.comments_count is not None
    ]
    if not counted or not followers:
        return None
    return round(100 * sum(counted) / len(counted) / followers, 2)
