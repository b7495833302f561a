"""Backups of the SQLite database (`igsync backup`, `igsync restore`).

A backup is SQLite's online backup API at work: a consistent copy of the database while the
daemon goes on writing to it. Tokens and codes stay encrypted in the copy, as they are in the
database; the encryption keys live in the environment file and are never part of it, so a
backup is only as useful as the keys kept with the settings. A restore therefore first checks
that the keys configured now read every encrypted value of the backup, then keeps the database
it replaces beside it (if there is one: restoring onto a new machine is what backups are for),
then copies the backup in with the same API. A code that was still in flight in the backup may
have been exchanged since by the daemon that wrote it: a restore marks every such code
interrupted (its secrets erased, WordPress told, the shopper asked to connect again), as a
crash does, so that none is ever sent to Instagram twice.

PostgreSQL has its own tools (pg_dump); these commands are for the embedded default.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from daemon.crypto import CipherError, TokenCipher
from daemon.ops.rotation import ENCRYPTED_COLUMNS
from daemon.store.db_lock import in_use_path, try_exclusive
from daemon.store.migrations import NEWEST_REVISION
from daemon.store.statuses import CodeStatus

BACKUP_NAME = "igsync-{stamp}.db"
BACKUP_PATTERN = re.compile(r"^igsync-\d{8}T\d{6}Z\.db$")
PAGES_PER_STEP = 1024  # copied between the daemon's writes: it is never held up for long

Progress = Callable[[int, int], None]  # (pages copied, pages in all)


def _quietly(_done: int, _total: int) -> None:
    """No progress shown (the CLI passes a bar on a terminal)."""


class BackupError(Exception):
    """Why a backup or a restore did not happen (nothing was changed)."""


@dataclass(frozen=True)
class Summary:
    """What a database file holds, as a backup or a restore reports it."""

    path: Path
    bytes: int
    revision: str | None
    customers: int


@dataclass(frozen=True)
class Restored:
    restored: Summary
    previous: Path | None  # the database that was replaced, kept (None: there was none)
    interrupted: int  # codes in flight in the backup, now interrupted


def backup(database: Path, target: Path, *, progress: Progress = _quietly) -> Summary:
    """Copy the live database to `target` (a new file, private to its owner)."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists: a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        with closing(_connect(database)) as source, closing(_connect(target)) as copy:
            source.backup(
                copy,
                pages=PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        checked = _integrity(target)
        if checked != "ok":
            raise BackupError(f"the copy failed SQLite's integrity check: {checked}")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return summarize(target)


def backup_to_directory(
    directory: Path, database: Path, now: datetime, keep: int, *, progress: Progress = _quietly
) -> tuple[Summary, list[Path]]:
    """A backup named for `now` in `directory`; then only the newest `keep` of igsync's
    backups there stay. The backup, and the older ones removed."""
    made = backup(database, directory / BACKUP_NAME.format(stamp=_stamp(now)), progress=progress)
    return made, rotate(directory, keep)


def rotate(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups igsync wrote in `directory`; those removed."""
    ours = sorted(p for p in directory.iterdir() if BACKUP_PATTERN.match(p.name))
    doomed = ours[: max(0, len(ours) - keep)]
    for path in doomed:
        path.unlink()
    return doomed


def restore(database: Path, source: Path, cipher: TokenCipher, now: datetime) -> Restored:
    """Replace the database with the backup `source`, if nothing uses it and the configured
    keys read the backup; the database replaced is kept as `<name>.before-restore-<time>`."""
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    try:
        checked = _integrity(source)
    except sqlite3.DatabaseError as exc:  # not SQLite at all, or cut short
        raise BackupError(f"{source} is not a SQLite database ({exc})") from None
    if checked != "ok":
        raise BackupError(f"{source} is not a sound SQLite database: {checked}")
    found = summarize(source)
    if found.revision is None:
        raise BackupError(f"{source} is not an igsync database (no schema revision)")
    if found.revision > NEWEST_REVISION:
        raise BackupError(
            f"{source} comes from a newer igsync (schema {found.revision}, this one reads "
            f"{NEWEST_REVISION}): restore it with that version"
        )
    checked_values, unreadable = readable(source, cipher)
    if unreadable:
        raise BackupError(
            f"the configured IGSYNC_ENCRYPTION_KEYS cannot read {unreadable} of the "
            f"{checked_values} encrypted values in {source}: add the key the backup was "
            "written with (keys may be listed new,old) and try again"
        )
    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with try_exclusive(in_use_path(database)) as free:
        if not free:
            raise BackupError(
                f"{database} is in use by a running igsync daemon: stop it first "
                "(systemctl stop igsync), restore, then start it"
            )
        previous = None
        if database.is_file():
            previous = database.with_name(f"{database.name}.before-restore-{_stamp(now)}")
            backup(database, previous)
        else:
            os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        with (
            closing(_connect(source, readonly=True)) as backup_db,
            closing(_connect(database)) as live,
        ):
            backup_db.backup(live)
            interrupted = _interrupt_codes_in_flight(live, now)
    return Restored(summarize(database), previous, interrupted)


IN_FLIGHT = tuple(status.value for status in CodeStatus if not status.is_terminal)
RESTORED_REASON = (
    "interrupted: restored from a backup, in which it was still in flight; the daemon that "
    "wrote the backup may have exchanged it since, so it is not sent twice: the shopper "
    "connects again"
)


def _interrupt_codes_in_flight(live: sqlite3.Connection, now: datetime) -> int:
    """Every code the backup holds as not yet final becomes interrupted, its secrets erased and
    WordPress still to be told (daemon.pipeline.outcomes does it once the daemon runs); how many."""
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    marks = ", ".join("?" for _ in IN_FLIGHT)
    with live:
        changed = live.execute(
            "UPDATE received_codes SET status = ?, last_error = ?, code_ciphertext = NULL, "  # noqa: S608 (placeholders)
            "token_ciphertext = NULL, lease_owner = NULL, lease_expires_at = NULL, "
            "wordpress_told_at = NULL, attempts = 0, next_attempt_at = ?, updated_at = ? "
            f"WHERE status IN ({marks})",
            (CodeStatus.INTERRUPTED.value, RESTORED_REASON, stamp, stamp, *IN_FLIGHT),
        )
    return int(changed.rowcount)


def readable(database: Path, cipher: TokenCipher) -> tuple[int, int]:
    """(encrypted values checked, those no configured key reads)."""
    checked = unreadable = 0
    with closing(_connect(database, readonly=True)) as connection:
        for model, column in ENCRYPTED_COLUMNS:
            rows = connection.execute(
                f"SELECT {column} FROM {model.__tablename__} "  # noqa: S608  (our names)
                f"WHERE {column} IS NOT NULL AND {column} != ''"
            )
            for (ciphertext,) in rows:
                checked += 1
                try:
                    cipher.decrypt(ciphertext)
                except CipherError:
                    unreadable += 1
    return checked, unreadable


def summarize(database: Path) -> Summary:
    with closing(_connect(database, readonly=True)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        revision = (
            connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
        customers = (
            connection.execute("SELECT count(*) FROM customers").fetchone()[0]
            if "customers" in tables
            else 0
        )
    return Summary(database, database.stat().st_size, revision[0] if revision else None, customers)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    mode = "ro" if readonly else "rw"
    return sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=30)


def _integrity(path: Path) -> str:
    with closing(_connect(path, readonly=True)) as connection:
        return str(connection.execute("PRAGMA quick_check").fetchone()[0])
