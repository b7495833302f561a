"""The database: `db upgrade|current`, `backup` and `restore`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from daemon.cli.app import (
    app,
    db_app,
)
from daemon.cli.context import err, fail, out, settings_or_exit
from daemon.clock import utcnow
from daemon.crypto import TokenCipher
from daemon.settings import Settings
from daemon.store.migrations import NEWEST_REVISION


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the newest migration."""
    from daemon.store.database import MigrationFailed, Store

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
    from daemon.store.database import Store

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
    from daemon.ops.backup import BackupError, backup_to_directory
    from daemon.ops.backup import backup as backup_file

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
    from daemon.ops.backup import BackupError
    from daemon.ops.backup import restore as restore_file

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
    from daemon.store.reader import sqlite_path

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
