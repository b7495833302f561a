"""What Instagram's endpoints answer, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

# Meta's documented lifetimes: an authorization code is single-use for one hour, a short-lived
# token lives one hour (the long-lived one says its own `expires_in`, 60 days).
CODE_LIFETIME = timedelta(hours=1)
SHORT_LIVED_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True, repr=False)
class ShortLivedToken:
    access_token: str
    user_id: str
    permissions: tuple[str, ...] = ()

    def __repr__(self) -> str:  # the token itself never reaches a log line
        return f"ShortLivedToken(user_id={self.user_id!r}, permissions={self.permissions!r})"


@dataclass(frozen=True, repr=False)
class LongLivedToken:
    access_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (a token type, not a secret)

    def __repr__(self) -> str:
        return f"LongLivedToken(expires_in={self.expires_in!r})"


@dataclass(frozen=True)
class Profile:
    user_id: str
    username: str
    name: str | None = None
    account_type: str | None = None
    # Instagram Login's richer profile, each where granted (None when Instagram left it out).
    followers_count: int | None = None
    follows_count: int | None = None
    media_count: int | None = None
    profile_picture_url: str | None = None
    biography: str | None = None
    website: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # Fields the pinned Graph API version no longer serves: unknown because unavailable, not
    # because the account hides them.
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Post:
    """One of the account's recent posts, as far as engagement goes."""

    like_count: int | None
    comments_count: int | None
