"""`igsync pair` and `igsync unpair`: settling the shared secret and addresses with the bridge
plugin."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from daemon.cli.app import (
    app,
)
from daemon.cli.context import err, fail, out
from daemon.cli.running import run
from daemon.settings import parse_listen, read_environment
from wp_bridge.signing import generate_secret


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
    from daemon.ops.pairing import (
        PairingError,
        log_pairing,
        plan_instagram,
        sandbox_out_of_reach,
        update_env_file,
    )
    from daemon.ops.pairing import pair as pair_with
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

    from daemon.ops.pairing import log_unpairing, update_env_file
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
    from daemon.ops.pairing import insecure_transport

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
