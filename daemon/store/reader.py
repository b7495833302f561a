"""Plain SQL reads for the CLI's read commands, without the ORM.

`customers list`, `search` and `show` answer a person at a terminal; loading SQLAlchemy and
SQLModel to build the tables took most of their time (about 200 of 350 ms), the query itself
a few milliseconds. On SQLite (the default) the queries therefore go straight through the
standard library's `sqlite3`; on PostgreSQL through SQLAlchemy Core, loaded only then. One SQL
text serves both: named `:parameters` and SQL that both databases read the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from daemon.store.migrations import NEWEST_REVISION

Row = dict[str, Any]


class SchemaNotCurrent(Exception):
    """The database is missing or not at the schema this igsync reads."""


class Reader(Protocol):
    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Row]: ...

    def close(self) -> None: ...


class SqliteReader:
    """A connection of the standard library's sqlite3 that refuses to write."""

    def __init__(self, path: str) -> None:
        # mode=rw: a missing database is an error, not a new empty (and world-readable) file.
        self._connection = sqlite3.connect(
            f"file:{quote(path)}?mode=rw", uri=True, timeout=30, check_same_thread=False
        )
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA query_only = ON")

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Row]:
        return [dict(row) for row in self._connection.execute(sql, params or {})]

    def close(self) -> None:
        self._connection.close()


class CoreReader:
    """Any other database, through SQLAlchemy Core (its driver's parameter style differs)."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy import create_engine  # noqa: PLC0415  (only for PostgreSQL)

        self._engine = create_engine(database_url, pool_size=1)

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Row]:
        from sqlalchemy import text  # noqa: PLC0415

        with self._engine.connect() as connection:
            return [dict(row) for row in connection.execute(text(sql), params or {}).mappings()]

    def close(self) -> None:
        self._engine.dispose()


def sqlite_path(database_url: str) -> str | None:
    """The file of a `sqlite:///…` URL; None for another database (or SQLite in memory)."""
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("sqlite") or not parts.path.strip("/"):
        return None
    return unquote(parts.path[1:])  # sqlite:///rel.db -> rel.db, sqlite:////abs -> /abs


@contextmanager
def open_reader(database_url: str) -> Iterator[Reader]:
    """A reader on the database, checked to be at the schema this igsync reads."""
    path = sqlite_path(database_url)
    if path is not None and not Path(path).is_file():
        raise SchemaNotCurrent(f"there is no database at {path}: run `igsync db upgrade`")
    reader: Reader = SqliteReader(path) if path is not None else CoreReader(database_url)
    try:
        current = schema_revision(reader)
        if current != NEWEST_REVISION:
            raise SchemaNotCurrent(
                f"the database schema is at {current or 'nothing'}, not {NEWEST_REVISION}: "
                "run `igsync db upgrade`"
            )
        yield reader
    finally:
        reader.close()


def schema_revision(reader: Reader) -> str | None:
    tables = reader.rows(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        if isinstance(reader, SqliteReader)
        else "SELECT table_name AS name FROM information_schema.tables"
        " WHERE table_name = 'alembic_version' AND table_schema = current_schema()"
    )
    if not tables:
        return None
    found = reader.rows("SELECT version_num FROM alembic_version")
    return str(found[0]["version_num"]) if found else None


def in_list(name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """`(:name_0, :name_1, …)` and its parameters: neither driver expands a list by itself."""
    params = {f"{name}_{n}": value for n, value in enumerate(values)}
    return "(" + ", ".join(f":{key}" for key in params) + ")", params
