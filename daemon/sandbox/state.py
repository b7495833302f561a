"""The sandbox's behaviour, apart from HTTP: what Meta documents, enforced on in-memory state.

- Authorization codes are single-use and valid for one hour; the exchange must name the same
  redirect_uri as the authorize request, to the character, and the right client secret.
- Short-lived tokens live one hour; long-lived ones 60 days and can be refreshed only once they
  are 24 hours old and before they expire.
- Errors use the documented payloads: the OAuth shape on /oauth/access_token, the Graph shape
  elsewhere. Every Graph call made with a token is counted over a rolling hour, per account and
  for the app; answers carry X-App-Usage and X-Business-Use-Case-Usage, and a spent budget
  answers code 80002 (the account's) or 4 (the app's).
Time can be moved forward (`advance`) so that expiry is testable without waiting, and faults
can be injected (latency, 5xx, rate limiting, hanging) for tests and benchmarks.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from daemon.graph_versions import VERSION, graph_version, is_known, version_number
from daemon.sandbox.demographics import DEMOGRAPHIC_METRICS, GROUPS, demographics_answer
from daemon.settings import ApiFlavour
from daemon.store.ownership import give_to_folder_owner

CODE_LIFETIME = 3600
SHORT_LIVED_LIFETIME = 3600
LONG_LIVED_LIFETIME = 60 * 24 * 3600  # 5,184,000 s
REFRESH_MIN_AGE = 24 * 3600
SCOPES: dict[ApiFlavour, frozenset[str]] = {
    "instagram_login": frozenset(
        {
            "instagram_business_basic",
            "instagram_business_manage_messages",
            "instagram_business_manage_comments",
            "instagram_business_content_publish",
            "instagram_business_manage_insights",
        }
    ),
    "basic_display": frozenset({"user_profile", "user_media"}),
}
INSIGHT_METRICS = ("reach", "follower_count", "views", "accounts_engaged", "total_interactions")
ACCOUNT_TYPES: dict[ApiFlavour, tuple[str, ...]] = {
    "instagram_login": ("BUSINESS", "CREATOR"),  # Instagram Login serves professional accounts only
    "basic_display": ("PERSONAL", "BUSINESS", "CREATOR"),
}


@dataclass(frozen=True)
class SandboxConfig:
    app_id: str
    app_secret: str
    redirect_uris: frozenset[str]
    flavour: ApiFlavour = "instagram_login"
    calls_per_user_per_hour: int = 200  # the documented per-account budget
    # The app's budget over all accounts; None: Meta's formula, 200 x the accounts with tokens.
    app_calls_per_hour: int | None = None
    # Profile fields Meta no longer serves, each from a version on ({"biography": "v25.0"}):
    # asking a retired field answers Graph's "nonexisting field" error, as Meta does.
    retired_fields: dict[str, str] = field(default_factory=dict)


FAULT_RANGES: dict[str, tuple[float, float]] = {
    "latency_ms": (0, 60_000),
    "fail_next": (0, 1_000_000),
    "fail_status": (400, 599),
    "rate_limit_next": (0, 1_000_000),
    "hang_next": (0, 1_000_000),
    "hang_seconds": (0, 300),
}


@dataclass
class Faults:
    """Injected misbehaviour for the API endpoints (not the authorize page)."""

    latency_ms: int = 0  # added to every API call
    fail_next: int = 0  # the next N API calls answer `fail_status`
    fail_status: int = 500
    rate_limit_next: int = 0  # the next N API calls answer an app-level rate limit (code 4)
    hang_next: int = 0  # the next N API calls answer only after `hang_seconds` (client timeouts)
    hang_seconds: float = 30.0

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def update(self, changes: dict[str, Any]) -> None:
        """Set faults; every value a finite number in its range (JSON's NaN and Infinity, parsed
        by Starlette, would break every later call), else ValueError and nothing changed."""
        checked = {}
        for key, value in changes.items():
            if key.startswith("_") or key not in FAULT_RANGES:
                raise ValueError(f"unknown fault {key!r}")
            low, high = FAULT_RANGES[key]
            kind = type(getattr(self, key))
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not low <= value <= high  # NaN fails this too
                or (kind is int and value != int(value))
            ):
                raise ValueError(f"{key} must be a number from {low} to {high}")
            checked[key] = kind(value)
        with self._lock:
            for key, value in checked.items():
                setattr(self, key, value)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def take(self) -> str | None:
        """The fault the next API call suffers ("hang", "rate_limit", "fail"), if any."""
        with self._lock:
            for counter, fault in (
                ("hang_next", "hang"),
                ("rate_limit_next", "rate_limit"),
                ("fail_next", "fail"),
            ):
                if getattr(self, counter) > 0:
                    setattr(self, counter, getattr(self, counter) - 1)
                    return fault
        return None


@dataclass(frozen=True)
class Account:
    username: str
    account_type: str

    @property
    def user_id(self) -> str:
        """Stable per username, shaped like an Instagram professional account id."""
        return "178414" + str(int(hashlib.sha256(self.username.encode()).hexdigest(), 16))[:11]

    @property
    def app_scoped_id(self) -> str:
        return str(int(hashlib.sha256(b"app:" + self.username.encode()).hexdigest(), 16))[:17]

    @property
    def name(self) -> str:
        return self.username.replace("_", " ").replace(".", " ").title()


@dataclass
class IssuedCode:
    account: Account
    redirect_uri: str
    scopes: tuple[str, ...]
    issued_at: float
    used: bool = False


@dataclass
class IssuedToken:
    account: Account
    long_lived: bool
    issued_at: float
    expires_at: float
    scopes: tuple[str, ...]


class SandboxError(Exception):
    """An answer other than 200: HTTP status, JSON payload and headers."""

    def __init__(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.payload, self.headers = status, payload, headers or {}


def oauth_error(message: str, status: int = 400, code: int = 400) -> SandboxError:
    return SandboxError(
        status, {"error_type": "OAuthException", "code": code, "error_message": message}
    )


def graph_error(
    message: str,
    code: int,
    status: int = 400,
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
) -> SandboxError:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(9),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return SandboxError(status, {"error": error}, headers)


def _midnight(day: date) -> float:
    """The first second of `day` (UTC), as a timestamp."""
    return float(calendar.timegm(day.timetuple()))


def _keep(path: Path, token: str, issued: IssuedToken) -> None:
    """Append an issued token to the sandbox mode's file: its hash and what it grants."""
    kept = {
        "sha256": hashlib.sha256(token.encode()).hexdigest(),
        "username": issued.account.username,
        "account_type": issued.account.account_type,
        "long_lived": issued.long_lived,
        "issued_at": issued.issued_at,
        "expires_at": issued.expires_at,
        "scopes": list(issued.scopes),
    }
    with path.open("a") as out:
        out.write(json.dumps(kept) + "\n")


def _remembered(path: Path) -> dict[str, IssuedToken]:
    """The tokens a sandbox issued before a restart, by hash (the last line for one wins)."""
    remembered = {}
    for line in path.read_text().splitlines():
        kept = json.loads(line)
        remembered[kept["sha256"]] = IssuedToken(
            Account(kept["username"], kept["account_type"]),
            kept["long_lived"],
            kept["issued_at"],
            kept["expires_at"],
            tuple(kept["scopes"]),
        )
    return remembered


class AuthorizeRefused(Exception):
    """The authorize request itself is invalid: Instagram shows an error page, no redirect."""


@dataclass
class SandboxState:
    config: SandboxConfig
    faults: Faults = field(default_factory=Faults)
    offset_seconds: float = 0.0
    _codes: dict[str, IssuedCode] = field(default_factory=dict)
    _tokens: dict[str, IssuedToken] = field(default_factory=dict)
    _revoked: set[str] = field(default_factory=set)  # tokens a password change invalidated
    _calls: dict[str, deque[float]] = field(default_factory=dict)  # per account (user id)
    _app_calls: deque[float] = field(default_factory=deque)
    rate_limited: int = 0  # answers refused for a spent budget
    graph_calls: int = 0  # every Graph call made with a token, refused ones included
    insight_reads: Counter[str] = field(default_factory=Counter)  # per metric asked
    exchange_requests_received: int = 0  # exchanges arrived, answered or still being delayed
    exchange_attempts: Counter[str] = field(default_factory=Counter)
    exchanges: Counter[str] = field(default_factory=Counter)
    # Sandbox mode (`igsync run` with IGSYNC_SANDBOX=on): the tokens it issued outlive a restart,
    # kept as one JSON line each, under the token's SHA-256, never the token itself.
    remember: Path | None = None
    _remembered: dict[str, IssuedToken] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.remember is not None:
            self.remember.touch(mode=0o600)
            give_to_folder_owner(self.remember)  # root ran the daemon: the service can read it
            self._remembered = _remembered(self.remember)

    # -- time -----------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.offset_seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset_seconds += seconds

    # -- authorize --------------------------------------------------------------
    def check_authorize(
        self, client_id: str, redirect_uri: str, response_type: str, scope: str
    ) -> tuple[str, ...]:
        if client_id != self.config.app_id:
            raise AuthorizeRefused("Invalid platform app")
        if redirect_uri not in self.config.redirect_uris:
            raise AuthorizeRefused(
                "Invalid redirect_uri: it is not one of the app's Valid OAuth Redirect URIs"
            )
        if response_type != "code":
            raise AuthorizeRefused("Invalid response_type: only 'code' is supported")
        scopes = tuple(s for s in scope.replace(" ", ",").split(",") if s)
        unknown = [s for s in scopes if s not in SCOPES[self.config.flavour]]
        if not scopes or unknown:
            raise AuthorizeRefused(f"Invalid Scopes: {', '.join(unknown) or '(none given)'}")
        return scopes

    def grant(
        self, redirect_uri: str, scopes: tuple[str, ...], username: str, account_type: str
    ) -> str:
        """The shopper clicked Allow: a new single-use code."""
        if account_type not in ACCOUNT_TYPES[self.config.flavour]:
            raise AuthorizeRefused(f"This app cannot be used with a {account_type.lower()} account")
        code = "AQSBX" + secrets.token_urlsafe(96)
        with self._lock:
            self._codes[code] = IssuedCode(
                Account(username, account_type), redirect_uri, scopes, self.now()
            )
        return code

    # -- versions -------------------------------------------------------------------
    def check_version(self, version: str, path: str) -> None:
        """A versioned Graph path names a version Meta serves today (the sandbox's clock);
        unversioned paths are served too, as Meta does. An unknown or expired version is
        refused: the wording is the sandbox's own, modelled on Graph's path and deprecation
        errors (Meta documents the dates, not the payload)."""
        if not version:
            return
        if not VERSION.fullmatch(version) or not is_known(version):
            raise graph_error(f"Unknown path components: /{version}/{path}", 2500)
        until = graph_version(version).available_until
        if until is not None and self.now() >= _midnight(until):
            raise graph_error(
                f"(#2635) You are calling a deprecated version of the Graph API ({version}, "
                f"available until {until.isoformat()}). Please update to a newer version.",
                2635,
            )

    def retire_field(self, name: str, from_version: str) -> None:
        with self._lock:
            self.config.retired_fields[name] = from_version

    def _retired(self, name: str, version: str) -> bool:
        since = self.config.retired_fields.get(name)
        return since is not None and version_number(version or since) >= version_number(since)

    # -- API endpoints ------------------------------------------------------------
    def exchange_code(self, form: dict[str, str]) -> dict[str, Any]:
        for name in ("client_id", "client_secret", "grant_type", "redirect_uri", "code"):
            if not form.get(name):
                raise oauth_error(f"Missing required parameter: {name}")
        if form["client_id"] != self.config.app_id:
            raise oauth_error("Invalid platform app")
        if not secrets.compare_digest(form["client_secret"], self.config.app_secret):
            raise oauth_error("Error validating client secret.")
        if form["grant_type"] != "authorization_code":
            raise oauth_error("Invalid grant_type: expected authorization_code")
        # Meta documents neither the order of these checks nor the messages: these are the
        # ones Instagram is seen to send (daemon.instagram.credentials), in this order.
        if form["redirect_uri"] not in self.config.redirect_uris:
            raise oauth_error("Invalid redirect_uri")
        code = form["code"].removesuffix("#_")
        with self._lock:
            self.exchange_attempts[code] += 1
            issued = self._codes.get(code)
            if issued is None or issued.used:
                raise oauth_error("Matching code was not found or was already used")
            if self.now() - issued.issued_at > CODE_LIFETIME:
                raise oauth_error("This authorization code has expired")
            if form["redirect_uri"] != issued.redirect_uri:
                raise oauth_error(
                    "Error validating verification code. Please make sure your redirect_uri is "
                    "identical to the one you used in the OAuth dialog request"
                )
            issued.used = True
            self.exchanges[code] += 1
            token = self._issue(issued.account, long_lived=False, scopes=issued.scopes)
        entry = {
            "access_token": token,
            "user_id": issued.account.user_id,
            "permissions": ",".join(issued.scopes),
        }
        if self.config.flavour == "basic_display":
            return {"access_token": token, "user_id": int(issued.account.user_id)}
        return {"data": [entry]}

    def exchange_long_lived(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("grant_type") != "ig_exchange_token":
            raise graph_error("Unsupported grant type: expected ig_exchange_token", 100)
        if not secrets.compare_digest(params.get("client_secret", ""), self.config.app_secret):
            raise graph_error("Error validating client secret.", 101)
        with self._lock:
            issued = self._valid_token(params.get("access_token", ""))
            if issued.long_lived:
                raise graph_error("Invalid token: only short-lived tokens can be exchanged", 100)
            token = self._issue(issued.account, long_lived=True, scopes=issued.scopes)
        return {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_LIFETIME}

    def refresh(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("grant_type") != "ig_refresh_token":
            raise graph_error("Unsupported grant type: expected ig_refresh_token", 100)
        with self._lock:
            issued = self._valid_token(params.get("access_token", ""))
            if not issued.long_lived:
                raise graph_error("Invalid token: short-lived tokens cannot be refreshed", 100)
            if self.now() - issued.issued_at < REFRESH_MIN_AGE:
                raise graph_error(
                    "Token cannot be refreshed until it is at least 24 hours old", 100
                )
            token = self._issue(issued.account, long_lived=True, scopes=issued.scopes)
        return {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_LIFETIME}

    def me(
        self,
        params: dict[str, str],
        pictures_url: str = "https://sandbox.invalid/pictures",
        version: str = "",
    ) -> tuple[dict[str, Any], dict[str, str]]:
        with self._lock:
            token = params.get("access_token", "")
            issued = self._valid_token(token)
            usage = self._count_call(issued.account)
        account = issued.account
        available: dict[str, Any] = {
            "id": account.app_scoped_id
            if self.config.flavour == "instagram_login"
            else account.user_id,
            "user_id": account.user_id,
            "username": account.username,
            "account_type": account.account_type,
            "media_count": 0,
        }
        if self.config.flavour == "instagram_login":
            available["name"] = account.name
            available.update(self._audience(account, pictures_url))
        else:
            available.pop("user_id")
        fields = [f for f in params.get("fields", "id,username").split(",") if f]
        unknown = [f for f in fields if f not in available or self._retired(f, version)]
        if unknown:
            raise graph_error(
                f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (IGUser)",
                100,
            )
        answer = {f: available[f] for f in fields}
        answer.setdefault("id", available["id"])
        return answer, usage

    def media(self, params: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """GET /me/media: the newest posts (at most `limit`, 25 by default) with their like and
        comment counts, which follow the account's audience."""
        with self._lock:
            issued = self._valid_token(params.get("access_token", ""))
            usage = self._count_call(issued.account)
        account = issued.account
        audience = self._audience(account, "")
        limit = params.get("limit", "25")
        count = min(audience["media_count"], int(limit) if limit.isdigit() else 25, 100)
        seed = int(hashlib.sha256(b"media:" + account.username.encode()).hexdigest(), 16)
        rate = 0.01 + (seed % 70) / 1000  # 1% to 8% of followers engage with a post
        posts = []
        for index in range(count):
            likes = int(audience["followers_count"] * rate * (0.6 + (seed >> index) % 9 / 10))
            posts.append(
                {
                    "id": str(17_900_000_000_000_000 + seed % 10**12 + index),
                    "like_count": likes,
                    "comments_count": likes // 20,
                    "timestamp": time.strftime(
                        "%Y-%m-%dT%H:%M:%S+0000", time.gmtime(self.now() - 86_400 * (index + 1))
                    ),
                }
            )
        fields = [f for f in params.get("fields", "id").split(",") if f]
        unknown = [
            f for f in fields if f not in ("id", "like_count", "comments_count", "timestamp")
        ]
        if unknown:
            raise graph_error(f"(#100) Tried accessing nonexisting field ({unknown[0]})", 100)
        data = [{f: post[f] for f in {"id", *fields}} for post in posts]
        return {"data": data, "paging": {"cursors": {"before": "", "after": ""}}}, usage

    def insights(self, params: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """GET /me/insights?metric=...&period=day in Meta's shape: needs the token to carry
        instagram_business_manage_insights; a metric the version no longer serves is refused
        as Graph refuses one; follower_count is left out for an account under 100 followers
        (Meta documents it is not available for them)."""
        version = params.pop("_version", "")
        with self._lock:
            issued = self._valid_token(params.get("access_token", ""))
            usage = self._count_call(issued.account)
        if "instagram_business_manage_insights" not in issued.scopes:
            raise graph_error("(#10) Application does not have permission for this action", 10)
        asked = [m for m in params.get("metric", "").split(",") if m]
        with self._lock:
            self.insight_reads.update(asked)
        metrics = INSIGHT_METRICS + DEMOGRAPHIC_METRICS
        for place, metric in enumerate(asked):
            if metric not in metrics or self._retired(metric, version):
                served = ", ".join(m for m in metrics if not self._retired(m, version))
                raise graph_error(
                    f"(#100) metric[{place}] must be one of the following values: {served}", 100
                )
        audience = self._audience(issued.account, "")
        if asked == ["follower_demographics"]:
            return self._demographics(issued.account, audience["followers_count"], params), usage
        if not asked or params.get("period") != "day" or set(asked) & set(DEMOGRAPHIC_METRICS):
            raise graph_error("(#100) The value must be a valid insights metric and period", 100)
        seed = int(hashlib.sha256(b"insights:" + issued.account.username.encode()).hexdigest(), 16)
        daily = {
            "reach": audience["followers_count"] * (20 + seed % 60) // 100,
            "follower_count": 1 + seed % 12,
            "views": audience["followers_count"] * (40 + seed % 90) // 100,
        }
        end = time.strftime("%Y-%m-%dT08:00:00+0000", time.gmtime(self.now()))
        data = [
            {
                "name": metric,
                "period": "day",
                "values": [{"value": daily.get(metric, 0), "end_time": end}],
                "title": metric.replace("_", " ").capitalize(),
                "id": f"{issued.account.user_id}/insights/{metric}/day",
            }
            for metric in asked
            if not (metric == "follower_count" and audience["followers_count"] < 100)
        ]
        return {"data": data}, usage

    @staticmethod
    def _demographics(account: Account, followers: int, params: dict[str, str]) -> dict[str, Any]:
        """follower_demographics: lifetime, total_value, one breakdown per request."""
        if params.get("period") != "lifetime" or params.get("metric_type") != "total_value":
            raise graph_error(
                "(#100) follower_demographics is only available with period=lifetime and "
                "metric_type=total_value",
                100,
            )
        breakdown = params.get("breakdown", "")
        if breakdown not in GROUPS:
            raise graph_error(
                "(#100) breakdown must be one of the following values: " + ", ".join(GROUPS), 100
            )
        return demographics_answer(account.user_id, account.username, followers, breakdown)

    def _audience(self, account: Account, pictures_url: str) -> dict[str, Any]:
        """A professional account's public figures, growing with the sandbox's clock (a few
        followers a day, different per account), so a re-sync has something to find. An
        account named small.* has under 100 followers (Instagram withholds some insights)."""
        seed = int(hashlib.sha256(account.username.encode()).hexdigest(), 16)
        days = int(self.now() // 86_400)
        if account.username.startswith("small."):
            followers = 20 + seed % 70
        else:
            followers = 100 + seed % 9_000 + days % 1_000 * (1 + seed % 7)
        return {
            "followers_count": followers,
            "follows_count": 50 + seed % 400,
            "media_count": 10 + seed % 90 + days % 1_000 // 3,
            "profile_picture_url": f"{pictures_url}/{account.username}.svg",
            "biography": f"{account.name} on Instagram (igsync sandbox)",
            "website": f"https://{account.username.replace('_', '-').strip('.')}.example",
        }

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "codes_issued": len(self._codes),
                "exchanges": sum(self.exchanges.values()),
                "exchange_attempts": sum(self.exchange_attempts.values()),
                "exchange_requests_received": self.exchange_requests_received,
                "codes_exchanged_more_than_once": sorted(
                    c[:12] for c, n in self.exchanges.items() if n > 1
                ),
                "tokens_issued": len(self._tokens),
                "graph_calls": self.graph_calls,
                "graph_calls_last_hour": len(self._app_calls),
                "rate_limited": self.rate_limited,
            }

    def exchanges_of(self, code: str) -> int:
        """Successful exchanges of a code: never more than one, since a used code is refused."""
        with self._lock:
            return self.exchanges[code]

    def attempts_of(self, code: str) -> int:
        """Every exchange of a code that reached the sandbox, refused ones included: what shows a
        code sent twice."""
        with self._lock:
            return self.exchange_attempts[code]

    # -- internals (called with the lock held) -----------------------------------------
    def _issue(self, account: Account, *, long_lived: bool, scopes: tuple[str, ...]) -> str:
        token = ("IGSBXL" if long_lived else "IGSBXS") + secrets.token_urlsafe(120)
        lifetime = LONG_LIVED_LIFETIME if long_lived else SHORT_LIVED_LIFETIME
        now = self.now()
        self._tokens[token] = IssuedToken(account, long_lived, now, now + lifetime, scopes)
        if self.remember is not None:
            _keep(self.remember, token, self._tokens[token])
        return token

    def revoke_tokens_of(self, username: str) -> int:
        """What a password change or a security check does: every token of the account stops
        working at once (Graph error 190, subcode 460). How many."""
        with self._lock:
            mine = {t for t, issued in self._tokens.items() if issued.account.username == username}
            self._revoked |= mine
            return len(mine)

    def expire_tokens_of(self, username: str) -> int:
        """Every token of the account expires now, as if its 60 days had run out (Graph error
        190, subcode 463). How many."""
        with self._lock:
            now = self.now()
            mine = [
                issued for issued in self._tokens.values() if issued.account.username == username
            ]
            for issued in mine:
                issued.expires_at = min(issued.expires_at, now)
            return len(mine)

    def _valid_token(self, token: str) -> IssuedToken:
        issued = self._tokens.get(token) or self._remembered.get(
            hashlib.sha256(token.encode()).hexdigest()
        )
        if issued is None:
            raise graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        if token in self._revoked:
            raise graph_error(
                "Error validating access token: The session has been invalidated because the "
                "user changed their password or Facebook has changed the session for security "
                "reasons.",
                190,
                subcode=460,
            )
        if self.now() >= issued.expires_at:
            raise graph_error(
                "Error validating access token: Session has expired", 190, subcode=463
            )
        return issued

    def _count_call(self, account: Account) -> dict[str, str]:
        """Count one Graph call against the account's and the app's hourly budgets: the usage
        headers to answer with, or a rate-limit error when either budget is already spent."""
        now = self.now()
        self.graph_calls += 1
        window = self._calls.setdefault(account.user_id, deque())
        for calls in (window, self._app_calls):
            while calls and calls[0] <= now - 3600:
                calls.popleft()
        account_limit = self.config.calls_per_user_per_hour
        app_limit = self.config.app_calls_per_hour or 200 * max(1, len(self._calls))
        refused = len(window) >= account_limit or len(self._app_calls) >= app_limit
        if not refused:
            window.append(now)
            self._app_calls.append(now)
        account_percent = min(100, -(-100 * len(window) // account_limit))
        app_percent = min(100, -(-100 * len(self._app_calls) // app_limit))
        regain = 0 if account_percent < 100 else -(-(window[0] + 3600 - now) // 60)
        headers = {
            "X-App-Usage": json.dumps(
                {"call_count": app_percent, "total_cputime": 1, "total_time": 1}
            ),
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    account.user_id: [
                        {
                            "type": "instagram",
                            "call_count": account_percent,
                            "total_cputime": 1,
                            "total_time": 1,
                            "estimated_time_to_regain_access": int(regain),
                        }
                    ]
                }
            ),
        }
        if refused:
            self.rate_limited += 1
            if len(window) >= account_limit:
                raise graph_error(
                    "There have been too many calls to this Instagram account. Wait a bit and "
                    "try again.",
                    80002,
                    headers=headers,
                )
            raise graph_error("Application request limit reached", 4, headers=headers)
        return headers
