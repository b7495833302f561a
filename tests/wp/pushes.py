"""Leads pushed the way the daemon pushes them (`POST igsync/v1/leads`, signed), for the
scenarios that need a lead of a given shape or an event the sandbox cannot yet cause."""

from __future__ import annotations

import secrets
from typing import Any

import requests

from tests.wordpress import WordPress
from wp_bridge.signing import Signer, to_wordpress
from wp_bridge.wordpress import LEADS_ROUTE, encode_json

LEADS = to_wordpress("POST", LEADS_ROUTE)


def a_lead(**fields: Any) -> dict[str, Any]:
    key = "igsync-lead-" + secrets.token_hex(12)
    return {
        "version": 1,
        "idempotency_key": key,
        "ig_user_id": str(17841400000000000 + secrets.randbelow(10**9)),
        "username": "lead_" + secrets.token_hex(4),
        **fields,
    }


def an_event(lead: dict[str, Any], event: str, version: int, **fields: Any) -> dict[str, Any]:
    """A later event of the same connection: its own idempotency key, the next version."""
    return {
        **lead,
        "idempotency_key": f"igsync-{event.replace('_', '-')}-" + secrets.token_hex(8),
        "event": event,
        "version": version,
        **fields,
    }


def push(
    wp: WordPress, signer: Signer, lead: dict[str, Any], headers: dict[str, str] | None = None
) -> requests.Response:
    body = encode_json(lead)
    return requests.post(
        wp.rest(LEADS_ROUTE),
        data=body,
        headers={
            **(headers if headers is not None else signer.headers(body, LEADS)),
            "Content-Type": "application/json",
            "Idempotency-Key": str(lead.get("idempotency_key", "")),
        },
        timeout=30,
    )
