"""Routes the bridge plugin calls besides the code intake: Test connection's signed round trip
(POST /v1/ping, which calls the plugin back), the personal data eraser's POST /v1/forget, the
shopper's Disconnect on the My Account tab (POST /v1/disconnect: the token is revoked and
erased, the customer kept), and the reconciliation read (POST /v1/leads/since: every lead
WordPress was sent, again, for a site whose database came back from an older backup). Served
on the intake's listener; the engine hands in what each does."""

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
from wp_bridge.wire import LeadsSince

LEADS_PAGE_MAX = 200  # a page of the reconciliation read: well inside a PHP request's time

IG_USER_ID = re.compile(r"[0-9]{1,64}")
PERSON_BODY: dict[str, Any] = {  # the body of /v1/forget and /v1/disconnect, for the schema
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["ig_user_id"],
                    "additionalProperties": False,
                    "properties": {"ig_user_id": {"type": "string", "pattern": "^[0-9]{1,64}$"}},
                }
            }
        },
    }
}


def create_plugin_router(
    *,
    signer: Signer,
    ping_wordpress: Callable[[], tuple[bool, str]],
    forget: Callable[[str], tuple[str, int]],
    disconnect: Callable[[str], int],
    unpaired: Callable[[str, str], None],
    remember: Callable[[str], bool],
    clock: Clock = utcnow,
    instagram_status: Callable[[], dict[str, Any]] | None = None,
    leads_since: LeadsSince | None = None,
) -> APIRouter:
    """`ping_wordpress`: a signed call back to the plugin ((accepted, what happened)); `forget`:
    erase a person ((confirmation code, customers erased)); `disconnect`: revoke a person's
    token (tokens revoked); `unpaired`: WordPress's administrator unpaired the site (its
    address, who); `remember`: record an accepted webhook-id, False for a replay (each of
    these routes changes something, so none accepts a message twice); `instagram_status`:
    what the daemon knows of the Instagram side (credentials probed, Graph API version), for
    the plugin's go-live guide; `leads_since`: the leads delivered after a cursor, for the
    plugin's "Restore leads from the daemon"."""
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
        body = await read_limited(request)
        await run_in_threadpool(verify_signed, signer, request, body, clock, remember)
        ok, detail = await run_in_threadpool(ping_wordpress)
        answer: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "wordpress": {"ok": ok, "detail": detail},
        }
        if instagram_status is not None:
            answer["instagram"] = await run_in_threadpool(instagram_status)
        return JSONResponse(answer)

    @router.post(
        "/v1/forget",
        tags=["privacy"],
        summary="Erase a person, asked by WordPress's personal data eraser (signed)",
        responses={401: {}, 422: {}},
        openapi_extra=PERSON_BODY,
    )
    async def forget_person(request: Request) -> JSONResponse:
        code, erased = await run_in_threadpool(forget, await _signed_person(request))
        return JSONResponse({"confirmation_code": code, "customers_erased": erased})

    @router.post(
        "/v1/disconnect",
        tags=["privacy"],
        summary="Revoke and erase a person's token; the customer stays (signed)",
        responses={401: {}, 422: {}},
        openapi_extra=PERSON_BODY,
    )
    async def disconnect_person(request: Request) -> JSONResponse:
        revoked = await run_in_threadpool(disconnect, await _signed_person(request))
        return JSONResponse({"tokens_revoked": revoked})

    @router.post(
        "/v1/unpaired",
        tags=["operations"],
        summary="WordPress forgets the shared secret: the unpairing is logged here too (signed)",
        responses={401: {}, 422: {}},
    )
    async def unpaired_by_wordpress(request: Request) -> JSONResponse:
        payload = await _signed_object(request)
        site, by = payload.get("site_url"), payload.get("by")
        if not (isinstance(site, str) and isinstance(by, str)) or len(site) + len(by) > 600:
            raise IntakeError(422, "invalid_payload", "site_url and by: short strings")
        await run_in_threadpool(unpaired, site, by)
        return JSONResponse({"status": "ok"})

    @router.post(
        "/v1/leads/since",
        tags=["leads"],
        summary="Every lead WordPress was sent after a cursor, again (signed)",
        responses={401: {}, 404: {}, 422: {}},
    )
    async def delivered_leads(request: Request) -> JSONResponse:
        """`{"after": N, "limit": M}`: the leads delivered after cursor N (0: all), at most M
        (1 to 200), in the order they were first sent; WordPress stores each as it would a push
        (its idempotency key and version decide), and asks again from `next` while `more`."""
        payload = await _signed_object(request)
        after, limit = payload.get("after", 0), payload.get("limit", 100)
        if not _whole(after, 0, 2**62) or not _whole(limit, 1, LEADS_PAGE_MAX):
            raise IntakeError(
                422, "invalid_payload", f"after: a whole number >= 0; limit: 1 to {LEADS_PAGE_MAX}"
            )
        if leads_since is None:
            raise IntakeError(404, "not_found", "this daemon serves no reconciliation read")
        page = await run_in_threadpool(leads_since, after, limit)
        return JSONResponse({"leads": page.leads, "next": page.next, "more": page.more})

    async def _signed_object(request: Request) -> dict[str, Any]:
        """A signed body that is one flat JSON object."""
        body = await read_limited(request)
        await run_in_threadpool(verify_signed, signer, request, body, clock, remember)
        try:
            payload = strict_json.loads(body, max_depth=1)
        except strict_json.StrictJsonError as bad:
            raise IntakeError(422, bad.error, str(bad)) from None
        if not isinstance(payload, dict):
            raise IntakeError(422, "invalid_payload", "the body must be a JSON object")
        return payload

    async def _signed_person(request: Request) -> str:
        """The Instagram user id of a signed `{"ig_user_id": "…"}` body."""
        ig_user_id = (await _signed_object(request)).get("ig_user_id")
        if not isinstance(ig_user_id, str) or not IG_USER_ID.fullmatch(ig_user_id):
            raise IntakeError(422, "invalid_payload", "ig_user_id: digits, 1 to 64")
        return ig_user_id

    return router


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
