"""WordPress's privacy tools find a person's Instagram connection by email: the exporter lists
it, the eraser erases it here and has the daemon forget the person (or says it could not), and
the privacy policy guide carries a suggested paragraph."""

from __future__ import annotations

import hashlib
import html
import re
import zipfile
from pathlib import Path
from typing import Any

import requests
from selenium.webdriver.common.by import By
from sqlmodel import select

from daemon.store.models import Customer
from tests.conftest import eventually
from tests.wordpress import SHOPPER, WordPress, php_json
from tests.wp.browser import chromium, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.pushes import a_lead, push
from tests.wp.shopper import connect, leads_page
from wp_bridge.signing import Signer

PRIVACY = """
define( 'WP_ADMIN', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-privacy-policy-content.php';
[ , $kind, $email ] = $argv;
if ( 'policy' === $kind ) {
	global $wp_current_filter;
	$wp_current_filter[] = 'admin_init'; // where WordPress takes policy text, and nowhere else
	Igsync_Privacy::policy_text();
	array_pop( $wp_current_filter );
	echo wp_json_encode( WP_Privacy_Policy_Content::get_suggested_policy_text() );
	exit;
}
$tools = apply_filters( "wp_privacy_personal_data_{$kind}s", array() );
echo wp_json_encode( call_user_func( $tools['igsync-bridge']['callback'], $email, 1 ) );
"""


CONSENT_SHOWN = (
    "require 'wp-load.php'; echo wp_json_encode("
    " Igsync_Consent::current() + array( 'text' => Igsync_Consent::text() ) );"
)


def test_the_shopper_is_told_what_connecting_shares_and_that_text_is_recorded(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    daemon.start()
    shown = php_json(wp, CONSENT_SHOWN)
    assert hashlib.sha256(shown["text"].encode()).hexdigest() == shown["hash"]
    with requests.Session() as guest:
        page = html.unescape(guest.get(wp.page_url, timeout=30).text)
        assert shown["text"] in page and "igsync test shop" in shown["text"]
        connect(wp, guest, "told.person")
    eventually(lambda: "@told.person" in leads_page(wp.admin(), wp), what="the lead")
    recorded = (
        wp.sql(
            "SELECT consent_version, consent_hash, permissions, consented_at IS NOT NULL"
            " FROM wp_igsync_leads WHERE username = 'told.person'"
        )
        .strip()
        .split("\t")
    )
    assert recorded == ["1", shown["hash"], "instagram_business_basic", "1"]


def privacy(wp: WordPress, kind: str, email: str = "") -> Any:
    return php_json(wp, PRIVACY, kind, email)


def customers(daemon: RunningDaemon) -> set[str]:
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        return {c.username for c in session.execute(select(Customer)).scalars()}


def test_the_privacy_tools_export_and_erase_a_persons_instagram_connection(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    daemon.start()
    connect(wp, wp.login(*SHOPPER), "private.person")
    connect(wp, wp.admin(), "owner.too")
    admin = wp.admin()
    eventually(
        lambda: (
            "@private.person" in leads_page(admin, wp) and "@owner.too" in leads_page(admin, wp)
        ),
        what="both leads",
    )

    profile = admin.get(f"{wp.url}/wp-admin/user-edit.php?user_id={wp.shopper_id}", timeout=30)
    granted = re.search(r'id="igsync-profile-permissions"><code>([^<]+)<', profile.text)
    assert granted and granted.group(1) == "instagram_business_basic"  # on the user's profile

    exported = privacy(wp, "exporter", "shopper@example.com")
    assert exported["done"] is True and len(exported["data"]) == 1
    fields = {item["name"]: item["value"] for item in exported["data"][0]["data"]}
    assert fields["Instagram username"] == "private.person"
    assert fields["Email"] == "shopper@example.com"
    # What the person agreed to, and what Instagram granted, are part of what they get back.
    shown = php_json(wp, CONSENT_SHOWN)
    assert fields["Permissions granted on Instagram"] == "instagram_business_basic"
    assert fields["Version of the text shown when connecting"] == "1"
    assert fields["Fingerprint (SHA-256) of the text shown when connecting"] == shown["hash"]
    assert fields["Agreed to connect (UTC)"][:2] == "20"
    assert privacy(wp, "exporter", "nobody@example.com")["data"] == []

    erased = privacy(wp, "eraser", "shopper@example.com")
    assert erased == {"items_removed": True, "items_retained": False, "messages": [], "done": True}
    assert "@private.person" not in leads_page(admin, wp)
    assert "private.person" not in customers(daemon)  # the daemon forgot them too
    assert "owner.too" in customers(daemon)

    daemon.stop()  # the daemon cannot be asked: said, not hidden
    unreachable = privacy(wp, "eraser", "admin@example.com")
    assert unreachable["items_removed"] is True and unreachable["items_retained"] is True
    assert 'run "igsync forget" for this person' in unreachable["messages"][0]
    assert "@owner.too" not in leads_page(admin, wp)


def test_the_privacy_policy_guide_suggests_a_paragraph(configured: WordPress) -> None:
    suggested = {item["plugin_name"]: item["policy_text"] for item in privacy(configured, "policy")}
    text = suggested["igsync bridge (Instagram connection)"]
    assert "We never receive your Instagram password or email address." in text


EXPORT_FILE = """
define( 'WP_ADMIN', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
[ , $email ] = $argv;
// What Tools > Export Personal Data does for a confirmed request: every exporter, page by
// page, then the file the person receives.
$request_id = wp_create_user_request( $email, 'export_personal_data' );
wp_update_post( array( 'ID' => $request_id, 'post_status' => 'request-confirmed' ) );
$exporters = apply_filters( 'wp_privacy_personal_data_exporters', array() );
foreach ( array_keys( $exporters ) as $index => $key ) {
	$page = 1;
	do {
		$response = call_user_func( $exporters[ $key ]['callback'], $email, $page );
		$response = wp_privacy_process_personal_data_export_page(
			$response, $index + 1, $email, $page, $request_id, false, $key
		);
		++$page;
	} while ( empty( $response['done'] ) );
}
$file = get_post_meta( $request_id, '_export_file_name', true );
echo wp_json_encode( array( 'file' => wp_privacy_exports_dir() . $file ) );
"""


def test_the_export_file_the_person_receives_lists_their_instagram_connection(
    configured: WordPress, shared: dict[str, str], tmp_path: Path
) -> None:
    wp = configured
    lead = a_lead(username="exported.person", email="shopper@example.com", name="Ex Ported")
    assert push(wp, Signer(shared["secret"]), lead).status_code == 201
    archive = php_json(wp, EXPORT_FILE, "shopper@example.com")["file"]
    with zipfile.ZipFile(archive) as exported:
        exported.extractall(tmp_path)
    report = next(tmp_path.glob("*.html"))
    with chromium() as browser:
        browser.get(report.as_uri())
        # WordPress gives each group a heading (its id from the label and the group id) and a
        # table after it.
        heading = browser.find_element(By.ID, "instagram-connection-igsync-instagram")
        assert heading.text.startswith("Instagram connection")
        table = heading.find_element(By.XPATH, "following-sibling::div[1]")
        assert "exported.person" in table.text and "Ex Ported" in table.text
        assert "Connection status Connected" in table.text
        browser.execute_script("arguments[0].scrollIntoView()", heading)
        screenshot(browser, wp, "privacy-export-file")


def test_queued_codes_which_name_the_shopper_are_deleted_after_thirty_days(
    configured: WordPress,
) -> None:
    """A code's row keeps the context it was forwarded with (an email): kept 30 days for the
    lead to take its consent record, then deleted by the plugin's hourly prune."""
    wp = configured
    columns = "code_hash, code_enc, redirect_uri, context, received_at, acked_at"
    for name, days in (("old", 31), ("young", 29)):
        ago = f"UTC_TIMESTAMP() - INTERVAL {days} DAY"
        context = f'{{"email":"{name}@example.com"}}'
        values = f"SHA2('{name}', 256), NULL, 'https://x', '{context}', {ago}, {ago}"
        wp.sql(f"INSERT INTO wp_igsync_codes ({columns}) VALUES ({values})")  # noqa: S608
    php_json(wp, "require 'wp-load.php'; do_action( 'igsync_prune' ); echo 1;")
    kept = wp.sql("SELECT context FROM wp_igsync_codes WHERE context LIKE '%@example.com%'")
    assert "young@example.com" in kept and "old@example.com" not in kept
    wp.sql("DELETE FROM wp_igsync_codes WHERE code_hash = SHA2('young', 256)")
