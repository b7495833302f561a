"""The igsync command line (typer)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from daemon import __version__
from daemon.cli import customers
from daemon.cli.context import admin, err, fail, out, print_rows, settings_or_exit
from daemon.cli.render import customers_rows, deliveries_rows, status_table
from daemon.clock import utcnow
from daemon.crypto import TokenCipher, generate_key
from daemon.logs import configure_logging
from daemon.migrations import NEWEST_REVISION
from daemon.settings import FLAVOURS, Listen, Settings, parse_listen, read_environment
from daemon.statuses import DeliveryStatus, ErasureStatus
from wp_bridge.signing import generate_secret

app = typer.Typer(
    name="igsync",
    help="igsync: Instagram leads for WooCommerce. Exchanges forwarded authorization codes, "
    "stores customers and pushes leads back to WordPress.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold tokens
    # Click's own help: paragraphs rewrapped to the terminal (up to 100 columns), flags without a
    # type; rich's boxes kept a docstring's line breaks and showed every flag as <bool>.
    rich_markup_mode=None,
    context_settings={"max_content_width": 100},
)
app.add_typer(customers.app, name="customers")
deliveries_app = typer.Typer(help="Leads on their way to WordPress.", no_args_is_help=True)
tokens_app = typer.Typer(help="Long-lived Instagram tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys and the shared secret.", no_args_is_help=True)
app.add_typer(deliveries_app, name="deliveries")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MIGRATION_FAILED_STATUS = 78  # EX_CONFIG; systemd/igsync.service: RestartPreventExitStatus=78


def _version(value: bool) -> None:
    if value:
        out.print(f"igsync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Settings come from IGSYNC_* variables and the file named by IGSYNC_ENV_FILE (or ./.env)."""


@app.command()
def run() -> None:
    """Run the daemon: intake on IGSYNC_LISTEN, workers, sweeps; stops cleanly on SIGTERM."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    from daemon.sandbox_mode import SandboxUnavailable
    from daemon.service import Daemon  # the web stack loads only for commands that serve
    from daemon.store import MigrationFailed

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
    from daemon.sandbox import Faults, SandboxConfig, SandboxState, create_sandbox_app
    from daemon.serving import serve_until_signalled

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
    from daemon.customer_views import list_customers
    from daemon.demo import run_demo
    from daemon.queries import status_counts
    from daemon.reader import open_reader
    from daemon.store import Store

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


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Counts of codes, customers, tokens due for refresh, deliveries pending and failed."""
    from daemon.queries import status_counts

    with admin() as ctx, ctx.store.read() as session:
        counts = status_counts(
            session, now=utcnow(), refresh_window=timedelta(days=ctx.settings.refresh_window_days)
        )
    if as_json:
        out.print_json(json.dumps(counts.as_dict()))
    else:
        print_rows(status_table(counts))


@deliveries_app.command("list")
def deliveries_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only those WordPress refused.")] = False,
    parked: Annotated[
        bool, typer.Option("--parked", help="Only those parked after failing for days.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Recent deliveries with their status and WordPress's last answer."""
    from daemon.queries import list_deliveries

    only = DeliveryStatus.FAILED if failed else DeliveryStatus.PARKED if parked else None
    with admin() as ctx, ctx.store.read() as session:
        rows = list_deliveries(session, status=only, limit=limit)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "id": d.id,
                        "customer": u,
                        "status": d.status,
                        "attempts": d.attempts,
                        "http_status": d.last_http_status,
                        "last_error": d.last_error,
                    }
                    for d, u in rows
                ]
            )
        )
    elif not rows:
        out.print(f"No {only} deliveries." if only else "No deliveries.")
    else:
        print_rows(deliveries_rows(rows))


@deliveries_app.command("retry")
def deliveries_retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Delivery ids (default: every failed one).")
    ] = None,
) -> None:
    """Queue refused deliveries again (after fixing the WordPress side)."""
    from daemon.deliveries import retry_failed

    with admin() as ctx:
        count = retry_failed(ctx.store, now=utcnow(), delivery_ids=ids)
    out.print(f"{count} delivery(ies) queued again; a running daemon sends them within a sweep.")


@deliveries_app.command("replay")
def deliveries_replay(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Delivery ids (default: every parked one).")
    ] = None,
) -> None:
    """Send parked leads again, each customer's in order (once WordPress is back)."""
    from daemon.deliveries import replay_parked

    with admin() as ctx:
        count = replay_parked(ctx.store, now=utcnow(), delivery_ids=ids)
    out.print(
        f"{count} parked delivery(ies) queued again, in order; a running daemon sends them "
        "within a sweep."
    )


@app.command()
def forget(
    customer: Annotated[str, typer.Argument(help="Customer id, @username or Instagram user id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a customer's Instagram data here and in WordPress (a data-deletion request by hand)."""
    from daemon.customer_views import find_customer
    from daemon.erasure import ErasureWorker, request_erasure
    from daemon.leases import worker_name
    from daemon.reader import open_reader
    from wp_bridge.signing import Signer
    from wp_bridge.wordpress import WordPressClient

    with admin() as ctx:
        with open_reader(ctx.settings.database_url) as reader:
            view = find_customer(reader, None, customer)
        if view is None:
            raise fail(f"no customer matches {customer!r}")
        found = view.customer
        who = f"@{found.username} (customer {found.id}, Instagram user {found.ig_user_id})"
        if not yes and not typer.confirm(f"Erase {who} here and in WordPress?"):
            raise typer.Exit(1)
        receipt = request_erasure(ctx.store, found.ig_user_id, source="cli", now=utcnow())
        out.print(f"Erased {who} here; confirmation code {receipt.confirmation_code}.")
        wordpress = WordPressClient(
            ctx.settings.wp_url,
            Signer(ctx.settings.shared_secret.reveal()),
            timeout=ctx.settings.http_timeout_seconds,
        )
        worker = ErasureWorker(ctx.store, wordpress, owner=worker_name())
        outcome = worker.process(receipt.id)
        wordpress.close()
    if outcome == ErasureStatus.COMPLETED:
        out.print("WordPress erased the lead and the user meta too.")
    elif receipt.due_at > utcnow():
        out.print(
            "A lead push to WordPress is in flight; the running daemon tells WordPress to erase "
            f"once it has ended (by {receipt.due_at:%H:%M:%S} UTC)."
        )
    else:
        out.print(
            "WordPress could not be told yet; the running daemon keeps trying "
            "(`igsync status` shows pending erasures)."
        )


@tokens_app.command("refresh")
def tokens_refresh(
    limit: Annotated[int, typer.Option(min=1, help="At most this many tokens.")] = 1000,
) -> None:
    """Refresh the long-lived tokens that are due now (the daemon does this on its own too)."""
    from daemon.instagram import InstagramClient, InstagramEndpoints
    from daemon.leases import worker_name
    from daemon.refresh import TokenRefresher

    with admin() as ctx:
        client = InstagramClient(
            InstagramEndpoints.from_settings(ctx.settings),
            timeout=ctx.settings.http_timeout_seconds,
        )
        refresher = TokenRefresher(
            ctx.store,
            ctx.cipher,
            client,
            owner=worker_name(),
            window=timedelta(days=ctx.settings.refresh_window_days),
        )
        outcomes = [refresher.run_claimed(token_id) for token_id in refresher.claim_due(limit)]
        client.close()
    refreshed = outcomes.count("active")
    out.print(
        f"{len(outcomes)} token(s) due: {refreshed} refreshed, "
        f"{outcomes.count('invalid')} invalid (customer must reconnect), "
        f"{len(outcomes) - refreshed - outcomes.count('invalid')} to retry later."
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the newest migration."""
    from daemon.store import MigrationFailed, Store

    settings = settings_or_exit()
    store = Store(settings.database_url)
    try:
        store.migrate()
        current, _head = store.schema_revision()
    except MigrationFailed as exc:
        raise fail(str(exc), code=1) from None
    finally:
        store.dispose()
    out.print(f"database at revision {current} ({store.url.render_as_string(hide_password=True)})")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one shipped."""
    from daemon.store import Store

    settings = settings_or_exit()
    store = Store(settings.database_url)
    try:
        current, head = store.schema_revision()
    finally:
        store.dispose()
    out.print(
        f"database: {current or 'empty'}; newest: {head}"
        + ("" if current == head else " (run `igsync db upgrade`)")
    )


@app.command()
def backup(
    target: Annotated[
        Path,
        typer.Argument(
            help="A new file, or a folder: then a file named for the time, and only the "
            "newest --keep of igsync's backups there stay."
        ),
    ],
    keep: Annotated[int, typer.Option(min=1, help="Backups to keep when TARGET is a folder.")] = 7,
) -> None:
    """Copy the SQLite database while the daemon runs (tokens stay encrypted; the keys are
    never in it: keep them with the settings). For PostgreSQL use pg_dump."""
    from daemon.backup import BackupError, backup_to_directory
    from daemon.backup import backup as backup_file

    database = _sqlite_database(settings_or_exit(), "backup", "pg_dump -Fc")
    try:
        with _pages_progress("backing up") as progress:
            if target.is_dir():
                made, removed = backup_to_directory(
                    target, database, utcnow(), keep, progress=progress
                )
            else:
                made, removed = backup_file(database, target, progress=progress), []
    except BackupError as exc:
        raise fail(str(exc), code=1) from None
    out.print(
        f"backup written: {made.path} ({made.bytes / 1_048_576:.1f} MiB, {made.customers} "
        f"customer(s), schema {made.revision})"
    )
    for path in removed:
        out.print(f"removed the older backup {path}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A backup written by `igsync backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the SQLite database with a backup. The daemon must be stopped; the configured
    keys must read the backup; the database replaced is kept beside it."""
    from daemon.backup import BackupError
    from daemon.backup import restore as restore_file

    settings = settings_or_exit()
    database = _sqlite_database(settings, "restore", "pg_restore")
    if not yes and not typer.confirm(f"Replace {database} with {source}?"):
        raise typer.Exit(1)
    try:
        done = restore_file(database, source, TokenCipher(settings.encryption_keys), utcnow())
    except BackupError as exc:
        raise fail(str(exc), code=1) from None
    kept = f"the database it replaced is kept as {done.previous}" if done.previous else "a new one"
    out.print(
        f"restored {source} into {database} ({done.restored.customers} customer(s), schema "
        f"{done.restored.revision}); {kept}"
    )
    if done.interrupted:
        out.print(
            f"{done.interrupted} code(s) still in flight in the backup are marked interrupted "
            "(the daemon that wrote it may have exchanged them): WordPress is told when the "
            "daemon starts, and those shoppers are asked to connect again."
        )
    if done.restored.revision != NEWEST_REVISION:
        out.print("The daemon migrates it when it starts (or run `igsync db upgrade` now).")


def _sqlite_database(settings: Settings, command: str, tool: str) -> Path:
    from daemon.reader import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is None:
        raise fail(
            f"`igsync {command}` copies the embedded SQLite database; for PostgreSQL use its "
            f"own tools ({tool})"
        )
    return Path(path)


@contextmanager
def _pages_progress(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal (pages copied); nothing anywhere else."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(what),
        BarColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(what, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


@app.command()
def pair(
    code: Annotated[str, typer.Argument(help="The pairing code from Settings > igsync.")],
    wp_url: Annotated[
        str | None,
        typer.Option(help="The shop's WordPress address (default: IGSYNC_WP_URL)."),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="Where WordPress reaches this daemon (default: IGSYNC_PUBLIC_URL, else "
            "http:// and IGSYNC_LISTEN)."
        ),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Try igsync without a Meta app: the daemon serves the sandbox (an emulator, "
            "not Instagram) and the shop's Connect button goes to it.",
        ),
    ] = False,
    sandbox_url: Annotated[
        str | None,
        typer.Option(
            help="Where shoppers' browsers reach the sandbox, when not on this machine's "
            "loopback (default: IGSYNC_SANDBOX_URL)."
        ),
    ] = None,
    app_id: Annotated[
        str | None,
        typer.Option(help="Your Meta app's Instagram app id (igsync asks for its secret)."),
    ] = None,
    allow_private_http: Annotated[
        bool,
        typer.Option(
            "--allow-private-http",
            help="Allow plain http:// to a private network address (not only loopback).",
        ),
    ] = False,
    run_after: Annotated[
        bool,
        typer.Option(
            "--run",
            help="Then run the daemon here until Ctrl-C (when no service runs it).",
        ),
    ] = False,
) -> None:
    """Pair with the WordPress bridge plugin: a new shared secret, the daemon's address, the app
    id and API flavour go to WordPress; its redirect URI comes back; the env file is updated."""
    from daemon.pairing import (
        PairingError,
        log_pairing,
        plan_instagram,
        sandbox_out_of_reach,
        update_env_file,
    )
    from daemon.pairing import pair as pair_with
    from daemon.settings import state_dir_of
    from wp_bridge.signing import Signer
    from wp_bridge.wordpress import WordPressClient

    env = read_environment(env_file_may_be_missing=True)
    wp, daemon_url = _pairing_addresses(env, wp_url, public_url, allow_private=allow_private_http)
    env_file = _env_file_to_write(env, must_exist=False)
    app_secret = None
    if app_id:
        app_secret = typer.prompt("Instagram app secret (not shown)", hide_input=True, err=True)
    try:
        instagram = plan_instagram(
            env, sandbox=sandbox, app_id=app_id, app_secret=app_secret, sandbox_url=sandbox_url
        )
    except PairingError as exc:
        raise fail(str(exc)) from None
    secret = generate_secret()
    try:
        paired = pair_with(
            wp,
            code.strip(),
            secret=secret,
            daemon_url=daemon_url,
            instagram=instagram,
            private_http=allow_private_http,
        )
    except PairingError as exc:
        raise fail(str(exc), code=1) from None
    written = {
        **instagram.env_updates,
        "IGSYNC_SHARED_SECRET": secret,
        "IGSYNC_WP_URL": wp,
        "IGSYNC_REDIRECT_URI": paired.redirect_uri,
    }
    if update_env_file(env_file, written):
        err.print(f"note: {env_file} was readable by other users; it holds secrets now: mode 600")
    log_pairing(state_dir_of(env), paired, daemon_url, sandbox=sandbox)
    out.print(f"Paired with {paired.site_name or paired.site_url} ({paired.site_url}).")
    out.print(f"{env_file}: {', '.join(_shown_settings(written))}")
    if sandbox:
        out.print(
            f"Sandbox mode: the shop's Connect button now opens the igsync sandbox at "
            f"{instagram.authorize_url}, an emulator of Instagram (not Instagram); no real "
            "account connects. To go live: pair again with --app-id."
        )
        unreachable = sandbox_out_of_reach(instagram.authorize_url, wp)
        if unreachable:
            err.print(f"[yellow]warning:[/] {escape(unreachable)}", markup=True)
    client = WordPressClient(wp, Signer(secret))
    accepted, said = client.ping()
    client.close()
    out.print(("Signed ping: " if accepted else "Signed ping failed: ") + said)
    if not accepted:
        raise typer.Exit(1)
    if run_after:
        out.print("Running the daemon here; Ctrl-C stops it.")
        run()
    else:
        out.print(_restart_service())


@app.command()
def unpair() -> None:
    """Leave the WordPress site this daemon is paired with: WordPress forgets the shared secret,
    the env file drops it (the daemon then will not start until `igsync pair`), both sides log
    it."""
    import socket

    from daemon.pairing import log_unpairing, update_env_file
    from daemon.settings import state_dir_of
    from wp_bridge.signing import Signer
    from wp_bridge.wordpress import WordPressClient, WordPressError

    env = read_environment()
    wp, secret = env.get("IGSYNC_WP_URL", "").rstrip("/"), env.get("IGSYNC_SHARED_SECRET", "")
    if not (wp and secret):
        raise fail("this daemon is not paired (no IGSYNC_WP_URL or IGSYNC_SHARED_SECRET)")
    env_file = _env_file_to_write(env, must_exist=True)
    client = WordPressClient(wp, Signer(secret))
    try:
        client.unpair(socket.gethostname())
        told = f"WordPress at {wp} forgot the shared secret."
    except WordPressError as error:
        told = f"WordPress at {wp} was not told ({error.reason}): click Pair again there."
    finally:
        client.close()
    update_env_file(env_file, {"IGSYNC_SHARED_SECRET": ""})
    log_unpairing(state_dir_of(env), wp + "/", by="igsync unpair")
    out.print(told)
    out.print(f"{env_file}: IGSYNC_SHARED_SECRET removed; pair again with igsync pair CODE.")


def _env_file_to_write(env: dict[str, str], *, must_exist: bool) -> Path:
    """The env file pair and unpair rewrite (IGSYNC_ENV_FILE, else ./.env), checked writable
    before anything is sent; pairing may create it."""
    env_file = Path(env.get("IGSYNC_ENV_FILE") or ".env")
    if (must_exist or env_file.exists()) and not os.access(env_file, os.W_OK):
        raise fail(f"{env_file} is not writable here (run as root?)")
    return env_file


def _pairing_addresses(
    env: dict[str, str], wp_url: str | None, public_url: str | None, *, allow_private: bool
) -> tuple[str, str]:
    """WordPress's address and the daemon's as WordPress calls it; both safe to carry a secret."""
    from daemon.pairing import insecure_transport

    wp = (wp_url or env.get("IGSYNC_WP_URL") or "").rstrip("/")
    if not wp:
        raise fail("--wp-url is needed (or IGSYNC_WP_URL): the shop's WordPress address")
    daemon_url = public_url or env.get("IGSYNC_PUBLIC_URL")
    if not daemon_url:
        listen = parse_listen(env.get("IGSYNC_LISTEN") or "127.0.0.1:8765")
        daemon_url = f"http://{listen.host}:{listen.port}"
    for url in (wp, daemon_url):
        refused = insecure_transport(url, allow_private=allow_private)
        if refused:
            raise fail(refused)
    return wp, daemon_url


def _shown_settings(written: dict[str, str]) -> Iterator[str]:
    """The env file's new lines as the owner may see them: secrets named, never shown."""
    for key, value in written.items():
        hidden = key.endswith(("_SECRET", "_KEYS"))
        yield f"{key} (new)" if hidden else f"{key}={value}"


def _restart_service() -> str:
    """Restart the installed service so it runs with what pairing wrote (as root under systemd),
    else say how to start the daemon."""
    unit = any(
        Path(d, "igsync.service").exists() for d in ("/lib/systemd/system", "/etc/systemd/system")
    )
    if not (unit and Path("/run/systemd/system").is_dir()):
        return "Start the daemon with the new settings: igsync run (or pass --run to igsync pair)"
    if os.geteuid() != 0:
        return "Restart the daemon so it uses the new settings: sudo systemctl restart igsync"
    restarted = subprocess.run(
        ["/bin/systemctl", "restart", "igsync"], capture_output=True, text=True, check=False
    )
    if restarted.returncode != 0:
        why = restarted.stderr.strip()
        return f"systemctl restart igsync failed: {why} (see journalctl -u igsync)"
    return "The igsync service restarted with the new settings (journalctl -u igsync shows it)."


@app.command()
def doctor() -> None:
    """Check the installed configuration: settings, database, keys, WordPress, Instagram, intake."""
    from daemon.doctor import FAIL, run_checks

    marks = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]"}
    failed = False
    for check in run_checks():
        out.print(f"{marks[check.verdict]} {check.name:<16} {escape(check.detail)}", markup=True)
        failed = failed or check.verdict == FAIL
    if failed:
        raise typer.Exit(1)


@app.command("review-kit")
def review_kit(
    directory: Annotated[Path, typer.Argument(help="The folder to write the kit into.")],
    self_test: Annotated[
        bool,
        typer.Option(
            "--self-test/--no-self-test",
            help="Post a signed test of Meta's two callbacks to the shop (an account that does "
            "not exist, so nobody is erased).",
        ),
    ] = True,
) -> None:
    """Write what Meta's App Review and Data Use Checkup ask for: each permission's
    justification, a screencast script, the data inventory, a callbacks self-test and draft
    checkup answers, as Markdown for this shop (no secret in it)."""
    from daemon.review_kit import build_kit, run_self_test, shop_of, write_kit

    settings = settings_or_exit()
    now = utcnow()
    tests = run_self_test(settings, now) if self_test else []
    written = write_kit(directory, build_kit(shop_of(settings), tests, now))
    for path in written:
        out.print(f"wrote {path}")
    broken = [t for t in tests if t.status != 200]
    for test in broken:
        err.print(f"the {test.route} self-test got {test.status or 'no answer'} from {test.url}")
    if broken:
        raise fail("a callback does not work yet: see callbacks-self-test.md", code=1)


@app.command("wp-plugin")
def wp_plugin(
    output: Annotated[Path, typer.Option("--output", "-o", help="The zip file to write.")] = Path(
        "igsync-bridge.zip"
    ),
) -> None:
    """Build the WordPress bridge plugin's installable zip (Plugins > Add Plugin > Upload)."""
    from wp_bridge.plugin import build_zip

    count = build_zip(output)
    out.print(
        f"wrote {output} ({count} files): upload it in wp-admin, Plugins > Add Plugin > Upload "
        "Plugin (from the computer your browser runs on)"
    )


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new encryption key and shared secret, as lines for the env file."""
    out.print(f"IGSYNC_ENCRYPTION_KEYS={generate_key()}")
    out.print(f"IGSYNC_SHARED_SECRET={generate_secret()}")
    err.print(
        "Keep these secret. To rotate the encryption key, put the new key first: "
        "IGSYNC_ENCRYPTION_KEYS=new,old."
    )


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token and pending code under the first key of
    IGSYNC_ENCRYPTION_KEYS (the daemon may keep running); then the old key can go."""
    from daemon.rotation import rotate_all

    with admin() as ctx:
        report = rotate_all(ctx.store, ctx.cipher)
    out.print(
        f"{report.rotated} value(s) re-encrypted, {report.current + report.changed_meanwhile} "
        f"already under the current key, {report.unreadable} unreadable with any configured key."
    )
    if report.unreadable:
        raise fail(
            "some values can be read by no configured key: keep looking for the key that wrote "
            "them before removing any",
            code=1,
        )
    if len(ctx.settings.encryption_keys) > 1:
        out.print(
            "Everything is under the first key now: the other keys can be removed from "
            "IGSYNC_ENCRYPTION_KEYS (restart the daemon after)."
        )


def main() -> None:
    app()
