"""Sandbox mode (IGSYNC_SANDBOX=on): `igsync run` also serves the sandbox, configured with the
daemon's own app id, app secret and redirect URI, so a shop owner without a Meta app sees the
whole way from the Connect button to a lead. The sandbox emulates Instagram; it is not Instagram.
The tokens it issues outlive a restart (their hashes in sandbox-tokens.jsonl in the state folder),
so the trial's customers stay connected; codes and rate-limit counts start afresh.
"""

from __future__ import annotations

import logging

from daemon.runtime.serving import ServerThread
from daemon.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from daemon.settings import Settings

log = logging.getLogger(__name__)


class SandboxUnavailable(Exception):
    """The sandbox's address could not be bound (str() says which and why)."""


def start_sandbox(settings: Settings) -> ServerThread:
    """Serve the sandbox on IGSYNC_SANDBOX_LISTEN; the caller stops it."""
    config = SandboxConfig(
        settings.instagram_app_id,
        settings.instagram_app_secret.reveal(),
        frozenset([settings.redirect_uri]),
        settings.instagram_api,
    )
    settings.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    state = SandboxState(config, remember=settings.state_dir / "sandbox-tokens.jsonl")
    try:
        server = ServerThread(create_sandbox_app(state, controls=False), settings.sandbox_listen)
    except OSError as exc:
        raise SandboxUnavailable(
            f"cannot serve the sandbox on {settings.sandbox_listen}: {exc.strerror}"
        ) from None
    log.warning(
        "sandbox mode: Instagram is emulated by the igsync sandbox on %s (not Instagram; "
        "shoppers authorize at %s)",
        server.url,
        settings.instagram_authorize_url,
    )
    return server.start()
