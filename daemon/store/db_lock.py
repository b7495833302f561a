"""Whether a SQLite database is in use by a daemon.

A running daemon holds a shared lock (flock) on a file beside its database for as long as it
runs; the kernel drops it when the process ends, however it ends. `igsync restore` asks for the
lock exclusively and refuses while any daemon holds it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from daemon.store.ownership import give_to_folder_owner


def in_use_path(database: Path) -> Path:
    """The lock file of a database: `igsync.db` -> `igsync.db.in-use`."""
    return database.with_name(database.name + ".in-use")


class InUse:
    """A daemon's shared hold on the lock file, released by `release` or by its exit."""

    def __init__(self, path: Path) -> None:
        self._fd = _open(path)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        os.close(self._fd)


@contextmanager
def try_exclusive(path: Path) -> Iterator[bool]:
    """Whether nobody holds the lock; if so it is held exclusively for the block."""
    fd = _open(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _open(path: Path) -> int:
    existed = path.exists()
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    if not existed:
        give_to_folder_owner(path)
    return fd
