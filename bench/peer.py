"""The naive durable peer the intake is measured against (issue 15): a minimal FastAPI app on
the same uvicorn stack as `igsync run` that verifies the Standard Webhooks signature, parses
the JSON and commits ONE row per request (SQLite WAL, synchronous=FULL) before answering 202.
No group commit, no encryption, no workers: what a careful hand-written receiver would do.

    python -m bench.peer PORT DATABASE SHARED_SECRET
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from daemon.runtime.serving import serve_until_signalled
from daemon.settings import Listen
from wp_bridge.signing import SignatureError, Signer


def create_peer_app(database: str, signer: Signer) -> FastAPI:
    connection = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS codes (id INTEGER PRIMARY KEY, webhook_id TEXT UNIQUE, "
        "code TEXT, redirect_uri TEXT, received_at TEXT, context TEXT)"
    )
    lock = threading.Lock()
    app = FastAPI()

    def commit(webhook_id: str, forward: dict[str, object]) -> None:
        with lock:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO codes (webhook_id, code, redirect_uri, received_at, context) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    webhook_id,
                    forward.get("code"),
                    forward.get("redirect_uri"),
                    forward.get("received_at"),
                    json.dumps(forward.get("context") or {}),
                ),
            )
            connection.execute("COMMIT")

    @app.post("/v1/codes")
    async def codes(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            signer.verify(request.headers, body)
            forward = json.loads(body)
        except (SignatureError, ValueError):
            return JSONResponse({"error": "refused"}, 400)
        if not isinstance(forward, dict) or not forward.get("code"):
            return JSONResponse({"error": "malformed"}, 422)
        await run_in_threadpool(commit, request.headers["webhook-id"], forward)
        return JSONResponse({"status": "accepted"}, 202)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    port, database, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = create_peer_app(database, Signer(secret))
    serve_until_signalled(app, Listen("127.0.0.1", port), lambda _url: None)


if __name__ == "__main__":
    main()
