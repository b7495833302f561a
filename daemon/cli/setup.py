"""Setting up and checking an installation: `doctor`, `review-kit`, `wp-plugin`, `keys
generate|rotate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from daemon.cli.app import (
    app,
    keys_app,
)
from daemon.cli.context import admin, err, fail, out, settings_or_exit
from daemon.clock import utcnow
from daemon.crypto import generate_key
from wp_bridge.signing import generate_secret


@app.command()
def doctor() -> None:
    """Check the installed configuration: settings, database, keys, WordPress, Instagram, intake."""
    from daemon.ops.doctor import FAIL, run_checks

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
    from daemon.ops.review_kit import build_kit, run_self_test, shop_of, write_kit

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
    from daemon.ops.rotation import rotate_all

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
