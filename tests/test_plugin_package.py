"""The bridge plugin as WordPress.org and a shop owner receive it: a GPL plugin whose headers,
readme.txt and version agree, with its translation template and nothing of the repository's."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from wp_bridge.plugin import PLUGIN_DIR, build_zip


def header(text: str, name: str) -> str:
    found = re.search(rf"^\s*\*?\s*{re.escape(name)}:\s*(.+?)\s*$", text, re.M)
    assert found, f"no {name} header"
    return found.group(1)


def test_the_headers_the_readme_and_the_version_agree() -> None:
    main = (PLUGIN_DIR / "igsync-bridge.php").read_text()
    readme = (PLUGIN_DIR / "readme.txt").read_text()
    version = header(main, "Version")
    assert f"define( 'IGSYNC_BRIDGE_VERSION', '{version}' );" in main
    assert header(readme, "Stable tag") == version
    assert f"= {version} =" in readme  # a changelog entry for it
    assert header(main, "License") == "GPL-2.0-or-later"
    assert header(readme, "License") == "GPLv2 or later"
    for name in ("Requires at least", "Requires PHP"):
        assert header(main, name) == header(readme, name)
    assert header(main, "Text Domain") == "igsync-bridge"
    assert header(main, "Domain Path") == "/languages"
    assert header(main, "WC tested up to") and header(main, "WC requires at least")


def test_the_zip_holds_the_plugin_and_its_translation_template(tmp_path: Path) -> None:
    archive = tmp_path / "igsync-bridge.zip"
    build_zip(archive)
    names = set(zipfile.ZipFile(archive).namelist())
    for expected in (
        "igsync-bridge/igsync-bridge.php",
        "igsync-bridge/uninstall.php",
        "igsync-bridge/readme.txt",
        "igsync-bridge/languages/igsync-bridge.pot",
        "igsync-bridge/templates/notice.php",
        "igsync-bridge/woocommerce/class-igsync-woocommerce.php",
    ):
        assert expected in names
    assert all(name.startswith("igsync-bridge/") for name in names)
    assert not [name for name in names if name.endswith((".py", ".pyc", ".dist", ".mo"))]
    pot = (PLUGIN_DIR / "languages" / "igsync-bridge.pot").read_text()
    assert 'msgid "Connect with Instagram"' in pot
    assert 'msgid "You cancelled the connection to Instagram. You can connect any time."' in pot


def test_the_readme_meets_what_wordpress_orgs_plugin_check_reads() -> None:
    """The rules of Plugin Check's readme and header checks that hold without WordPress.org:
    a short description its parser does not cut, at most five tags, Tested up to the newest
    WordPress the tests run, no Requires Plugins (WooCommerce is optional), and the External
    services section the guidelines ask of a plugin that calls out."""
    main = (PLUGIN_DIR / "igsync-bridge.php").read_text()
    readme = (PLUGIN_DIR / "readme.txt").read_text()
    short = readme.split("License URI:", 1)[1].split("\n\n", 2)[1].strip()  # under the headers
    assert 0 < len(short) <= 150, short
    assert len([tag for tag in header(readme, "Tags").split(",") if tag.strip()]) <= 5
    assert header(readme, "Tested up to") == "7.0"  # WordPress 7.0.4, the newest the tests run
    assert header(readme, "Contributors")
    assert "Requires Plugins:" not in main
    services = readme.split("== External services ==", 1)[1].split("\n== ", 1)[0]
    for named in ("igsync daemon", "Instagram", "https://www.facebook.com/privacy/policy/"):
        assert named in services
    assert "Plugin Name:" in main and "WordPress" not in header(main, "Plugin Name")
