"""Running igsync: the daemon (`igsync run`), the Instagram sandbox, the demo."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from daemon.cli.app import (
    MIGRATION_FAILED_STATUS,
    app,
)
from daemon.cli.context import fail, out, print_rows, settings_or_exit
from daemon.cli.render import customers_rows
from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.logs import configure_logging
from daemon.settings import FLAVOURS, Listen, parse_listen, read_environment
from daemon.store.statuses import DeliveryStatus


@app.command()
def run() -> None:
    """Run the daemon: intake on IGSYNC_LISTEN, workers, sweeps; stops cleanly on SIGTERM."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    from daemon.runtime.sandbox_mode import SandboxUnavailable
    from daemon.service import Daemon  # the web stack loads only for commands that serve
    from daemon.store.database import MigrationFailed

    try:
        Daemon.build(settings).serve_forever()
    except SandboxUnavailable as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot listen on {settings.listen}: {exc.strerror}") from None
    except MigrationFailed as exc:  # systemd does not restart on this status (the unit)
        raise fail(str(exc), code=MIGRATION_FAILED_STATUS) from None


@app.command()
def sandbox(
    listen: Annotated[str, typer.Option(help="HOST:PORT to serve on.")] = "127.0.0.1:8766",
    app_id: Annotated[
        str | None, typer.Option(help="App id to accept (default: IGSYNC_INSTAGRAM_APP_ID).")
    ] = None,
    app_secret: Annotated[
        str | None,
        typer.Option(help="App secret (default: IGSYNC_INSTAGRAM_APP_SECRET).", show_default=False),
    ] = None,
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(help="A valid redirect URI (repeatable) (default: IGSYNC_REDIRECT_URI)."),
    ] = None,
    flavour: Annotated[
        str | None,
        typer.Option(help="instagram_login or basic_display (default: IGSYNC_INSTAGRAM_API)."),
    ] = None,
    latency_ms: Annotated[int, typer.Option(min=0, help="Latency added to every API call.")] = 0,
) -> None:
    """Serve the sandbox: a local emulator of Instagram's OAuth and Graph API (not Instagram)."""
    from daemon.runtime.serving import serve_until_signalled
    from daemon.sandbox import Faults, SandboxConfig, SandboxState, create_sandbox_app

    env = read_environment()
    app_id = app_id or env.get("IGSYNC_INSTAGRAM_APP_ID")
    app_secret = app_secret or env.get("IGSYNC_INSTAGRAM_APP_SECRET")
    uris = redirect_uri or [u for u in [env.get("IGSYNC_REDIRECT_URI")] if u]
    chosen = flavour or env.get("IGSYNC_INSTAGRAM_API") or "instagram_login"
    if not (app_id and app_secret and uris):
        raise fail(
            "the sandbox needs an app id, app secret and redirect URI "
            "(options or IGSYNC_* settings)"
        )
    if chosen not in FLAVOURS:
        raise fail(f"--flavour must be one of {', '.join(FLAVOURS)}")
    try:
        where: Listen = parse_listen(listen)
    except ValueError as exc:
        raise fail(f"--listen {exc}") from None
    state = SandboxState(
        SandboxConfig(app_id, app_secret, frozenset(uris), chosen),
        Faults(latency_ms=latency_ms),
    )

    def ready(url: str) -> None:
        out.print(
            f"igsync sandbox (not Instagram) on {url}: point IGSYNC_INSTAGRAM_OAUTH_URL and "
            f"IGSYNC_INSTAGRAM_GRAPH_URL at it, "
            f"IGSYNC_INSTAGRAM_AUTHORIZE_URL at {url}/oauth/authorize"
        )

    try:
        serve_until_signalled(create_sandbox_app(state), where, ready)
    except OSError as exc:
        raise fail(f"cannot listen on {where}: {exc.strerror}") from None


@app.command()
def demo(
    shoppers: Annotated[int, typer.Option(min=1, max=5, help="How many shoppers connect.")] = 5,
    state_dir: Annotated[
        Path | None,
        typer.Option(help="Keep the demo database here (default: a temporary folder, removed)."),
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show the daemon's log.")] = False,
) -> None:
    """Run the whole pipeline locally: sandbox + daemon + a simulated shop; print the customers."""
    from daemon.cli.demo import run_demo
    from daemon.cli.views import list_customers
    from daemon.store.database import Store
    from daemon.store.queries import status_counts
    from daemon.store.reader import open_reader

    configure_logging("INFO" if verbose else "WARNING")
    out.print(
        "[bold]igsync demo[/]: shoppers connect Instagram (sandbox) to a shop; "
        "the daemon turns their codes into customers and leads.",
        markup=True,
    )
    result = run_demo(shoppers=shoppers, state_dir=state_dir, say=out.print)
    store = Store(result.database_url)
    try:
        with store.read() as session:
            counts = status_counts(session, now=utcnow(), refresh_window=timedelta(days=10))
        with open_reader(result.database_url) as reader:
            views = list_customers(reader, TokenCipher([result.encryption_key]), limit=50)
    finally:
        store.dispose()
    print_rows(customers_rows(views, title="Customers stored by igsync"))
    delivered = counts.deliveries.get(DeliveryStatus.DELIVERED, 0)
    out.print(
        f"{result.forwarded} code(s) forwarded, {result.cancelled} shopper(s) cancelled, "
        f"{counts.customers} customer(s) stored, {delivered} lead(s) delivered; "
        f"the shop received {result.leads_received} lead(s)."
    )
    if state_dir is None:
        shutil.rmtree(
            Path(result.database_url.removeprefix("sqlite:///")).parent, ignore_errors=True
        )
    if delivered != result.forwarded or counts.customers != result.forwarded:
        raise fail("not every forwarded code reached the shop as a lead", code=1)
