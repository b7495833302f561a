"""A loopback HTTP server that answers every request with one JSON document, for the tests that
need a peer to say something precise (a Graph answer with impossible counts, a daemon whose
answers carry more than Meta needs) and keep what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@dataclass
class JsonStub:
    url: str
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def json_stub(
    answer: Any, *, port: int = 0, headers: dict[str, str] | None = None
) -> Iterator[JsonStub]:
    """Serve `answer` (JSON, 200, with `headers`) on 127.0.0.1:`port` until the block ends."""
    body = json.dumps(answer).encode()
    stub = JsonStub("")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            stub.seen.append(({k.lower(): v for k, v in self.headers.items()}, sent))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
