"""The README and docs/ say what the code does: the going-live walkthrough (the go-live
screen's steps in its order, settings and commands that exist, the Graph API versions' dates as
igsync's table has them, the verdicts doctor gives), the README's size and links, the
architecture's map of one code (every file and function it names exists), the configuration
page (every setting, with the default the code applies)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from daemon.cli import app
from daemon.crypto import generate_key
from daemon.graph_versions import GRAPH_VERSIONS
from daemon.instagram.credentials import Verdict, classify
from daemon.ops.golive import requested_scopes
from daemon.settings import Settings, load_settings
from wp_bridge.signing import generate_secret

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "going-live.md").read_text()
PAGE = (ROOT / "wp_bridge/plugin/igsync-bridge/admin/class-igsync-go-live-page.php").read_text()


def test_the_steps_are_the_go_live_screens_in_its_order() -> None:
    screen = [
        title.replace("\\'", "'")
        for title in re.findall(r"'title'\s+=> __\( '((?:[^'\\]|\\.)+)'", PAGE)
    ]
    documented = re.findall(r"^### \d\. (.+)$", GUIDE, re.M)
    assert len(screen) == 7 and documented == screen


def test_every_setting_and_command_named_exists() -> None:
    example = (ROOT / "config" / "igsync.env.example").read_text()
    for name in set(re.findall(r"IGSYNC_[A-Z_]+", GUIDE)):
        assert re.search(rf"^#?{name}=", example, re.M), name
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    }
    commands |= {group.name or "" for group in app.registered_groups}
    for command in set(re.findall(r"`igsync ([a-z-]+)", GUIDE)):
        assert command in commands, command
    readme = (ROOT / "README.md").read_text()
    assert "docs/going-live.md" in readme and "Go live with Instagram" in readme


def test_the_version_table_is_igsyncs() -> None:
    rows = re.findall(r"^\| (v\d+\.\d) \| ([^|]+) \| ([^|]+) \|$", GUIDE, re.M)
    assert len(rows) >= 5
    for name, released, until in rows:
        version = GRAPH_VERSIONS[name]
        assert version.released is not None
        assert released.strip() == f"{version.released.day} {version.released:%B %Y}"
        expected = (
            "not announced"
            if version.available_until is None
            else f"{version.available_until.day} {version.available_until:%B %Y}"
        )
        assert until.strip() == expected, name


def test_each_refusal_in_the_table_reads_as_its_verdict() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| `(\w+)` \|", GUIDE, re.M)
    assert {verdict for _, verdict in rows} == {
        v.value for v in Verdict if v not in (Verdict.UNREACHABLE, Verdict.UNEXPECTED)
    }
    for message, verdict in rows:
        assert classify(message.replace("...", "")) == verdict, message


# --- the README and docs/ -----------------------------------------------------------------

README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def test_the_readme_is_a_readme_and_links_every_doc() -> None:
    """At most 10 KB; every page of docs/ reachable from it, every link to one resolving."""
    assert len(README.encode()) <= 10 * 1024
    linked = set(re.findall(r"\]\((docs/[\w-]+\.md)\)", README))
    assert linked == {f"docs/{page.name}" for page in DOCS}


def test_every_relative_link_in_the_docs_resolves() -> None:
    for page in [ROOT / "README.md", *DOCS]:
        for target in re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]+)?\)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name}: {target}"


def _names(node: ast.stmt) -> set[str]:
    """What a statement of a module or class body defines."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    if isinstance(node, ast.Assign):
        return {target.id for target in node.targets if isinstance(target, ast.Name)}
    return set()


def _defined(path: Path, name: str) -> bool:
    """Whether `name` (Class.member, Class::method, or a function) is defined in `path`."""
    source = path.read_text()
    if path.suffix == ".php":
        cls, _, method = name.partition("::")
        return bool(
            re.search(rf"^(?:final |abstract )?class {re.escape(cls)}\b", source, re.M)
            and re.search(rf"function {re.escape(method)}\(", source)
        )
    tree = ast.parse(source)
    scope: list[ast.stmt] = tree.body
    for part in name.split("."):
        found = [node for node in scope if part in _names(node)]
        if not found:
            return False
        node = found[0]
        scope = node.body if isinstance(node, ast.ClassDef) else []
    return True


def test_the_hops_of_one_code_name_files_and_functions_that_exist() -> None:
    """docs/architecture.md's table of one code's trip: every `file` : `function` it names is
    there, so the map cannot drift from the code."""
    table = ARCHITECTURE.split("| # | where (file : function) | what happens |", 1)[1]
    table = table.split("\n\n", 1)[0]
    hops = re.findall(r"`([\w/.-]+\.(?:py|php))` : `([\w.:]+)`", table)
    assert len(hops) >= 30
    assert len(re.findall(r"^\| \d+ \|", table, re.M)) >= 15
    missing = [f"{file} : {name}" for file, name in hops if not _defined(ROOT / file, name)]
    assert not missing, missing
    # The other paths named below the table, too.
    for file, name in re.findall(r"`([\w/.-]+\.py)` :\s+`([\w.]+)`", ARCHITECTURE):
        assert _defined(ROOT / file, name), f"{file} : {name}"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def test_the_configuration_page_lists_every_setting_with_the_default_the_code_applies(
    tmp_path: Path,
) -> None:
    page = (ROOT / "docs" / "configuration.md").read_text()
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \| [^|]+ \|$", page, re.M)
    read = set(
        re.findall(r'reader\.\w+\(\s*"([A-Z_]+)"', (ROOT / "daemon" / "settings.py").read_text())
    )
    assert {name for name, _ in rows} == read
    env = {
        "IGSYNC_ENV_FILE": "/dev/null",
        "IGSYNC_STATE_DIR": str(tmp_path),
        "IGSYNC_INSTAGRAM_APP_ID": "1790000000000001",
        "IGSYNC_INSTAGRAM_APP_SECRET": "secret",
        "IGSYNC_REDIRECT_URI": "https://shop.example/cb",
        "IGSYNC_WP_URL": "https://shop.example",
        "IGSYNC_SHARED_SECRET": generate_secret(),
        "IGSYNC_ENCRYPTION_KEYS": generate_key(),
    }
    settings = load_settings(env)
    special: dict[str, Callable[[Settings], str]] = {
        "SCOPES": lambda s: ",".join(requested_scopes(s)),
        "ENABLE_FB_LOGIN": lambda s: {None: "default", True: "on", False: "off"}[s.enable_fb_login],
    }
    names = {field.name for field in fields(settings)}
    checked = 0
    for name, default in rows:
        literal = re.fullmatch(r"`([^`]+)`", default.strip())
        if literal is None:
            continue  # required, none, or computed (said in words)
        if name in special:
            applied = special[name](settings)
        else:
            attribute = next(a for a in (name.lower(), f"{name.lower()}_seconds") if a in names)
            applied = _shown(getattr(settings, attribute))
        assert applied == literal.group(1), name
        checked += 1
    assert checked >= 20
