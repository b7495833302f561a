"""The intake: the HTTP app WordPress forwards codes to (WordPress -> daemon).

Checks run cheapest-first and nothing is stored until all pass: size (413), Standard Webhooks
signature and freshness (401), payload shape (422), replayed webhook-id (401). The answer is
202 only once the code is committed (forwards arriving together share one transaction: see
daemon.intake.group_commit); 200 with the first id when the code was seen before; 503 when the
database cannot take the write (WordPress keeps the code and retries).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from daemon import __version__
from daemon.clock import Clock, isoformat_utc, to_utc, utcnow
from wp_bridge import strict_json
from wp_bridge.signing import BOUND, SIGNING_HEADER, SignatureError, Signer, to_daemon
from wp_bridge.wire import (
    CodeForward,
    ReadCode,
    RememberWebhook,
    ReplayedRequest,
    Submission,
    SubmitForward,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
# The contract body nests two levels (the forward, its context); a little room, no more.
FORWARD_MAX_DEPTH = 4
EMAIL_PATTERN = r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$"
PRINTABLE_ASCII = r"^[\x21-\x7e]+$"


class ForwardContext(BaseModel):
    """What WordPress knows about the shopper; the only source of email and WP user."""

    model_config = ConfigDict(extra="forbid")

    wp_user_id: int | None = Field(default=None, ge=1)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    return_url: str | None = Field(default=None, max_length=2048)
    source: str | None = Field(default=None, max_length=64, pattern=r"^[\x20-\x7e]+$")
    wc_order_id: int | None = Field(default=None, ge=1)  # the order a thank-you page's button is on

    @field_validator("return_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            _require_http_url(value)
        return value


class CodeForwardBody(BaseModel):
    """The body of POST /v1/codes."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=1, max_length=1024, pattern=PRINTABLE_ASCII)]
    redirect_uri: Annotated[str, Field(max_length=2048)]
    received_at: AwareDatetime
    context: ForwardContext = Field(default_factory=ForwardContext)

    @field_validator("code")
    @classmethod
    def _strip_fragment(cls, value: str) -> str:
        """Instagram appends `#_` to the redirect; it is not part of the code."""
        value = value.removesuffix("#_")
        if not value:
            raise ValueError("code is empty once the trailing #_ is removed")
        return value

    @field_validator("redirect_uri")
    @classmethod
    def _redirect_is_url(cls, value: str) -> str:
        return _require_http_url(value)


def _require_http_url(value: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or re.search(r"[\s\x00-\x1f]", value)
    ):
        raise ValueError("must be an http(s) URL")
    return value


class IntakeError(Exception):
    def __init__(self, status: int, error: str, detail: Any) -> None:
        super().__init__(error)
        self.status, self.error, self.detail = status, error, detail

    def response(self) -> JSONResponse:
        headers = {"Retry-After": "30"} if self.status == 503 else None
        return JSONResponse({"error": self.error, "detail": self.detail}, self.status, headers)


def create_intake_app(
    *,
    signer: Signer,
    redirect_uri: str,
    submit: SubmitForward,
    read_code: ReadCode,
    remember: RememberWebhook,
    on_accepted: Callable[[int], None] = lambda _code_id: None,
    clock: Clock = utcnow,
    metrics: CollectorRegistry | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The intake app. The engine hands in what storing means: `submit` stores a forward (its
    future resolves once committed), `read_code` reads a code's state, `remember` records a
    signed request's webhook-id; `on_accepted` is told the id of each newly stored code (to wake
    its workers); `routers` adds routes served on the same listener (Meta's callbacks, the
    plugin's calls)."""
    # The schema and the metrics are for this machine's operator: not through a proxy that
    # makes the intake public (IGSYNC_PUBLIC_URL), where they would tell anyone its routes and
    # counts (see local_only).
    app = FastAPI(
        title="igsync intake",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(SigningAnnounced)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(IntakeError)
    async def _intake_error(_request: Request, exc: IntakeError) -> JSONResponse:
        return exc.response()

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
        responses={404: {"description": "This intake serves no metrics"}},
    )
    async def prometheus_metrics(request: Request) -> PlainTextResponse:
        """Prometheus text format; the database gauges are read at scrape time. From this
        machine only (local_only)."""
        if metrics is None:
            raise IntakeError(404, "not_found", "metrics are not enabled")
        if not local_only(request):
            raise IntakeError(404, "not_found", "metrics are served on loopback only")
        body = await run_in_threadpool(generate_latest, metrics)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_schema(request: Request) -> JSONResponse:
        """The intake's OpenAPI schema, from this machine only (local_only)."""
        if not local_only(request):
            raise IntakeError(404, "not_found", "the schema is served on loopback only")
        return JSONResponse(app.openapi())

    @app.post(
        "/v1/codes",
        status_code=202,
        tags=["codes"],
        summary="Forward an authorization code (signed, Standard Webhooks)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _inline_schema(CodeForwardBody)}},
            }
        },
        responses={200: {"description": "Already received"}, 401: {}, 413: {}, 422: {}, 503: {}},
    )
    async def post_code(request: Request) -> JSONResponse:
        body = await read_limited(request)
        message = verify_signed(signer, request, body, clock)
        forward = _parse_forward(body, redirect_uri)
        try:
            outcome = await asyncio.wrap_future(submit(Submission(forward, message.webhook_id)))
        except Exception as exc:  # whatever the engine's store raised: WordPress retries
            log.error("intake: could not store a code: %s", type(exc).__name__)
            raise IntakeError(
                503, "storage_unavailable", "the code could not be stored; retry"
            ) from None
        if isinstance(outcome, ReplayedRequest):
            raise IntakeError(401, "replayed", "this webhook-id was already accepted")
        acceptance = outcome
        kick = None
        if acceptance.created:
            log.info("intake: code %s accepted (%s)", acceptance.id, acceptance.status)
            # After the answer: the shop's request does not wait for whatever the engine does
            # with a new code (a worker pool's wake-up, the metrics).
            kick = BackgroundTask(on_accepted, acceptance.id)
        return JSONResponse(
            {"id": acceptance.id, "status": acceptance.status},
            status_code=202 if acceptance.created else 200,
            background=kick,
        )

    @app.get(
        "/v1/codes/{code_id}",
        tags=["codes"],
        summary="Status of a forwarded code (signed)",
        responses={401: {"description": "Signature missing, wrong or stale"}, 404: {}},
    )
    async def code_status(code_id: int, request: Request) -> JSONResponse:
        await run_in_threadpool(verify_signed, signer, request, b"", clock, remember)
        row = await run_in_threadpool(read_code, code_id)
        if row is None:
            raise IntakeError(404, "not_found", f"no code with id {code_id}")
        return JSONResponse(
            {
                "id": row.id,
                "status": row.status,
                "received_at": isoformat_utc(row.received_at),
                "expires_at": isoformat_utc(row.expires_at),
                "attempts": row.attempts,
                "last_error": row.last_error,
                "customer_id": row.customer_id,
            }
        )

    return app


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` inlined (an OpenAPI document has no `$defs`)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return dict(inline(schema))


async def read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isascii()
        and declared.isdigit()
        and int(declared) > MAX_BODY_BYTES
    ):
        raise IntakeError(413, "too_large", f"body exceeds {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise IntakeError(413, "too_large", f"body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def verify_signed(
    signer: Signer,
    request: Request,
    body: bytes,
    clock: Clock,
    remember: Callable[[str], bool] | None = None,
) -> Any:
    """The signature checked, bound to this route as WordPress sends it; with `remember`, the
    webhook-id recorded and a replay refused (401)."""
    route = to_daemon(request.method, request.url.path)
    try:
        message = signer.verify(request.headers, body, route, now=clock().timestamp())
    except SignatureError as exc:
        raise IntakeError(401, "bad_signature", str(exc)) from None
    if remember is not None and not remember(message.webhook_id):
        raise IntakeError(401, "replayed", "this webhook-id was already accepted")
    return message


def local_only(request: Request) -> bool:
    """A request from this machine that no proxy forwarded (a reverse proxy on the same host
    connects from loopback too, but says whom it forwards for)."""
    host = request.client.host if request.client else ""
    forwarded = "forwarded" in request.headers or "x-forwarded-for" in request.headers
    return (host == "::1" or host.startswith("127.")) and not forwarded


class SigningAnnounced:
    """ASGI middleware: every answer says `igsync-signing: bound`, so that a plugin learns this
    daemon checks bound signatures and stops adding the unbound one (wp_bridge.signing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def announce(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), _ANNOUNCEMENT]
            await send(message)

        await self.app(scope, receive, announce)


_ANNOUNCEMENT = (SIGNING_HEADER.encode(), BOUND.encode())


class InvalidForward(ValueError):
    """A forward that can never be stored: what is wrong, and where."""

    def __init__(self, error: str, detail: Any) -> None:
        super().__init__(error)
        self.error, self.detail = error, detail


def validate_forward(payload: object, redirect_uri: str) -> CodeForward:
    """A forward's JSON payload as a CodeForward, or InvalidForward (used by the intake and the
    catch-up poll alike, so both accept exactly the same codes)."""
    try:
        parsed = CodeForwardBody.model_validate(payload)
    except ValidationError as exc:
        # Only where and what: the offending input may be the code itself.
        detail = [
            {"field": ".".join(map(str, err["loc"])) or "body", "problem": err["msg"]}
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise InvalidForward("invalid_payload", detail) from None
    if parsed.redirect_uri != redirect_uri:
        raise InvalidForward(
            "redirect_uri_mismatch",
            "redirect_uri differs from IGSYNC_REDIRECT_URI; Instagram requires the exact URI",
        )
    return CodeForward(
        code=parsed.code,
        redirect_uri=parsed.redirect_uri,
        received_at=to_utc(parsed.received_at),
        context=parsed.context.model_dump(exclude_none=True),
    )


def _parse_forward(body: bytes, redirect_uri: str) -> CodeForward:
    try:
        payload = strict_json.loads(body, max_depth=FORWARD_MAX_DEPTH)
    except strict_json.StrictJsonError as bad:
        raise IntakeError(422, bad.error, str(bad)) from None
    try:
        return validate_forward(payload, redirect_uri)
    except InvalidForward as invalid:
        raise IntakeError(422, invalid.error, invalid.detail) from None
