"""Files that root makes in the service's folders belong to the service."""

from __future__ import annotations

import os
from pathlib import Path


def give_to_folder_owner(path: Path) -> None:
    """A file root made in the service's folder (`igsync db upgrade` or `doctor` run as root)
    goes to the folder's owner, so the service can open it; SQLite does the same for the
    -wal and -shm files it makes beside a database owned by another user."""
    if os.geteuid() != 0:
        return
    folder = path.parent.stat()
    if folder.st_uid != 0:
        os.chown(path, folder.st_uid, folder.st_gid)
