"""The database: engine set-up (SQLite WAL by default), transactions and migrations.

SQLite allows one writer at a time. Write transactions therefore start with BEGIN IMMEDIATE,
so a transaction that reads before it writes queues for the lock at its start instead of
failing with "database is locked" half-way; reads stay DEFERRED and never block the writer.
Within the process, writers also queue on a lock of ours first: SQLite's own busy handler
polls with sleeps of up to 100 ms, so under contention a waiting writer would sleep long after
the lock was free; a Python lock hands it over at once. (Other processes, a CLI command say,
still meet the busy handler, which is fine for them.) The intake's writes go first: WordPress
and a shopper wait on them, while a worker's bookkeeping can wait a few milliseconds.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from daemon.store.migrations import NEWEST_REVISION
from daemon.store.ownership import give_to_folder_owner

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_SECONDS = 30
MIGRATION_LOCK = 0x16_5_7C  # PostgreSQL advisory lock key: one migrating daemon at a time


class MigrationFailed(Exception):
    """The schema could not be brought up to date; it is unchanged."""


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
            self._writer: WriterLock | None = WriterLock()
        else:
            self._writer = None
            self.engine = create_engine(self.url, pool_size=16, max_overflow=16, pool_pre_ping=True)
            self._write_engine = self.engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, *, urgent: bool = False) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on an exception;
        `urgent` ones (the intake's) are let in before waiting ordinary ones."""
        writer = self._writer  # SQLite only: PostgreSQL takes many writers
        if writer is not None:
            writer.acquire(urgent=urgent)
        try:
            with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                yield session
        finally:
            if writer is not None:
                writer.release()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent). On PostgreSQL, daemons that
        start together queue on an advisory lock; the first migrates, the others find it done.
        Alembic is imported only when there is something to do: it is a tenth of a running
        daemon's memory."""
        before = self.current_revision()
        if before == NEWEST_REVISION:
            return
        from alembic import command  # noqa: PLC0415  (loaded only to migrate)

        try:
            with self._write_engine.begin() as connection:
                if self.url.get_backend_name() == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except DBAPIError as exc:  # one transaction: rolled back, the schema is as it was
            raise MigrationFailed(
                f"migrating the database from {before or 'nothing'} to {NEWEST_REVISION} failed "
                f"and was rolled back, the schema is still {before or 'empty'}: {exc.orig}"
            ) from exc

    def current_revision(self) -> str | None:
        """The schema revision of this database (None before the first migration)."""
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no alembic_version table yet
            return None

    def schema_revision(self) -> tuple[str | None, str | None]:
        """(revision of this database, newest revision shipped)."""
        return self.current_revision(), NEWEST_REVISION

    def dispose(self) -> None:
        self.engine.dispose()


class WriterLock:
    """A re-entrant lock whose urgent waiters go before ordinary ones, first come first served
    within each. A release hands the lock straight to the next waiter and wakes only that one
    (a Condition's notify_all woke every waiting worker to find all but one still shut out)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._urgent: deque[tuple[threading.Lock, int]] = deque()
        self._ordinary: deque[tuple[threading.Lock, int]] = deque()

    def acquire(self, *, urgent: bool) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:  # free, and so nobody waits (a release hands it over)
                self._owner, self._depth = me, 1
                return
            gate = threading.Lock()
            gate.acquire()
            (self._urgent if urgent else self._ordinary).append((gate, me))
        gate.acquire()  # opened by the release that made this thread the owner

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            waiting = self._urgent or self._ordinary
            if not waiting:
                self._owner = None
                return
            gate, self._owner = waiting.popleft()
            self._depth = 1
            gate.release()


def alembic_config() -> Config:
    from alembic.config import Config  # noqa: PLC0415  (loaded only to migrate)

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
        give_to_folder_owner(path)


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
        # Straight to the driver: the statement is fixed, and SQLAlchemy's execution path
        # (events, caching, a result object) cost more than the BEGIN itself. Its errors are
        # raised as SQLAlchemy's, as they would have been ("database is locked": a 503).
        statement = f"BEGIN {mode}"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:
            raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error


def insert_or_ignore(session: Session, model: Any) -> Any:
    """INSERT for the session's database, ready for .on_conflict_do_nothing() (SQLite and
    PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(model)
    return sqlite_insert(model)
