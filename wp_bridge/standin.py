"""A WordPress stand-in: the bridge plugin's lead route, in memory, for the demo and benchmarks.

It speaks the plugin's contract (signed POST ?rest_route=/igsync/v1/leads, replay refusal, upsert
by Idempotency-Key, WP_Error-shaped refusals) so the demo runs on a machine without WordPress.
The plugin itself is tested against a real WordPress; this stand-in is not a substitute there.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from wp_bridge.signing import SignatureError, Signer, to_wordpress
from wp_bridge.wordpress import (
    BATCH_HEADER,
    ERASE_ROUTE,
    LEADS_BATCH_ROUTE,
    LEADS_ROUTE,
    OUTCOME_ROUTE,
    PING_ROUTE,
    QUEUE_ROUTE,
)


@dataclass
class StandinShop:
    signer: Signer
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    arrivals: list[str] = field(default_factory=list)  # idempotency keys, in arrival order
    pushes: Counter[str] = field(default_factory=Counter)  # accepted pushes per key
    requests_seen: int = 0
    erasures: list[str] = field(default_factory=list)  # confirmation codes, in arrival order
    outcomes: dict[str, str] = field(default_factory=dict)  # code hash -> status (interrupted)
    fail_next: int = 0  # answer 503 to the next N pushes (WordPress down)
    delay_seconds: float = 0.0  # a slow WordPress
    # How many leads the batch route takes, as the plugin announces it; 0: a plugin older than
    # 0.6, which has no batch route and says nothing.
    batch_limit: int = 0
    batches: list[int] = field(default_factory=list)  # the size of each batch taken, in order
    refused_keys: set[str] = field(default_factory=set)  # leads answered 422, as a bad lead is
    routes_seen: Counter[str] = field(default_factory=Counter)  # requests per REST route
    _seen_ids: set[str] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        with self._changed:
            self.requests_seen += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, _wp_error("igsync_unavailable", "Maintenance", 503)
            try:
                message = self.signer.verify(
                    headers, body, to_wordpress("POST", LEADS_ROUTE), now=time.time()
                )
            except SignatureError as exc:
                return 401, _wp_error("igsync_bad_signature", str(exc), 401)
            if message.webhook_id in self._seen_ids:
                return 401, _wp_error("igsync_replayed", "webhook-id already used", 401)
            self._seen_ids.add(message.webhook_id)
            try:
                lead = json.loads(body)
            except ValueError:
                return 400, _wp_error("igsync_bad_json", "body is not JSON", 400)
            key = headers.get("idempotency-key") or ""
            return self._store(key, lead)

    def receive_batch(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """The plugin's batch route: each lead stored or refused on its own, answered in order."""
        with self._changed:
            self.requests_seen += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, _wp_error("igsync_unavailable", "Maintenance", 503)
            request = self._signed_fields(headers, body, LEADS_BATCH_ROUTE, "leads")
            if isinstance(request, tuple):
                return request
            leads = request["leads"]
            if not isinstance(leads, list) or not 0 < len(leads) <= self.batch_limit:
                return 413, _wp_error("igsync_batch_too_large", "too many leads", 413)
            self.batches.append(len(leads))
            results = []
            for lead in leads:
                key = lead.get("idempotency_key", "") if isinstance(lead, dict) else ""
                status, answer = self._store(str(key), lead)
                results.append({"key": key or None, "http_status": status, **answer})
            return 200, {"results": results}

    def _store(self, key: str, lead: Any) -> tuple[int, dict[str, Any]]:
        """Upsert one lead by its key (the caller holds the lock)."""
        if not key or not isinstance(lead, dict) or not lead.get("ig_user_id"):
            return 400, _wp_error(
                "igsync_invalid_lead", "missing ig_user_id or Idempotency-Key", 400
            )
        if key in self.refused_keys:
            return 422, _wp_error("igsync_invalid_lead", "username: not a valid username", 422)
        created = key not in self.leads
        self.pushes[key] += 1
        self.leads[key] = lead
        if created:
            self.arrivals.append(key)
        self._changed.notify_all()
        return (201 if created else 200), {
            "status": "created" if created else "updated",
            "key": key,
        }

    def erase(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Drop the person's leads, as the plugin's erase route does."""
        with self._changed:
            request = self._signed_fields(
                headers, body, ERASE_ROUTE, "ig_user_id", "confirmation_code"
            )
            if isinstance(request, tuple):
                return request
            ig_user_id = request["ig_user_id"]
            mine = [key for key, lead in self.leads.items() if lead.get("ig_user_id") == ig_user_id]
            for key in mine:
                del self.leads[key]
            self.erasures.append(request["confirmation_code"])
            self._changed.notify_all()
            return 200, {"erased_leads": len(mine), "erased_users": 0}

    def outcome(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Record how a code ended, as the plugin's codes/outcome route does."""
        with self._changed:
            request = self._signed_fields(headers, body, OUTCOME_ROUTE, "code_hash", "status")
            if isinstance(request, tuple):
                return request
            self.outcomes[request["code_hash"]] = request["status"]
            self._changed.notify_all()
            return 200, {"status": "recorded"}

    def _signed_fields(
        self, headers: dict[str, str], body: bytes, route: str, *fields: str
    ) -> dict[str, Any] | tuple[int, dict[str, Any]]:
        """The signed JSON body (bound to POST `route`) when it has these fields, else the
        plugin's error answer."""
        try:
            self.signer.verify(headers, body, to_wordpress("POST", route), now=time.time())
            request = json.loads(body)
            if not isinstance(request, dict) or any(f not in request for f in fields):
                raise ValueError("missing fields")
        except SignatureError as exc:
            return 401, _wp_error("igsync_bad_signature", str(exc), 401)
        except ValueError:
            return 400, _wp_error("igsync_invalid_request", "bad request body", 400)
        return request

    def wait_for_outcomes(self, count: int, timeout: float) -> bool:
        """Block until `count` codes' outcomes arrived (or the timeout passed)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.outcomes) >= count, timeout=timeout)

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until `count` distinct leads arrived (or the timeout passed)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.leads) >= count, timeout=timeout)


def _wp_error(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status}}


def create_standin_app(shop: StandinShop) -> FastAPI:
    app = FastAPI(title="WordPress stand-in (igsync)", docs_url=None, redoc_url=None)

    async def leads(request: Request) -> JSONResponse:
        if shop.delay_seconds:
            await asyncio.sleep(shop.delay_seconds)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, payload = shop.receive(headers, body)
        return JSONResponse(payload, status)

    async def leads_batch(request: Request) -> JSONResponse:
        if shop.delay_seconds:
            await asyncio.sleep(shop.delay_seconds)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, payload = shop.receive_batch(headers, body)
        return JSONResponse(payload, status)

    async def erase(request: Request) -> JSONResponse:
        body = await request.body()
        status, payload = shop.erase({k.lower(): v for k, v in request.headers.items()}, body)
        return JSONResponse(payload, status)

    async def outcome(request: Request) -> JSONResponse:
        body = await request.body()
        status, payload = shop.outcome({k.lower(): v for k, v in request.headers.items()}, body)
        return JSONResponse(payload, status)

    async def queue(request: Request) -> JSONResponse:
        """The plugin's catch-up queue: empty, since the stand-in never fails a forward."""
        try:
            shop.signer.verify(dict(request.headers), b"", now=time.time())
        except SignatureError as exc:
            return JSONResponse(_wp_error("igsync_bad_signature", str(exc), 401), 401)
        return JSONResponse({"codes": []})

    async def ping(request: Request) -> JSONResponse:
        try:
            shop.signer.verify(dict(request.headers), b"", now=time.time())
        except SignatureError as exc:
            return JSONResponse(_wp_error("igsync_bad_signature", str(exc), 401), 401)
        return JSONResponse({"status": "ok"})

    routes = {
        ("GET", PING_ROUTE): ping,
        ("POST", LEADS_ROUTE): leads,
        ("POST", LEADS_BATCH_ROUTE): leads_batch,
        ("POST", ERASE_ROUTE): erase,
        ("POST", OUTCOME_ROUTE): outcome,
        ("GET", QUEUE_ROUTE): queue,
    }

    @app.api_route("/", methods=["GET", "POST"])
    async def rest(request: Request) -> JSONResponse:
        """WordPress's REST entry point in its `?rest_route=` form."""
        route = request.query_params.get("rest_route")
        if route is None:
            return JSONResponse({"name": "igsync WordPress stand-in"})
        shop.routes_seen[route] += 1
        handler = routes.get((request.method, route))
        if handler is None or (route == LEADS_BATCH_ROUTE and not shop.batch_limit):
            return JSONResponse(_wp_error("rest_no_route", "No route was found", 404), 404)
        answer = await handler(request)
        if shop.batch_limit:
            answer.headers[BATCH_HEADER] = str(shop.batch_limit)
        return answer

    return app
