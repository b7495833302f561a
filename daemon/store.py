"""The database: engine set-up (SQLite WAL by default), transactions and migrations.

SQLite allows one writer at a time. Write transactions therefore start with BEGIN IMMEDIATE,
so a transaction that reads before it writes queues for the lock at its start instead of
failing with "database is locked" half-way; reads stay DEFERRED and never block the writer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_SECONDS = 30
MIGRATION_LOCK = 0x16_5_7C  # PostgreSQL advisory lock key: one migrating daemon at a time


class Store:
    """Owns the engine; hands out read sessions and write transactions."""

    def __init__(
        self, database_url: str, *, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS
    ) -> None:
        self.url = make_url(database_url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            _create_private_sqlite_file(self.url.database)
            self.engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": busy_timeout},
                pool_size=16,
                max_overflow=16,
            )
            _configure_sqlite(self.engine)
            self._write_engine: Engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            self.engine = create_engine(self.url, pool_size=16, max_overflow=16, pool_pre_ping=True)
            self._write_engine = self.engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on an exception."""
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent). On PostgreSQL, daemons that
        start together queue on an advisory lock; the first migrates, the others find it done."""
        with self._write_engine.begin() as connection:
            if self.url.get_backend_name() == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def schema_revision(self) -> tuple[str | None, str | None]:
        """(revision of this database, newest revision shipped)."""
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return current, head

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _create_private_sqlite_file(database: str | None) -> None:
    """Create the database file with mode 0600 before SQLite does (its -wal/-shm copy the mode)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so that we choose its kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a 202 means the code survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
