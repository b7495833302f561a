"""The WordPress stand-in as a process of its own, recording when each lead arrived.

    python -m bench.shop PORT SHARED_SECRET [DELAY_MS]

GET /bench/arrivals answers {username: arrival time (Unix seconds)} for the pipeline benchmark.
"""

from __future__ import annotations

import asyncio
import sys
import time

from fastapi import Request
from fastapi.responses import JSONResponse

from daemon.runtime.serving import serve_until_signalled
from daemon.settings import Listen
from wp_bridge.signing import Signer
from wp_bridge.standin import StandinShop, create_standin_app
from wp_bridge.wordpress import LEADS_ROUTE


def main() -> None:
    port, secret = int(sys.argv[1]), sys.argv[2]
    delay = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.0
    shop = StandinShop(Signer(secret))
    arrivals: dict[str, float] = {}
    app = create_standin_app(shop)

    @app.middleware("http")
    async def timed(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.query_params.get("rest_route") == LEADS_ROUTE and delay:
            await asyncio.sleep(delay)  # WordPress's own time to store a lead
        response = await call_next(request)
        if request.query_params.get("rest_route") == LEADS_ROUTE and response.status_code in (
            200,
            201,
        ):
            for key, lead in list(shop.leads.items()):
                arrivals.setdefault(lead["username"], time.time())
                del shop.leads[key]  # keep memory flat; arrivals has what the bench needs
        return response

    @app.get("/bench/arrivals")
    async def arrival_times() -> JSONResponse:
        return JSONResponse(arrivals)

    serve_until_signalled(app, Listen("127.0.0.1", port), lambda _url: None)


if __name__ == "__main__":
    main()
