"""`wp igsync ...` through WP-CLI 2.9.0 itself (Debian's package built by the WP-CLI project)
against the test sites, WordPress 6.1 among them: the commands a shop's terminal and scripts
use, printed through WP-CLI's own formatter, exit 1 with WP-CLI's error for what cannot be
done, and never a queued code in their output."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
from typing import Any

from tests.conftest import Sandbox
from tests.wordpress import WordPress, php_json
from tests.wp.conftest import RunningDaemon
from tests.wp.pushes import a_lead, an_event, push
from wp_bridge.signing import Signer

LOAD = "require __DIR__ . '/wp-load.php';\n"
ENQUEUE = LOAD + (
    "echo wp_json_encode( Igsync_Queue::enqueue( $argv[1], Igsync_Settings::redirect_uri(),"
    " array( 'source' => 'cli-test' ) ) );"
)


def wp_cli(wp: WordPress, *args: str) -> subprocess.CompletedProcess[str]:
    """`wp <args>` on the site, as the shop's shell runs it (root here, so --allow-root)."""
    return subprocess.run(
        ["wp", f"--path={wp.root}", "--allow-root", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def as_json(answer: subprocess.CompletedProcess[str]) -> Any:
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def waiting_rows(wp: WordPress) -> list[int]:
    return [
        entry["id"] for entry in as_json(wp_cli(wp, "igsync", "queue", "list", "--format=json"))
    ]


def test_leads_are_listed_shown_and_exported_as_wp_cli_prints_things(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    signer = Signer(shared["secret"])
    leads = [
        a_lead(username="cli.anna", email="anna@cli.example", followers_count=120),
        a_lead(username="cli.bruno", name="=HYPERLINK(1)", email="bruno@cli.example"),
    ]
    for lead in leads:
        assert push(wp, signer, lead).status_code == 201
    lost = an_event(leads[1], "connection_lost", 2, status="needs_reconnect", reason="expired")
    assert push(wp, signer, lost).status_code == 200

    listed = as_json(
        wp_cli(
            wp,
            "igsync",
            "leads",
            "list",
            "--search=cli",
            "--fields=username,status",
            "--format=json",
        )
    )
    assert listed == [
        {"username": "cli.bruno", "status": "needs_reconnect"},
        {"username": "cli.anna", "status": "connected"},
    ]
    count = wp_cli(wp, "igsync", "leads", "list", "--status=needs_reconnect", "--format=count")
    assert count.returncode == 0 and int(count.stdout) >= 1
    table = wp_cli(wp, "igsync", "leads", "list", "--search=cli.anna")
    assert table.returncode == 0 and "cli.anna" in table.stdout and "cli.bruno" not in table.stdout
    # In a terminal (WP-CLI draws its box there), a lead with no name draws an empty cell and
    # no PHP notice.
    boxed = subprocess.run(
        [
            "script",
            "-qc",
            f"wp --path={wp.root} --allow-root igsync leads list --search=cli",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert boxed.returncode == 0 and "| cli.anna" in boxed.stdout, boxed.stdout
    assert "Deprecated" not in boxed.stdout and "Warning" not in boxed.stdout, boxed.stdout
    yaml = wp_cli(wp, "igsync", "leads", "list", "--search=cli.anna", "--format=yaml")
    assert "username: cli.anna" in yaml.stdout

    [anna] = as_json(
        wp_cli(wp, "igsync", "leads", "list", "--search=cli.anna", "--fields=id", "--format=json")
    )
    anna_id = str(anna["id"])
    one = as_json(wp_cli(wp, "igsync", "leads", "get", anna_id, "--format=json"))
    assert one["username"] == "cli.anna" and one["followers_count"] == "120"
    missing = wp_cli(wp, "igsync", "leads", "get", "999999")
    assert missing.returncode == 1 and "Error: No lead with id 999999." in missing.stderr
    bad_field = wp_cli(wp, "igsync", "leads", "list", "--fields=password")
    assert bad_field.returncode == 1 and 'Unknown field "password"' in bad_field.stderr
    bad_status = wp_cli(wp, "igsync", "leads", "list", "--status=asleep")
    assert bad_status.returncode == 1 and "status" in bad_status.stderr

    export = wp_cli(wp, "igsync", "leads", "export", "--search=cli")
    assert export.returncode == 0, export.stderr
    rows = list(csv.reader(io.StringIO(export.stdout)))
    assert rows[0][:3] == ["Instagram username", "Instagram user id", "Name"]
    names = {row[0]: row[2] for row in rows[1:]}
    assert names == {"cli.bruno": "'=HYPERLINK(1)", "cli.anna": ""}  # no formula runs

    helped = wp_cli(wp, "help", "igsync", "leads", "list")
    assert helped.returncode == 0 and "--status=<status>" in helped.stdout
    assert "wp igsync leads list --format=count" in helped.stdout


def test_status_pair_test_and_the_queue(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    wp = configured
    status = {
        row["item"]: row["value"]
        for row in as_json(wp_cli(wp, "igsync", "status", "--format=json"))
    }
    assert status["paired"] == "yes" and status["daemon_url"].startswith("http://127.0.0.1:")
    assert int(status["leads_connected"]) >= 0 and "codes_queued" in status

    told = wp_cli(wp, "igsync", "pair")
    assert told.returncode == 0 and "valid for 15 minutes" in told.stdout, told.stderr
    assert f"igsync pair {told.stdout.split()[3].rstrip(',')} --wp-url {wp.url}/" in told.stdout
    paired = wp_cli(wp, "igsync", "pair", "--porcelain")
    assert paired.returncode == 0, paired.stderr
    code = paired.stdout.strip()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code), code
    state = php_json(wp, LOAD + "echo wp_json_encode( get_option( 'igsync_pairing' ) );")
    assert state["code_hash"] == hashlib.sha256(code.replace("-", "").encode()).hexdigest()

    down = wp_cli(wp, "igsync", "test")  # the daemon is not started yet
    assert down.returncode == 1 and "Error: The daemon is not reachable" in down.stderr

    unreached = wp_cli(wp, "igsync", "reconcile", "--seconds=5")
    assert unreached.returncode == 1 and "It stopped:" in unreached.stderr
    assert "Run wp igsync reconcile again" in unreached.stderr  # a terminal has no button
    assert "Click" not in unreached.stderr

    queued_code = "AQD-cli-" + "x" * 24
    row = php_json(wp, ENQUEUE, queued_code)
    assert row in waiting_rows(wp)
    listed = wp_cli(wp, "igsync", "queue", "list")
    assert queued_code not in listed.stdout + listed.stderr  # never the code itself
    failed = wp_cli(wp, "igsync", "queue", "retry", str(row))
    assert failed.returncode == 1 and "not forwarded" in failed.stderr
    assert queued_code not in failed.stdout + failed.stderr
    assert row in waiting_rows(wp)  # kept for the next try

    daemon.start_intake()  # no catch-up poll: the retry is what forwards the code
    up = wp_cli(wp, "igsync", "test")
    assert up.returncode == 0 and up.stdout.startswith("Success:"), up.stderr
    retried = wp_cli(wp, "igsync", "queue", "retry", str(row))
    assert retried.returncode == 0 and "1 code(s) forwarded" in retried.stdout, retried.stderr
    assert daemon.codes_stored() == 1 and row not in waiting_rows(wp)  # the daemon holds it
    again = wp_cli(wp, "igsync", "queue", "retry", str(row))
    assert again.returncode == 1 and "No waiting code in row" in again.stderr
    restored = wp_cli(wp, "igsync", "reconcile")
    assert restored.returncode == 0, restored.stderr
    assert "Success: 0 leads restored from the igsync daemon." in restored.stdout
