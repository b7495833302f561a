"""Fixtures for the bridge plugin's tests: one real WordPress per test module and flavour
(WordPress 7.0.4 + WooCommerce 10.0.2 under /store; Debian's 6.1 with plain permalinks), the
sandbox standing in for Instagram, and the daemon, all on loopback.

Every test module runs once per flavour: the `wp` fixture is parametrized over FLAVOURS.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select

from daemon.crypto import generate_key
from daemon.runtime.serving import ServerThread
from daemon.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from daemon.service import Daemon
from daemon.settings import Listen
from daemon.store.database import Store
from daemon.store.models import ReceivedCode
from tests.conftest import APP_ID, SECRETS, Sandbox, make_settings
from tests.wordpress import FLAVOURS, Flavour, WordPress, free_port, start_wordpress
from wp_bridge.signing import generate_secret


@pytest.fixture(scope="module", params=FLAVOURS, ids=lambda flavour: flavour.name)
def wp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WordPress]:
    flavour: Flavour = request.param
    site = start_wordpress(tmp_path_factory.mktemp(flavour.name), flavour)
    yield site
    site.stop()


@pytest.fixture(scope="module")
def shared(wp: WordPress) -> dict[str, str]:
    secret, key, app_secret = generate_secret(), generate_key(), secrets.token_hex(16)
    SECRETS.update({secret, key, app_secret})
    return {
        "secret": secret,
        "key": key,
        "app_secret": app_secret,
        "daemon_port": str(free_port()),
    }


@pytest.fixture(scope="module")
def ig(wp: WordPress, shared: dict[str, str]) -> Iterator[Sandbox]:
    state = SandboxState(SandboxConfig(APP_ID, shared["app_secret"], frozenset({wp.callback_url})))
    with ServerThread(create_sandbox_app(state)) as server:
        yield Sandbox(state, server.url, wp.callback_url, shared["app_secret"])
    SECRETS.update({*state._codes, *state._tokens})


@pytest.fixture(scope="module")
def configured(wp: WordPress, ig: Sandbox, shared: dict[str, str]) -> WordPress:
    answer = wp.configure(
        wp.admin(),
        daemon_url=f"http://127.0.0.1:{shared['daemon_port']}",
        shared_secret=shared["secret"],
        app_id=APP_ID,
        api_flavour="instagram_login",
        authorize_url=f"{ig.url}/oauth/authorize",
    )
    assert answer.status_code == 200 and "Settings saved." in answer.text
    return wp


class RunningDaemon:
    """The daemon in this process (intake on the port the plugin forwards to)."""

    def __init__(self, settings_kwargs: dict[str, object]) -> None:
        self.settings = make_settings(**settings_kwargs)  # type: ignore[arg-type]
        self.daemon: Daemon | None = None
        self.server: ServerThread | None = None

    def start(self) -> RunningDaemon:
        self.daemon = Daemon.build(self.settings)
        self.daemon.start()
        self.server = ServerThread(self.daemon.intake, self.settings.listen).start()
        return self

    def start_intake(self) -> RunningDaemon:
        """The intake alone: forwards are taken and kept, nothing is processed and no catch-up
        poll fetches the queue (a test of a forward then has nothing racing it)."""
        self.daemon = Daemon.build(self.settings)
        self.daemon.store.migrate()
        self.server = ServerThread(self.daemon.intake, self.settings.listen).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.daemon is not None:
            self.daemon.stop()
        self.server = self.daemon = None

    def codes_stored(self) -> int:
        store = Store(self.settings.database_url)
        store.migrate()
        try:
            with store.read() as session:
                return int(
                    session.execute(select(func.count()).select_from(ReceivedCode)).scalar_one()
                )
        finally:
            store.dispose()


@pytest.fixture
def daemon(
    configured: WordPress, ig: Sandbox, shared: dict[str, str], tmp_path: Path
) -> Iterator[RunningDaemon]:
    running = RunningDaemon(
        {
            "sandbox": ig,
            "wp_url": configured.url,
            "shared_secret": shared["secret"],
            "encryption_key": shared["key"],
            "state_dir": tmp_path,
            "sweep_interval_seconds": 1.0,
            "listen": Listen("127.0.0.1", int(shared["daemon_port"])),
        }
    )
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _no_php_notice_from_the_plugin(request: pytest.FixtureRequest) -> Iterator[None]:
    """WP_DEBUG is on: after every test, the PHP log has no notice, warning or deprecation
    from the plugin (WordPress 6.1 itself logs PHP 8.2 deprecations, and warnings for the update
    checks these sites block; those are not ours)."""
    if "wp" not in request.fixturenames:
        yield
        return
    site: WordPress = request.getfixturevalue("wp")
    before = site.debug_log.stat().st_size if site.debug_log.exists() else 0
    yield
    if not site.debug_log.exists():
        return
    with site.debug_log.open(errors="replace") as log:
        log.seek(before)
        ours = [line for line in log if "igsync" in line.lower()]
    assert ours == [], "PHP logged, from the plugin:\n" + "".join(ours[:10])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives a real WordPress on MariaDB (some through Chromium)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.system)
