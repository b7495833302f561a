"""What every CLI command needs: settings (or one clear error line), the store, the cipher."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console

from daemon.cli.render import Rows
from daemon.crypto import TokenCipher
from daemon.settings import Settings, SettingsError, load_settings
from daemon.store import Store

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_rows(rows: Rows) -> None:
    """A boxed table on a terminal; elsewhere a line per row (see daemon.cli.render)."""
    if out.is_terminal:
        out.print(rows.as_table())
        return
    for line in rows.as_lines():
        out.file.write(line + "\n")  # as it is: rich would expand the tabs


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]igsync:[/] {message}", markup=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None


@dataclass
class Admin:
    settings: Settings
    store: Store
    cipher: TokenCipher


@contextmanager
def admin() -> Iterator[Admin]:
    """Settings, an up-to-date store and the cipher, for the read/maintenance commands."""
    settings = settings_or_exit()
    store = Store(settings.database_url)
    try:
        current, head = store.schema_revision()
        if current != head:
            raise fail(
                f"the database schema is at {current or 'nothing'}, not {head}: "
                "run `igsync db upgrade`"
            )
        yield Admin(settings, store, TokenCipher(settings.encryption_keys))
    finally:
        store.dispose()
