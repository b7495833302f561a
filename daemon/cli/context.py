"""What every CLI command needs: settings (or one clear error line), the store or a reader,
the cipher. Only what a command uses is imported: a read command never loads the ORM."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from daemon.cli.render import Pairs, Rows
from daemon.crypto import TokenCipher
from daemon.settings import Settings, SettingsError, load_settings
from daemon.store.reader import Reader, SchemaNotCurrent, open_reader

if TYPE_CHECKING:
    from daemon.store.database import Store

# No markup by default: names, biographies and errors come from outside and may hold "[/i]" or
# "[link=...]". The few lines with colour say markup=True and escape what they did not write.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def print_rows(rows: Rows | Pairs) -> None:
    """A boxed table on a terminal, as wide as it is; elsewhere a line per row (see
    daemon.cli.render)."""
    if out.is_terminal:
        out.print(rows.as_table(out.width))
        return
    for line in rows.as_lines():
        out.file.write(line + "\n")  # as it is: rich would expand the tabs


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]igsync:[/] {escape(message)}", markup=True)
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
    from daemon.store.database import Store

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


@dataclass
class Reading:
    settings: Settings
    reader: Reader
    cipher: TokenCipher


@contextmanager
def reading() -> Iterator[Reading]:
    """Settings, a plain-SQL reader on an up-to-date database and the cipher, for the commands
    that only show customers (see daemon.store.reader)."""
    settings = settings_or_exit()
    try:
        with open_reader(settings.database_url) as reader:
            yield Reading(settings, reader, TokenCipher(settings.encryption_keys))
    except SchemaNotCurrent as exc:
        raise fail(str(exc)) from None
