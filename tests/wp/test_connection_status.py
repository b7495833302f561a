"""A connection's status in WordPress: the events after the first lead (DESIGN, "Lead events
grow beyond the first lead") move a lead to "needs reconnect" and back, older events arriving
late change nothing, and other plugins hear of a lost connection once (`igsync_connection_lost`).
The shop's owner may also be emailed each new lead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wordpress import SHOPPER, WordPress, php_json
from tests.wp.leads_screen import leads_screen
from tests.wp.pushes import a_lead, an_event, push
from wp_bridge.signing import Signer

LISTENER = r"""<?php
// A site's own code: what igsync told it, and the mail it would have sent.
function hooktest_record( $entry ) {
	$log   = (array) get_option( 'hooktest_log', array() );
	$log[] = $entry;
	update_option( 'hooktest_log', $log );
}
add_action( 'igsync_connection_lost', function ( $lead, $user_id ) {
	$why = $lead['status_reason'];
	hooktest_record( array( 'lost', $lead['username'], $user_id, $lead['status'], $why ) );
}, 10, 2 );
add_action( 'igsync_lead_updated', function ( $lead, $user_id ) {
	hooktest_record( array( 'updated', $lead['username'], $user_id, $lead['status'] ) );
}, 10, 2 );
add_filter( 'pre_wp_mail', function ( $sent, $mail ) {
	hooktest_record( array( 'mail', $mail['to'], $mail['subject'], $mail['message'] ) );
	return true;
}, 10, 2 );
"""


@pytest.fixture
def listener(configured: WordPress) -> Iterator[Path]:
    mu_plugins = configured.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    script = mu_plugins / "hooktest-status.php"
    script.write_text(LISTENER)
    configured.sql("DELETE FROM wp_options WHERE option_name = 'hooktest_log'")
    yield script
    script.unlink()


def told(wp: WordPress, kind: str) -> list[list[object]]:
    """What the site's code recorded, of one kind."""
    log = php_json(
        wp,
        "require __DIR__ . '/wp-load.php';"
        " echo wp_json_encode( (array) get_option( 'hooktest_log', array() ) );",
    )
    return [entry for entry in log if entry[0] == kind]


@pytest.mark.usefixtures("listener")
def test_a_lost_connection_shows_everywhere_and_a_reconnect_restores_it(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    signer = Signer(shared["secret"])
    lead = a_lead(username="lost.and.found", name="Lou Found", wp_user_id=wp.shopper_id)
    assert push(wp, signer, lead).status_code == 201
    admin = wp.admin()

    lost = an_event(lead, "connection_lost", 2, reason="the person removed the app")
    answer = push(wp, signer, lost)
    assert answer.status_code == 200 and answer.json()["status"] == "updated"
    assert push(wp, signer, lost).status_code == 200  # the daemon retries: no second alarm
    assert told(wp, "lost") == [
        ["lost", "lost.and.found", wp.shopper_id, "needs_reconnect", "the person removed the app"]
    ]
    [row] = leads_screen(admin, wp, s="lost.and.found")
    assert row["status"] == "Needs reconnect the person removed the app"
    assert len(leads_screen(admin, wp, s="lost.and.found", igsync_status="needs_reconnect")) == 1
    profile = admin.get(f"{wp.url}/wp-admin/user-edit.php?user_id={wp.shopper_id}", timeout=30)
    assert 'id="igsync-profile-status">Needs reconnect<' in profile.text
    users = admin.get(f"{wp.url}/wp-admin/users.php", timeout=30).text
    assert '@lost.and.found<br><span class="description">Needs reconnect' in users
    shopper = wp.login(*SHOPPER)
    page = shopper.get(wp.page_url, timeout=30).text
    assert "Your Instagram connection (@lost.and.found) has expired" in page
    assert ">Reconnect Instagram</a>" in page and "Connected to Instagram as" not in page

    # Late copies of older events change nothing: the first lead again, an update of version 1.
    assert push(wp, signer, lead).json()["status"] == "ignored"
    stale = an_event(lead, "updated", 1, name="An Old Name")
    assert push(wp, signer, stale).json()["status"] == "ignored"
    [row] = leads_screen(admin, wp, s="lost.and.found")
    assert row["name"] == "Lou Found" and row["status"].startswith("Needs reconnect")

    back = an_event(lead, "reconnected", 3, name="Lou Found Again")
    assert push(wp, signer, back).json()["status"] == "updated"
    [row] = leads_screen(admin, wp, s="lost.and.found")
    assert row["status"] == "Connected" and row["name"] == "Lou Found Again"
    assert told(wp, "updated")[-1] == ["updated", "lost.and.found", wp.shopper_id, "connected"]
    assert len(told(wp, "lost")) == 1
    page = shopper.get(wp.page_url, timeout=30).text
    assert "Connected to Instagram as @lost.and.found" in page and "Reconnect" not in page

    # A later event of an account WordPress has no lead of (erased, say) recreates nothing.
    unknown = an_event(a_lead(username="never.seen"), "connection_lost", 4)
    answer = push(wp, signer, unknown)
    assert answer.status_code == 200 and answer.json()["status"] == "ignored"
    assert leads_screen(admin, wp, s="never.seen") == []


def test_an_unknown_event_or_status_is_refused_and_counted(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    wp.sql("DELETE FROM wp_options WHERE option_name = 'igsync_leads_refused'")
    signer = Signer(shared["secret"])
    settings = f"{wp.url}/wp-admin/options-general.php?page=igsync"
    admin = wp.admin()
    assert "Leads refused</th>" in admin.get(settings, timeout=30).text
    odd = push(wp, signer, a_lead(event="exploded"))
    assert odd.status_code == 422 and odd.json()["data"]["field"] == "event"
    bad = push(wp, signer, a_lead(status="maybe"))
    assert bad.status_code == 422 and bad.json()["data"]["field"] == "status"
    page = admin.get(settings, timeout=30).text
    cell = page[page.index('id="igsync-leads-refused"') :]
    cell = cell[: cell.index("</td>")]
    assert "2; the last on" in cell and "status" in cell
    assert "igsync deliveries retry" in cell


def test_the_owner_is_emailed_each_new_lead_only_when_asked(
    configured: WordPress, shared: dict[str, str], listener: Path
) -> None:
    wp = configured
    signer = Signer(shared["secret"])
    admin = wp.admin()
    page = admin.get(f"{wp.url}/wp-admin/options-general.php?page=igsync", timeout=30).text
    assert (
        'id="igsync_notify_leads"' in page
        and "checked" not in page.split('id="igsync_notify_leads"')[1].split(">")[0]
    )
    assert push(wp, signer, a_lead(username="quiet.lead")).status_code == 201
    assert told(wp, "mail") == []  # off by default

    assert wp.configure(admin, notify_leads="1").status_code == 200
    lead = a_lead(username="mailed.lead", name="Mia Mail", email="mia@example.com")
    assert push(wp, signer, lead).status_code == 201
    assert push(wp, signer, lead).status_code == 200  # sent again: no second email
    [mail] = told(wp, "mail")
    admin_email = wp.sql("SELECT option_value FROM wp_options WHERE option_name = 'admin_email'")
    assert mail[1] == admin_email.strip()
    assert "New Instagram lead: @mailed.lead" in str(mail[2])
    assert "Mia Mail" in str(mail[3]) and "mia@example.com" in str(mail[3])
    assert "page=igsync-leads" in str(mail[3])

    assert wp.configure(admin, notify_leads="").status_code == 200
    assert push(wp, signer, a_lead(username="quiet.again")).status_code == 201
    assert len(told(wp, "mail")) == 1
