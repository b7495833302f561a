"""The two API flavours: Instagram API with Instagram Login (default) and Basic Display (legacy).

They share the token endpoints and differ in the authorize host, scopes, the exchange answer's
shape and the profile fields; each difference lives here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from daemon.instagram.types import Profile, ShortLivedToken
from daemon.settings import ApiFlavour


class MalformedAnswer(ValueError):
    """A 2xx answer without the fields the documentation promises."""


# Instagram usernames: at most 30 letters, digits, periods and underscores.
USERNAME = re.compile(r"[A-Za-z0-9._]{1,30}")
NAME_MAX_CHARS = 255  # the bridge plugin's column
BIOGRAPHY_MAX_CHARS = 500
URL_MAX_CHARS = 2048
# C0 and C1 controls, and the bidirectional overrides that can disguise text.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class ProfileParser(Protocol):
    def __call__(
        self, payload: Mapping[str, Any], unavailable: frozenset[str] = frozenset()
    ) -> Profile: ...


@dataclass(frozen=True)
class Flavour:
    name: ApiFlavour
    authorize_url: str
    scopes: tuple[str, ...]
    profile_fields: tuple[str, ...]
    parse_profile: ProfileParser

    def parse_exchange(self, payload: Mapping[str, Any]) -> ShortLivedToken:
        """Both documented shapes: {"data": [{...}]} (Instagram Login) and flat (Basic Display)."""
        entry: Any = payload
        data = payload.get("data")
        if isinstance(data, list) and data and isinstance(data[0], Mapping):
            entry = data[0]
        token = entry.get("access_token")
        user_id = entry.get("user_id")
        if not isinstance(token, str) or not token or user_id in (None, ""):
            raise MalformedAnswer("code exchange answer lacks access_token or user_id")
        permissions = entry.get("permissions") or ()
        if isinstance(permissions, str):
            permissions = tuple(p.strip() for p in permissions.split(",") if p.strip())
        return ShortLivedToken(token, str(user_id), tuple(str(p) for p in permissions))


def _login_profile(
    payload: Mapping[str, Any], unavailable: frozenset[str] = frozenset()
) -> Profile:
    user_id = payload.get("user_id") or payload.get("id")
    if not user_id:
        raise MalformedAnswer("profile answer lacks user_id")
    return Profile(
        user_id=str(user_id),
        username=_username(payload.get("username")),
        name=_text(payload.get("name"), NAME_MAX_CHARS),
        account_type=_text(payload.get("account_type"), 32),
        followers_count=count_or_none(payload.get("followers_count")),
        follows_count=count_or_none(payload.get("follows_count")),
        media_count=count_or_none(payload.get("media_count")),
        profile_picture_url=_url(payload.get("profile_picture_url")),
        biography=_text(payload.get("biography"), BIOGRAPHY_MAX_CHARS),
        website=_url(payload.get("website")),
        unavailable=unavailable,
    )


def _basic_display_profile(
    payload: Mapping[str, Any], unavailable: frozenset[str] = frozenset()
) -> Profile:
    user_id = payload.get("id")
    if not user_id:
        raise MalformedAnswer("profile answer lacks id")
    return Profile(
        user_id=str(user_id),
        username=_username(payload.get("username")),
        account_type=_text(payload.get("account_type"), 32),
        unavailable=unavailable,
    )


def _username(value: object) -> str:
    """A username as Instagram allows them (1 to 30 letters, digits, . _), else "" (unknown):
    a new connection cannot be stored without one (daemon.pipeline.exchange retries, then
    fails), while a re-sync keeps the username it has and takes the rest of the profile."""
    if not isinstance(value, str) or not USERNAME.fullmatch(value):
        return ""
    return value


def count_or_none(value: object) -> int | None:
    """A count Instagram may leave out or hide (not granted, not a professional account, likes
    hidden by the owner): a non-negative integer below 2^32, else unknown. The profile's counts
    and the posts' likes and comments alike: a bogus 10^20 must not become an engagement rate
    of 10^18 percent."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        return None
    return value


def _url(value: object) -> str | None:
    """An http(s) address of at most 2,048 characters, else unknown."""
    if not isinstance(value, str) or len(value) > URL_MAX_CHARS:
        return None
    return value if re.fullmatch(r"https?://[^\s\x00-\x1f]+", value) else None


def _text(value: object, limit: int) -> str | None:
    """Free text from the profile: control characters taken out, at most `limit` characters."""
    if not isinstance(value, str):
        return None
    cleaned = CONTROL_CHARACTERS.sub("", value).strip()[:limit]
    return cleaned or None


FLAVOURS: dict[ApiFlavour, Flavour] = {
    "instagram_login": Flavour(
        name="instagram_login",
        authorize_url="https://www.instagram.com/oauth/authorize",
        scopes=("instagram_business_basic",),
        profile_fields=(
            "user_id",
            "username",
            "name",
            "account_type",
            "profile_picture_url",
            "followers_count",
            "follows_count",
            "media_count",
            "biography",
            "website",
        ),
        parse_profile=_login_profile,
    ),
    "basic_display": Flavour(
        name="basic_display",
        authorize_url="https://api.instagram.com/oauth/authorize",
        scopes=("user_profile", "user_media"),
        profile_fields=("id", "username", "account_type"),
        parse_profile=_basic_display_profile,
    ),
}
