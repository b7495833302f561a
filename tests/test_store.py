"""The store: migrations build exactly the models' schema, SQLite runs in WAL with a 0600 file."""

from __future__ import annotations

import stat
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from daemon.store.database import Store, alembic_config
from daemon.store.migrations import NEWEST_REVISION


def test_migrations_create_the_schema_the_models_describe(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    current, head = store.schema_revision()
    assert current == head == NEWEST_REVISION


def test_migrating_twice_changes_nothing(store: Store) -> None:
    store.migrate()
    assert store.schema_revision()[0] == NEWEST_REVISION


def test_a_new_database_starts_empty_and_says_so(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert store.schema_revision() == (None, NEWEST_REVISION)
    finally:
        store.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_database_file_and_its_folder_are_private(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state' / 'igsync.db'}")
    store.migrate()
    try:
        for path in (tmp_path / "state").glob("igsync.db*"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    finally:
        store.dispose()


def test_the_newest_revision_constant_is_alembics_head() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == NEWEST_REVISION
