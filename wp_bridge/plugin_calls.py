"""Routes the bridge plugin calls besides the code intake: Test connection's signed round trip
(POST /v1/ping, which calls the plugin back), the personal data eraser's POST /v1/forget, and
the shopper's Disconnect on the My Account tab (POST /v1/disconnect: the token is revoked and
erased, the customer kept). Served on the intake's listener; the engine hands in what each
does."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from daemon import __version__
from daemon.clock import Clock, utcnow
from wp_bridge import strict_json
from wp_bridge.intake import IntakeError, read_limited, verify_signed
from wp_bridge.signing import Signer

IG_USER_ID = re.compile(r"[0-9]{1,64}")


def create_plugin_router(
    *,
    signer: Signer,
    ping_wordpress: Callable[[], tuple[bool, str]],
    forget: Callable[[str], tuple[str, int]],
    disconnect: Callable[[str], int],
    clock: Clock = utcnow,
) -> APIRouter:
    """`ping_wordpress`: a signed call back to the plugin ((accepted, what happened)); `forget`:
    erase a person ((confirmation code, customers erased)); `disconnect`: revoke a person's
    token (tokens revoked)."""
    router = APIRouter()

    @router.post(
        "/v1/ping",
        tags=["operations"],
        summary="A signed round trip both ways, for the plugin's Test connection",
        responses={401: {"description": "Signature missing, wrong or stale"}},
    )
    async def ping(request: Request) -> JSONResponse:
        """Our check of the plugin's signature, then the daemon's own signed call back to the
        plugin: the answer says whether each direction works."""
        verify_signed(signer, request, await read_limited(request), clock)
        ok, detail = await run_in_threadpool(ping_wordpress)
        back: dict[str, Any] = {"ok": ok, "detail": detail}
        return JSONResponse({"status": "ok", "version": __version__, "wordpress": back})

    @router.post(
        "/v1/forget",
        tags=["privacy"],
        summary="Erase a person, asked by WordPress's personal data eraser (signed)",
        responses={401: {}, 422: {}},
    )
    async def forget_person(request: Request) -> JSONResponse:
        code, erased = await run_in_threadpool(forget, await _signed_person(request))
        return JSONResponse({"confirmation_code": code, "customers_erased": erased})

    @router.post(
        "/v1/disconnect",
        tags=["privacy"],
        summary="Revoke and erase a person's token; the customer stays (signed)",
        responses={401: {}, 422: {}},
    )
    async def disconnect_person(request: Request) -> JSONResponse:
        revoked = await run_in_threadpool(disconnect, await _signed_person(request))
        return JSONResponse({"tokens_revoked": revoked})

    async def _signed_person(request: Request) -> str:
        """The Instagram user id of a signed `{"ig_user_id": "…"}` body."""
        body = await read_limited(request)
        verify_signed(signer, request, body, clock)
        try:
            payload = strict_json.loads(body, max_depth=1)
        except strict_json.StrictJsonError as bad:
            raise IntakeError(422, bad.error, str(bad)) from None
        ig_user_id = payload.get("ig_user_id") if isinstance(payload, dict) else None
        if not isinstance(ig_user_id, str) or not IG_USER_ID.fullmatch(ig_user_id):
            raise IntakeError(422, "invalid_payload", "ig_user_id: digits, 1 to 64")
        return ig_user_id

    return router
