"""The WordPress bridge plugin (PHP, in igsync-bridge/) and its packaging."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from daemon import __version__

PLUGIN_DIR = Path(__file__).with_name("igsync-bridge")


# Where the plugin says its version: written from igsync's own at build time.
VERSIONED = {
    "igsync-bridge.php": (
        (re.compile(r"^( \* Version:\s+)\S+$", re.M), r"\g<1>{version}"),
        (
            re.compile(r"define\( 'IGSYNC_BRIDGE_VERSION', '[^']*' \);"),
            "define( 'IGSYNC_BRIDGE_VERSION', '{version}' );",
        ),
    ),
    "readme.txt": ((re.compile(r"^(Stable tag:\s+)\S+$", re.M), r"\g<1>{version}"),),
}


def build_zip(output: Path) -> int:
    """Write the installable zip (one top-level igsync-bridge/ folder), the plugin's version
    being igsync's (one version for both, which Test connection compares); the number of
    files."""
    files = sorted(p for p in PLUGIN_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            name = Path("igsync-bridge") / path.relative_to(PLUGIN_DIR)
            stamps = VERSIONED.get(str(path.relative_to(PLUGIN_DIR)))
            if stamps is None:
                archive.write(path, name)
                continue
            text = path.read_text(encoding="utf-8")
            for pattern, replacement in stamps:
                text = pattern.sub(replacement.replace("{version}", __version__), text)
            archive.writestr(str(name), text)
    return len(files)
