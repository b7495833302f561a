"""HTTP client for Instagram's OAuth and Graph endpoints (requests, shared session, timeouts).

Every failure leaves as an InstagramError subclass. Messages never contain the code, token or
app secret that was sent: requests' own exceptions quote URLs with access_token in the query,
so they are replaced, not chained.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
import urllib3

from daemon.graph_versions import DEFAULT_VERSION
from daemon.instagram.audience import (
    BREAKDOWNS,
    DEMOGRAPHICS,
    Audience,
    every_breakdown,
    read_breakdown,
    withheld,
)
from daemon.instagram.errors import (
    InstagramError,
    RequestRejected,
    UpstreamUnavailable,
    parse_error,
    refused_field,
)
from daemon.instagram.flavours import FLAVOURS, Flavour, MalformedAnswer, count_or_none
from daemon.instagram.insights import (
    METRICS,
    SUPPRESSED,
    UNAVAILABLE,
    Insight,
    read_insights,
    refused_metric,
)
from daemon.instagram.types import LongLivedToken, Post, Profile, ShortLivedToken
from daemon.instagram.usage import Usage, read_usage
from daemon.outbound import outbound_session
from daemon.redact import QuerySecretFilter, Secret, scrub
from daemon.settings import ApiFlavour, Settings

CONNECT_TIMEOUT_SECONDS = 3.05
# This client puts tokens in URLs (as Meta documents); urllib3 logs URLs at DEBUG.
logging.getLogger("urllib3.connectionpool").addFilter(QuerySecretFilter())
T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstagramEndpoints:
    """Where the endpoints live (Instagram, or the sandbox) and which app is calling."""

    app_id: str
    app_secret: Secret
    flavour: ApiFlavour = "instagram_login"
    oauth_url: str = "https://api.instagram.com"
    graph_url: str = "https://graph.instagram.com"
    authorize_url: str | None = None  # None: the flavour's documented authorize URL
    graph_api_version: str = DEFAULT_VERSION  # in every Graph path: /v25.0/me
    scopes: tuple[str, ...] = ()  # (): the flavour's
    enable_fb_login: bool | None = None  # Meta's authorize parameter; None leaves it out

    @classmethod
    def from_settings(cls, settings: Settings) -> InstagramEndpoints:
        return cls(
            app_id=settings.instagram_app_id,
            app_secret=settings.instagram_app_secret,
            flavour=settings.instagram_api,
            oauth_url=settings.instagram_oauth_url,
            graph_url=settings.instagram_graph_url,
            authorize_url=settings.instagram_authorize_url,
            graph_api_version=settings.graph_api_version,
            scopes=settings.scopes,
            enable_fb_login=settings.enable_fb_login,
        )

    def graph(self, path: str) -> str:
        """A Graph endpoint of the pinned version."""
        return f"{self.graph_url}/{self.graph_api_version}/{path}"


class RetiredFields:
    """Fields Instagram refused as nonexistent for the pinned version: left out of every later
    call (a field Meta retires on a date must not turn every profile sync red), and told once
    to `on_retired` (the log and a metric)."""

    def __init__(self, on_retired: Callable[[str, str], None] | None = None) -> None:
        self._retired: set[tuple[str, str]] = set()
        self._on_retired = on_retired
        self._lock = threading.Lock()

    def retire(self, version: str, field: str) -> None:
        with self._lock:
            if (version, field) in self._retired:
                return
            self._retired.add((version, field))
        logger.warning(
            "Instagram no longer serves %s on Graph API %s: igsync stops asking for it "
            "(stored as unavailable)",
            field,
            version,
        )
        if self._on_retired is not None:
            self._on_retired(version, field)

    def kept(self, version: str, fields: tuple[str, ...]) -> tuple[str, ...]:
        with self._lock:
            return tuple(f for f in fields if (version, f) not in self._retired)


class InstagramClient:
    def __init__(
        self,
        endpoints: InstagramEndpoints,
        *,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        pool_size: int = 16,
        on_usage: Callable[[Usage], None] | None = None,
        on_error: Callable[[InstagramError], None] | None = None,
        retired: RetiredFields | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.on_usage = on_usage  # told the usage headers of every answer (the API budget)
        self.on_error = on_error  # told every error, whoever called (the metrics)
        self.flavour: Flavour = FLAVOURS[endpoints.flavour]
        self.retired = retired or RetiredFields()
        self._timeout = (CONNECT_TIMEOUT_SECONDS, timeout)
        targets = (endpoints.oauth_url, endpoints.graph_url)
        if session is None:
            session = outbound_session(targets, pool_size=pool_size, pool_connections=2)
        self._session = session
        # Exchanges get connections of their own, closed after each answer: a pooled connection
        # the server had already closed fails like a request lost mid-way, and an exchange that
        # fails that way is never sent again (see CodePipeline). A fresh connection that drops
        # is a real loss; a stale one would only look like one.
        self._exchange_session = outbound_session(targets)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The permissions asked for: IGSYNC_SCOPES, else the flavour's."""
        return self.endpoints.scopes or self.flavour.scopes

    def authorize_url(self, redirect_uri: str, state: str, scopes: tuple[str, ...] = ()) -> str:
        """The URL to send the shopper to; Instagram comes back to redirect_uri with a code."""
        params = {
            "client_id": self.endpoints.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes or self.scopes),
            "state": state,
        }
        if self.endpoints.enable_fb_login is not None:
            params["enable_fb_login"] = "1" if self.endpoints.enable_fb_login else "0"
        query = urlencode(params)
        return f"{self.endpoints.authorize_url or self.flavour.authorize_url}?{query}"

    def exchange_code(self, code: str, redirect_uri: str) -> ShortLivedToken:
        """POST /oauth/access_token: the single-use code for a short-lived (1 hour) token."""
        secret = self.endpoints.app_secret.reveal()
        payload = self._call(
            "POST",
            f"{self.endpoints.oauth_url}/oauth/access_token",
            fresh_connection=True,
            data={
                "client_id": self.endpoints.app_id,
                "client_secret": secret,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
            secrets=(code, secret),
        )
        return self._parsed(lambda: self.flavour.parse_exchange(payload))

    def exchange_long_lived(self, short_lived_token: str) -> LongLivedToken:
        """GET /access_token (ig_exchange_token): a short-lived token for a 60-day one."""
        secret = self.endpoints.app_secret.reveal()
        payload = self._call(
            "GET",
            self.endpoints.graph("access_token"),
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": secret,
                "access_token": short_lived_token,
            },
            secrets=(short_lived_token, secret),
        )
        return self._parsed(lambda: _long_lived(payload))

    def refresh(self, long_lived_token: str) -> LongLivedToken:
        """GET /refresh_access_token (ig_refresh_token): allowed once the token is 24 hours old."""
        payload = self._call(
            "GET",
            self.endpoints.graph("refresh_access_token"),
            params={"grant_type": "ig_refresh_token", "access_token": long_lived_token},
            secrets=(long_lived_token,),
        )
        return self._parsed(lambda: _long_lived(payload))

    def profile(self, access_token: str) -> Profile:
        """GET /me with the flavour's fields, less those the pinned version no longer serves
        (each found once, then left out); the profile names them as unavailable."""
        wanted = self.flavour.profile_fields
        payload, fields = self._read_served(
            "me",
            "fields",
            wanted,
            access_token,
            refused=refused_field,
            required=("user_id", "id", "username"),
        )
        missing = frozenset(wanted) - frozenset(fields)
        return self._parsed(partial(self.flavour.parse_profile, payload, missing))

    def insights(self, access_token: str, followers: int | None) -> dict[str, Insight]:
        """GET /me/insights (daily reach and new followers), each metric a number,
        "suppressed" or "unavailable" (daemon.instagram.insights). A metric the pinned
        version refuses is left out from then on, as a retired profile field is."""
        payload, asked = self._read_served(
            "me/insights", "metric", METRICS, access_token, refused=refused_metric, period="day"
        )
        return read_insights(payload, asked, frozenset(METRICS) - frozenset(asked), followers)

    def audience(self, access_token: str, followers: int | None) -> Audience:
        """GET /me/insights?metric=follower_demographics, once per breakdown (country, age,
        gender), each a map of groups, "suppressed" or "unavailable"
        (daemon.instagram.audience). No call for an account Instagram withholds them from."""
        if withheld(followers):
            return every_breakdown(SUPPRESSED)
        audience: Audience = {}
        for breakdown in BREAKDOWNS:
            payload, asked = self._read_served(
                "me/insights",
                "metric",
                (DEMOGRAPHICS,),
                access_token,
                refused=refused_metric,
                period="lifetime",
                metric_type="total_value",
                breakdown=breakdown,
            )
            if not asked:  # the pinned version no longer serves the metric
                return every_breakdown(UNAVAILABLE)
            audience[breakdown] = read_breakdown(payload, breakdown)
        return audience

    def recent_media(self, access_token: str, limit: int = 25) -> list[Post]:
        """GET /me/media: the newest posts' like and comment counts, in one call."""
        payload = self._call(
            "GET",
            self.endpoints.graph("me/media"),
            params={
                "fields": "like_count,comments_count,timestamp",
                "limit": str(limit),
                "access_token": access_token,
            },
            secrets=(access_token,),
        )
        return self._parsed(lambda: _posts(payload)[:limit])

    def close(self) -> None:
        self._session.close()
        self._exchange_session.close()

    def _read_served(
        self,
        path: str,
        listed_in: str,
        wanted: tuple[str, ...],
        access_token: str,
        *,
        refused: Callable[[InstagramError, tuple[str, ...]], str | None],
        required: tuple[str, ...] = (),
        **params: str,
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """A Graph read of the `wanted` fields or metrics (named in the `listed_in` parameter)
        that the pinned version still serves: one it refuses (`refused` reads which) is retired
        and the read made again without it, unless it is `required`. The answer (empty when
        none is served any more) and the names it was asked for."""
        version = self.endpoints.graph_api_version
        while True:
            asked = self.retired.kept(version, wanted)
            if not asked:
                return {}, asked
            try:
                payload = self._call(
                    "GET",
                    self.endpoints.graph(path),
                    params={listed_in: ",".join(asked), **params, "access_token": access_token},
                    secrets=(access_token,),
                )
            except RequestRejected as error:
                name = refused(error, asked)
                if name is None or name in required:
                    raise
                self.retired.retire(version, name)
                continue
            return payload, asked

    def _call(
        self,
        method: str,
        url: str,
        *,
        secrets: tuple[str, ...],
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        fresh_connection: bool = False,
    ) -> dict[str, Any]:
        try:
            return self._request(method, url, secrets, params, data, fresh_connection)
        except InstagramError as error:
            if self.on_error is not None:
                self.on_error(error)
            raise

    def _request(
        self,
        method: str,
        url: str,
        secrets: tuple[str, ...],
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        fresh_connection: bool,
    ) -> dict[str, Any]:
        session = self._exchange_session if fresh_connection else self._session
        headers = {"Connection": "close"} if fresh_connection else None
        try:
            response = session.request(
                method, url, params=params, data=data, headers=headers, timeout=self._timeout
            )
        except requests.ConnectTimeout:
            raise UpstreamUnavailable(f"no connection within {self._timeout[0]:g}s") from None
        except requests.Timeout:
            raise _maybe_processed(f"no answer within {self._timeout[1]:g}s") from None
        except requests.RequestException as exc:
            failed = f"connection failed ({type(exc).__name__})"
            if _never_sent(exc):
                raise UpstreamUnavailable(failed) from None
            raise _maybe_processed(failed) from None
        body = response.content
        if self.on_usage is not None:
            self.on_usage(read_usage(response.headers))
        if not response.ok:
            error = parse_error(response.status_code, response.headers, body)
            error.message = scrub(error.message, secrets)
            error.args = (error.message,)
            raise error
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise _maybe_processed("answer was not a JSON object", http_status=response.status_code)
        return payload

    @staticmethod
    def _parsed(parse: Callable[[], T]) -> T:
        """A 2xx answer missing documented fields is treated as a transient upstream fault."""
        try:
            return parse()
        except MalformedAnswer as exc:
            raise _maybe_processed(str(exc)) from None


def _maybe_processed(message: str, **details: Any) -> UpstreamUnavailable:
    """A transient fault after which Instagram may nonetheless have acted on the request."""
    error = UpstreamUnavailable(message, **details)
    error.maybe_processed = True
    return error


def _never_sent(exc: requests.RequestException) -> bool:
    """A connection that was never made (refused, no route, name not resolved): nothing of the
    request reached Instagram."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _posts(payload: Mapping[str, Any]) -> list[Post]:
    data = payload.get("data")
    if not isinstance(data, list):
        raise MalformedAnswer("media answer lacks data")
    return [
        Post(count_or_none(item.get("like_count")), count_or_none(item.get("comments_count")))
        for item in data
        if isinstance(item, Mapping)
    ]


def _long_lived(payload: Mapping[str, Any]) -> LongLivedToken:
    token = payload.get("access_token")
    expires_in = payload.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int):
        raise MalformedAnswer("token answer lacks access_token or expires_in")
    return LongLivedToken(token, expires_in, str(payload.get("token_type") or "bearer"))


__all__ = ["InstagramClient", "InstagramEndpoints", "InstagramError"]
