"""Serving an ASGI app with uvicorn on a socket bound up front.

Binding (and listening) before the server thread starts means the port is known at once and
connections made before uvicorn's loop runs simply wait in the backlog: no readiness polling.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from daemon.runtime.http_limits import HeadLimitedH11Protocol
from daemon.settings import Listen


def _bind(listen: Listen) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it, a response written in two parts (head,
    # then body) waits for the client's delayed ACK, 40 ms per request on a kept-alive
    # connection.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((listen.host, listen.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _server_config(app: Any, *, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level.lower(),
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=10,
        server_header=False,
        log_config=None,
        http=HeadLimitedH11Protocol,
    )


class ServerThread:
    """An app served on a background thread, for the demo and for tests."""

    def __init__(self, app: Any, listen: Listen | None = None) -> None:
        self._socket = _bind(listen or Listen("127.0.0.1", 0))
        host, port = self._socket.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.listen = Listen(host, port)
        self._server = uvicorn.Server(_server_config(app))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name=f"http-{port}",
        )

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def serve_until_signalled(app: Any, listen: Listen, on_ready: Callable[[str], None]) -> float:
    """Serve `app` until SIGTERM or SIGINT, then close it and return the monotonic time the
    signal came (a stop's time budget counts from there).

    The calling (main) thread owns the signals and the app runs on a ServerThread, so a stop
    always returns here, whatever uvicorn does with signals, and the caller cleans up after.
    """
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = ServerThread(app, listen).start()
    on_ready(server.url)
    stop.wait()
    signalled = time.monotonic()
    server.stop()
    return signalled
