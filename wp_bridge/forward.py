"""The WordPress side of a forward, in Python: what the bridge plugin does in PHP.

The demo, the tests and the benchmarks use it to play the shop: sign the code and POST it to
the intake, exactly as the plugin does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from daemon.clock import isoformat_utc, utcnow
from wp_bridge.signing import Signer, to_daemon
from wp_bridge.wordpress import encode_json


def forward_body(
    code: str, redirect_uri: str, *, received_at: datetime | None = None, **context: Any
) -> bytes:
    return encode_json(
        {
            "code": code,
            "redirect_uri": redirect_uri,
            "received_at": isoformat_utc(received_at or utcnow()),
            "context": {k: v for k, v in context.items() if v is not None},
        }
    )


def forward_code(
    session: requests.Session, intake_url: str, signer: Signer, body: bytes, *, timeout: float = 10
) -> requests.Response:
    headers = {
        **signer.headers(body, to_daemon("POST", "/v1/codes")),
        "Content-Type": "application/json",
    }
    return session.post(f"{intake_url}/v1/codes", data=body, headers=headers, timeout=timeout)
