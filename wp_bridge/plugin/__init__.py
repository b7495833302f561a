"""The WordPress bridge plugin (PHP, in igsync-bridge/) and its packaging."""

from __future__ import annotations

import zipfile
from pathlib import Path

PLUGIN_DIR = Path(__file__).with_name("igsync-bridge")


def build_zip(output: Path) -> int:
    """Write the installable zip (one top-level igsync-bridge/ folder); the number of files."""
    files = sorted(p for p in PLUGIN_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, Path("igsync-bridge") / path.relative_to(PLUGIN_DIR))
    return len(files)
