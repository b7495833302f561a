"""The sandbox's HTTP surface: Instagram's paths, an authorize page, and /_sandbox controls."""

from __future__ import annotations

import asyncio
import hashlib
import html
from collections.abc import Callable
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from daemon import __version__
from daemon.graph_versions import VERSION
from daemon.sandbox.state import (
    ACCOUNT_TYPES,
    AuthorizeRefused,
    SandboxError,
    SandboxState,
    graph_error,
    oauth_error,
)

PAGE = Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))
MAX_ADVANCE_SECONDS = 10 * 365 * 86400  # ten years of time travel is plenty
BANNER = "igsync sandbox: a local emulator of Instagram's OAuth endpoints. This is not Instagram."


def create_sandbox_app(state: SandboxState, *, controls: bool = True) -> FastAPI:
    """The sandbox; `controls` adds /_sandbox/* (fault injection, time travel, revoking any
    account's tokens), for tests and benchmarks. The sandbox that sandbox mode serves to
    shoppers, perhaps behind the shop's reverse proxy, has none: anyone could use them."""
    app = FastAPI(
        title="igsync sandbox (not Instagram)", version=__version__, docs_url=None, redoc_url=None
    )

    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return _page(
            "igsync sandbox",
            f"<p>{html.escape(BANNER)}</p><p>App id: "
            f"<code>{html.escape(state.config.app_id)}</code> &middot; flavour: "
            f"<code>{state.config.flavour}</code></p>",
        )

    @app.get("/oauth/authorize", response_class=HTMLResponse)
    async def authorize_page(request: Request) -> HTMLResponse:
        query = dict(request.query_params)
        try:
            state.check_authorize(
                query.get("client_id", ""),
                query.get("redirect_uri", ""),
                query.get("response_type", ""),
                query.get("scope", ""),
            )
        except AuthorizeRefused as refused:
            return HTMLResponse(
                _page("Error", f"<p class=error>{html.escape(str(refused))}</p>"), 400
            )
        return HTMLResponse(_consent_form(query, ACCOUNT_TYPES[state.config.flavour]))

    @app.post("/oauth/authorize")
    async def authorize_submit(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        redirect_uri = form.get("redirect_uri", "")
        try:
            scopes = state.check_authorize(
                form.get("client_id", ""),
                redirect_uri,
                form.get("response_type", ""),
                form.get("scope", ""),
            )
            if form.get("decision") != "allow":
                return RedirectResponse(
                    _with_query(
                        redirect_uri,
                        {
                            "error": "access_denied",
                            "error_reason": "user_denied",
                            "error_description": "The user denied your request.",
                            "state": form.get("state", ""),
                        },
                    ),
                    status_code=302,
                )
            username = form.get("username", "").strip().lower()
            if (
                not username
                or not username.replace("_", "").replace(".", "").isalnum()
                or len(username) > 30
            ):
                raise AuthorizeRefused("Enter a username: letters, digits, . and _ (30 at most)")
            code = state.grant(redirect_uri, scopes, username, form.get("account_type", "BUSINESS"))
        except AuthorizeRefused as refused:
            return HTMLResponse(
                _page("Error", f"<p class=error>{html.escape(str(refused))}</p>"), 400
            )
        return RedirectResponse(
            _with_query(redirect_uri, {"code": code, "state": form.get("state", "")}) + "#_",
            status_code=302,
        )

    @app.post("/oauth/access_token")
    async def access_token(request: Request) -> Response:
        state.exchange_requests_received += 1  # before any injected latency: what is in flight
        if isinstance(fault := await _inject_faults(state, "oauth"), Response):
            return fault
        form = {k: str(v) for k, v in (await request.form()).items()}
        return await _late(fault, _answer(lambda: state.exchange_code(form)))

    @app.get("/access_token")
    @app.get("/{version}/access_token")
    async def long_lived(request: Request, version: str = "") -> Response:
        query = dict(request.query_params)
        return await _graph_read(
            state, version, "access_token", lambda: (state.exchange_long_lived(query), {})
        )

    @app.get("/refresh_access_token")
    @app.get("/{version}/refresh_access_token")
    async def refresh(request: Request, version: str = "") -> Response:
        query = dict(request.query_params)
        return await _graph_read(
            state, version, "refresh_access_token", lambda: (state.refresh(query), {})
        )

    _add_graph_reads(app, state)
    _add_picture_route(app)
    if controls:
        _add_control_routes(app, state)
    return app


def _add_graph_reads(app: FastAPI, state: SandboxState) -> None:
    """The Graph reads a token allows: the profile, recent media, insights (with the usage
    headers of the call they count as)."""

    @app.get("/me")
    @app.get("/{version}/me")
    async def me(request: Request, version: str = "") -> Response:
        pictures = str(request.base_url).rstrip("/") + "/pictures"
        query = dict(request.query_params)
        return await _graph_read(state, version, "me", lambda: state.me(query, pictures, version))

    @app.get("/me/insights")
    @app.get("/{version}/me/insights")
    async def insights(request: Request, version: str = "") -> Response:
        query = {**request.query_params, "_version": version}
        return await _graph_read(state, version, "me/insights", lambda: state.insights(query))

    @app.get("/me/media")
    @app.get("/{version}/me/media")
    async def media(request: Request, version: str = "") -> Response:
        query = dict(request.query_params)
        return await _graph_read(state, version, "me/media", lambda: state.media(query))


async def _graph_read(
    state: SandboxState,
    version: str,
    path: str,
    read: Callable[[], tuple[dict[str, Any], dict[str, str]]],
) -> Response:
    """A Graph call: injected faults first, then the version, then the answer and its usage
    headers, if any (or the error Instagram would give)."""
    if isinstance(fault := await _inject_faults(state, "graph"), Response):
        return fault
    try:
        state.check_version(version, path)
        answer, usage = read()
    except SandboxError as error:
        return _error_response(error)
    return await _late(fault, JSONResponse(answer, headers=usage))


def _add_picture_route(app: FastAPI) -> None:
    @app.get("/pictures/{username}.svg", include_in_schema=False)
    async def picture(username: str) -> Response:
        """A profile picture for the sandbox's accounts: the initial on a colour of its own."""
        hue = int(hashlib.sha256(username.encode()).hexdigest(), 16) % 360
        initial = html.escape((username[:1] or "?").upper())
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="150"'
            ' viewBox="0 0 150 150">'
            f'<circle cx="75" cy="75" r="75" fill="hsl({hue} 55% 45%)"/>'
            '<text x="75" y="98" font-family="sans-serif" font-size="68" fill="#fff"'
            f' text-anchor="middle">{initial}</text></svg>'
        )
        return Response(svg, media_type="image/svg+xml")


def _add_control_routes(app: FastAPI, state: SandboxState) -> None:
    """/_sandbox/*: counters, fault injection and time travel, for tests and benchmarks."""

    @app.get("/_sandbox/stats")
    async def stats() -> dict[str, Any]:
        return state.stats()

    @app.get("/_sandbox/faults")
    async def get_faults() -> dict[str, Any]:
        return state.faults.as_dict()

    @app.post("/_sandbox/faults")
    async def set_faults(request: Request) -> Response:
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("expected a JSON object")
            state.faults.update(changes)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 422)
        return JSONResponse(state.faults.as_dict())

    @app.post("/_sandbox/retire")
    async def retire(request: Request) -> Response:
        """Meta retires a profile field from a version on: {"field": "biography",
        "from_version": "v25.0"}. Asking for it then answers Graph's nonexisting-field error."""
        payload = await request.json()
        name = payload.get("field") if isinstance(payload, dict) else None
        since = payload.get("from_version") if isinstance(payload, dict) else None
        if not isinstance(name, str) or not isinstance(since, str) or not VERSION.fullmatch(since):
            return JSONResponse({"error": 'expected {"field": ..., "from_version": "vNN.N"}'}, 422)
        state.retire_field(name, since)
        return JSONResponse({"retired": dict(state.config.retired_fields)})

    @app.post("/_sandbox/accounts/{username}/{change}")
    async def change_account(username: str, change: str) -> Response:
        """What happens to an account's tokens on Instagram's side: `revoke` (a password change,
        the app removed) or `expire` (the 60 days ran out)."""
        actions = {"revoke": state.revoke_tokens_of, "expire": state.expire_tokens_of}
        if change not in actions:
            return JSONResponse({"error": "change must be revoke or expire"}, 404)
        return JSONResponse({"username": username, "tokens": actions[change](username)})

    @app.post("/_sandbox/clock")
    async def clock(request: Request) -> Response:
        payload = await request.json()
        seconds = payload.get("advance_seconds") if isinstance(payload, dict) else None
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 <= seconds <= MAX_ADVANCE_SECONDS  # NaN fails this too
        ):
            return JSONResponse(
                {"error": f"advance_seconds must be a number from 0 to {MAX_ADVANCE_SECONDS}"}, 422
            )
        state.advance(float(seconds))
        return JSONResponse({"offset_seconds": state.offset_seconds})


async def _late(hang: float | None, response: Response) -> Response:
    """A hang delays the answer, not the work: like a real server whose answer comes too late,
    the call has been carried out when the client gives up (an exchanged code is spent)."""
    if hang:
        await asyncio.sleep(hang)
    return response


async def _inject_faults(state: SandboxState, shape: str) -> Response | float | None:
    """Apply injected latency and failures to one API call ("oauth" or "graph" error shape):
    an error response, or the seconds to hold the answer back (a hang), or None."""
    faults = state.faults
    fault = faults.take()
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if fault == "hang":
        return faults.hang_seconds
    if fault == "rate_limit":
        usage = {"X-App-Usage": '{"call_count":100,"total_cputime":25,"total_time":25}'}
        message = "Application request limit reached"
        error = (
            oauth_error(message, status=429, code=4)
            if shape == "oauth"
            else graph_error(message, 4, headers=usage)
        )
        error.headers.update(usage)
        return _error_response(error)
    if fault == "fail":
        status = faults.fail_status
        message = "An unexpected error has occurred. Please retry your request later."
        error = (
            oauth_error(message, status=status, code=status)
            if shape == "oauth"
            else graph_error(message, 2, status=status)
        )
        return _error_response(error)
    return None


def _answer(call: Any) -> Response:
    try:
        return JSONResponse(call())
    except SandboxError as error:
        return _error_response(error)


def _error_response(error: SandboxError) -> JSONResponse:
    return JSONResponse(error.payload, error.status, headers=error.headers)


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _consent_form(query: dict[str, str], account_types: tuple[str, ...]) -> str:
    hidden = "".join(
        f'<input type=hidden name="{name}" value="{html.escape(query.get(name, ""))}">'
        for name in ("client_id", "redirect_uri", "response_type", "scope", "state")
    )
    options = "".join(f"<option>{t}</option>" for t in account_types)
    scopes = html.escape(query.get("scope", ""))
    body = f"""
<form method=post action="/oauth/authorize">
  {hidden}
  <p>An app wants to connect to your Instagram account and use: <code>{scopes}</code></p>
  <label>Username
    <input id=username name=username value="sandbox_shopper" required maxlength=30></label>
  <label>Account type <select id=account_type name=account_type>{options}</select></label>
  <p><button id=allow name=decision value=allow>Allow</button>
     <button id=deny name=decision value=deny>Cancel</button></p>
</form>"""
    return _page("Connect to the sandbox", body)


def _page(title: str, body: str) -> str:
    return PAGE.substitute(title=html.escape(title), banner=html.escape(BANNER), body=body)
