"""The going-live walkthrough (docs/going-live.md, linked from the README) says what the code
does: the go-live screen's steps in its order, settings that exist, commands that exist, the
Graph API versions' dates as igsync's table has them, the verdicts doctor gives."""

from __future__ import annotations

import re
from pathlib import Path

from daemon.cli import app
from daemon.graph_versions import GRAPH_VERSIONS
from daemon.instagram.credentials import Verdict, classify

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
