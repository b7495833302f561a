"""Outbound HTTP reads the environment once per target: a proxy set for the service is still
used (and NO_PROXY still honoured), without requests looking it up on every call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from daemon.outbound import outbound_session
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import WordPressClient


class Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append(self.path)  # a proxy is sent the whole URL, a server its path
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def recorders() -> Iterator[tuple[Recorder, Recorder]]:
    proxy, shop = Recorder(), Recorder()
    for server in (proxy, shop):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield proxy, shop
    for server in (proxy, shop):
        server.shutdown()
        server.server_close()


def test_a_proxy_from_the_environment_carries_the_push(
    recorders: tuple[Recorder, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, shop = recorders
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    behind_proxy = WordPressClient("http://shop.example", Signer(generate_secret()))
    assert behind_proxy.push_lead({"ig_user_id": "1"}, "k1") == 200
    assert proxy.seen == ["http://shop.example/?rest_route=/igsync/v1/leads"]
    direct = WordPressClient(shop.url, Signer(generate_secret()))  # NO_PROXY: straight there
    assert direct.push_lead({"ig_user_id": "2"}, "k2") == 200
    assert shop.seen == ["/?rest_route=/igsync/v1/leads"] and len(proxy.seen) == 1


def test_without_a_proxy_nothing_is_proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert outbound_session(["https://graph.instagram.com"]).proxies == {}
