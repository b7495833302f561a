"""The HTTP routes Meta calls (directly, or relayed by the WordPress plugin): deauthorize and
data deletion, both authenticated by their signed_request alone, and the deletion status page
whose URL Meta shows the person.

Meta posts `application/x-www-form-urlencoded` with one field, `signed_request`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from daemon.clock import Clock, isoformat_utc, utcnow
from daemon.privacy.erasure import deauthorize, erasure_status, request_erasure
from daemon.privacy.meta import (
    MAX_LENGTH,
    SHAPE,
    BadSignedRequest,
    SignedRequest,
    parse_signed_request,
)
from daemon.store.database import Store

log = logging.getLogger(__name__)

DEAUTHORIZE_PATH = "/v1/meta/deauthorize"
DATA_DELETION_PATH = "/v1/meta/data-deletion"
DELETION_STATUS_PATH = "/v1/meta/deletions/{confirmation_code}"

_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["signed_request"],
                    "additionalProperties": False,
                    "properties": {
                        "signed_request": {
                            "type": "string",
                            "minLength": 3,
                            "maxLength": MAX_LENGTH,
                            "pattern": SHAPE,
                        }
                    },
                }
            }
        },
    }
}


def _refused(exc: BadSignedRequest) -> JSONResponse:
    """400 for a malformed request, 403 for a well-formed one that is forged or stale."""
    return JSONResponse({"error": "bad_signed_request", "detail": str(exc)}, exc.status)


def create_meta_router(
    *,
    store: Store,
    app_secret: str,
    on_erasure: Callable[[int, datetime | None], None] | None = None,
    clock: Clock = utcnow,
) -> APIRouter:
    router = APIRouter(tags=["meta"])

    async def signed(request: Request) -> SignedRequest:
        body = await request.body()
        if len(body) > MAX_LENGTH * 2:
            raise BadSignedRequest("body too large for a signed_request")
        try:
            fields = parse_qs(body.decode("ascii"), strict_parsing=True, max_num_fields=4)
        except (UnicodeDecodeError, ValueError):
            raise BadSignedRequest("body is not a form with a signed_request field") from None
        values = fields.get("signed_request", [])
        if len(values) != 1:
            raise BadSignedRequest("body is not a form with one signed_request field")
        return parse_signed_request(values[0], app_secret, now=clock())

    @router.post(
        DEAUTHORIZE_PATH,
        summary="Meta's deauthorize callback (signed_request)",
        openapi_extra=_FORM,
        responses={400: {}, 403: {}},
    )
    async def deauthorize_callback(request: Request) -> JSONResponse:
        try:
            verified = await signed(request)
        except BadSignedRequest as exc:
            log.warning("deauthorize callback refused: %s", exc)
            return _refused(exc)
        revoked = await run_in_threadpool(
            deauthorize, store, verified.user_id, now=clock(), request=verified
        )
        return JSONResponse({"status": "ok", "tokens_revoked": revoked})

    @router.post(
        DATA_DELETION_PATH,
        summary="Meta's data deletion callback (signed_request)",
        openapi_extra=_FORM,
        responses={400: {}, 403: {}},
    )
    async def data_deletion_callback(request: Request) -> JSONResponse:
        try:
            verified = await signed(request)
        except BadSignedRequest as exc:
            log.warning("data deletion callback refused: %s", exc)
            return _refused(exc)
        receipt = await run_in_threadpool(
            request_erasure, store, verified.user_id, source="meta", now=clock(), request=verified
        )
        if on_erasure is not None:
            on_erasure(receipt.id, receipt.due_at)
        url = str(request.url_for("deletion_status", confirmation_code=receipt.confirmation_code))
        return JSONResponse({"url": url, "confirmation_code": receipt.confirmation_code})

    @router.get(
        DELETION_STATUS_PATH,
        name="deletion_status",
        summary="Where a data deletion request stands (the URL Meta shows the person)",
        responses={404: {}},
    )
    async def deletion_status(confirmation_code: str) -> JSONResponse:
        erasure = await run_in_threadpool(erasure_status, store, confirmation_code[:32])
        if erasure is None:
            return JSONResponse(
                {"error": "not_found", "detail": "no deletion request with this code"}, 404
            )
        return JSONResponse(
            {
                "confirmation_code": erasure.confirmation_code,
                "status": erasure.status,
                "requested_at": isoformat_utc(erasure.requested_at),
                "completed_at": isoformat_utc(erasure.completed_at)
                if erasure.completed_at
                else None,
            }
        )

    return router
