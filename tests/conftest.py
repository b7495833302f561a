"""Shared fixtures: a migrated store, the sandbox and a WordPress stand-in on loopback, settings.

Everything runs on 127.0.0.1: the sandbox stands in for Instagram (which cannot be reached),
the stand-in for WordPress where the daemon's side is under test (the plugin itself is tested
against a real WordPress).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from daemon.cli.demo import Shopper, connect_shopper
from daemon.clock import utcnow
from daemon.crypto import TokenCipher, generate_key
from daemon.instagram import InstagramClient, InstagramEndpoints
from daemon.intake.codes import accept_code
from daemon.pipeline.exchange import CodePipeline
from daemon.redact import Secret
from daemon.runtime.serving import ServerThread
from daemon.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from daemon.settings import ApiFlavour, Listen, Settings
from daemon.store.database import Store
from daemon.store.statuses import CodeStatus
from tests.processes import Run
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.standin import StandinShop, create_standin_app
from wp_bridge.wire import CodeForward

APP_ID = "1790000000000042"

# Every secret the suite uses: app secrets, shared secrets, keys, and each code and token the
# sandboxes issued. No test's log may contain any of them (see _no_secret_in_logs).
SECRETS: set[str] = set()


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    # In teardown caplog.text is the teardown phase's (empty); the test's records are by phase.
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    logged = "\n".join(record.getMessage() for record in records)
    leaked = sorted(secret[:6] + "…" for secret in SECRETS if secret in logged)
    assert not leaked, f"secrets in the log: {leaked}"


class FakeClock:
    """The daemon's clock, moved by hand: backoff and deadlines without waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Sandbox:
    state: SandboxState
    url: str
    redirect_uri: str
    app_secret: str

    def endpoints(self, **overrides: object) -> InstagramEndpoints:
        base = InstagramEndpoints(
            app_id=APP_ID,
            app_secret=Secret(self.app_secret),
            flavour=self.state.config.flavour,
            oauth_url=self.url,
            graph_url=self.url,
            authorize_url=self.url + "/oauth/authorize",
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def client(self, timeout: float = 5.0, **overrides: object) -> InstagramClient:
        return InstagramClient(self.endpoints(**overrides), timeout=timeout)

    def new_code(
        self,
        username: str = "sandbox_shopper",
        account_type: str = "BUSINESS",
        scopes: tuple[str, ...] = (),
    ) -> str:
        """A fresh code, obtained the way a shopper's browser does (consent page, Allow), for
        `scopes` (the flavour's when none)."""
        client = self.client(scopes=scopes) if scopes else self.client()
        state = secrets.token_urlsafe(8)
        with requests.Session() as http:
            back = connect_shopper(
                http,
                client.authorize_url(self.redirect_uri, state),
                Shopper(username, None, None),
                account_type,
            )
        assert back["state"] == state
        return back["code"]


def _sandbox(flavour: ApiFlavour) -> Iterator[Sandbox]:
    redirect_uri = "https://shop.example/wp-json/igsync/v1/callback"
    secret = secrets.token_hex(16)
    state = SandboxState(SandboxConfig(APP_ID, secret, frozenset({redirect_uri}), flavour))
    with ServerThread(create_sandbox_app(state)) as server:
        yield Sandbox(state, server.url, redirect_uri, secret)
    SECRETS.update({secret, *state._codes, *state._tokens})


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    yield from _sandbox("instagram_login")


@pytest.fixture
def basic_sandbox() -> Iterator[Sandbox]:
    yield from _sandbox("basic_display")


@pytest.fixture
def shared_secret() -> str:
    secret = generate_secret()
    SECRETS.add(secret)
    return secret


@pytest.fixture
def signer(shared_secret: str) -> Signer:
    return Signer(shared_secret)


@pytest.fixture
def encryption_key() -> str:
    key = generate_key()
    SECRETS.add(key)
    return key


@pytest.fixture
def cipher(encryption_key: str) -> TokenCipher:
    return TokenCipher([Secret(encryption_key)])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'igsync.db'}")
    store.migrate()
    yield store
    store.dispose()


@dataclass
class Shop:
    state: StandinShop
    url: str


@pytest.fixture
def shop(signer: Signer) -> Iterator[Shop]:
    state = StandinShop(signer)
    with ServerThread(create_standin_app(state)) as server:
        yield Shop(state, server.url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_settings(
    sandbox: Sandbox,
    *,
    wp_url: str,
    shared_secret: str,
    encryption_key: str,
    state_dir: Path,
    **overrides: object,
) -> Settings:
    settings = Settings(
        instagram_app_id=APP_ID,
        instagram_app_secret=Secret(sandbox.app_secret),
        redirect_uri=sandbox.redirect_uri,
        wp_url=wp_url,
        shared_secret=Secret(shared_secret),
        encryption_keys=(Secret(encryption_key),),
        state_dir=state_dir,
        database_url=f"sqlite:///{state_dir / 'igsync.db'}",
        instagram_api=sandbox.state.config.flavour,
        instagram_oauth_url=sandbox.url,
        instagram_graph_url=sandbox.url,
        instagram_authorize_url=sandbox.url + "/oauth/authorize",
        listen=Listen("127.0.0.1", 0),
        http_timeout_seconds=5.0,
        sweep_interval_seconds=1.0,
    )
    return replace(settings, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def shop_settings(
    sandbox: Sandbox, shop: Shop, shared_secret: str, encryption_key: str, tmp_path: Path
) -> Settings:
    """A daemon's settings against this test's sandbox and WordPress stand-in."""
    return make_settings(
        sandbox,
        wp_url=shop.url,
        shared_secret=shared_secret,
        encryption_key=encryption_key,
        state_dir=tmp_path,
    )


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    """`igsync run` processes a test starts; any still running at its end are killed."""
    started: list[Run] = []
    yield started
    for run in started:
        if run.process.poll() is None:
            run.process.kill()


def store_code(
    store: Store,
    cipher: TokenCipher,
    code: str,
    redirect_uri: str,
    *,
    now: datetime,
    received_at: datetime | None = None,
    **context: object,
) -> int:
    """Put a code in the store as the intake would (fresh webhook id)."""
    acceptance = accept_code(
        store,
        cipher,
        CodeForward(code, redirect_uri, received_at or now, dict(context)),
        webhook_id="msg_" + secrets.token_hex(8),
        now=now,
    )
    return acceptance.id


def connect_customer(
    pipeline: CodePipeline,
    store: Store,
    cipher: TokenCipher,
    sandbox: Sandbox,
    username: str,
    *,
    now: datetime,
) -> int:
    """A shopper who connects: their code stored as the intake would, then carried by the
    pipeline to a stored customer. The code's id."""
    code = sandbox.new_code(username)
    code_id = store_code(store, cipher, code, sandbox.redirect_uri, now=now)
    assert pipeline.process(code_id) == CodeStatus.COMPLETED
    return code_id


def row_id(row: Any) -> int:
    """A stored row's id (the models declare it optional until the row is inserted)."""
    assert row.id is not None
    return int(row.id)


def eventually(
    condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
) -> None:
    """Wait until an observable condition holds (polling it), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout:g}s")
        time.sleep(0.02)
