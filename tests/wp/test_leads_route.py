"""The plugin's lead route (`POST igsync/v1/leads`, signed by the daemon) inside a real WordPress:
a 2xx only for a lead that WordPress wrote and read back; 503 (the daemon retries) when the
database fails; 422 naming the field WordPress cannot store; 401 for what is not the daemon's."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time

import requests
from sqlmodel import col, select

from daemon.instagram.insights import INSIGHTS_SCOPE
from daemon.store.models import Delivery
from daemon.store.statuses import DeliveryStatus
from tests.conftest import Sandbox, eventually
from tests.test_insights import BASIC, token_for
from tests.wordpress import WordPress, mariadb
from tests.wp.conftest import RunningDaemon
from tests.wp.pushes import LEADS, a_lead, push
from tests.wp.shopper import connect, leads_page
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import encode_json


def stored_usernames(wp: WordPress) -> list[str]:
    return wp.sql("SELECT username FROM wp_igsync_leads ORDER BY id").split()


def test_forged_replayed_stale_or_malformed_pushes_are_refused(
    configured: WordPress, shared: dict[str, str]
) -> None:
    good = Signer(shared["secret"])
    lead = a_lead(username="forged.lead")
    body = encode_json(lead)
    forged = push(configured, good, lead, Signer(generate_secret()).headers(body, LEADS))
    assert forged.status_code == 401 and forged.json()["code"] == "igsync_bad_signature"
    assert push(configured, good, lead, {}).status_code == 401
    stale = push(configured, good, lead, good.headers(body, LEADS, now=time.time() - 600))
    assert stale.status_code == 401 and "tolerance" in stale.json()["message"]
    # Unsigned and malformed: the signature is checked first, so nothing is revealed.
    unsigned_bad = push(configured, good, {"username": "no id"}, {})
    assert unsigned_bad.status_code == 401
    missing = push(configured, good, {"idempotency_key": "igsync-lead-x", "username": "no_id"})
    assert missing.status_code == 422 and missing.json()["data"]["field"] == "ig_user_id"
    signed = good.headers(body, LEADS)
    first, replay = push(configured, good, lead, signed), push(configured, good, lead, signed)
    assert first.status_code == 201 and first.json()["status"] == "created"
    assert replay.status_code == 401 and "already accepted" in replay.json()["message"]
    assert stored_usernames(configured).count("forged.lead") == 1
    assert "no_id" not in stored_usernames(configured)


def test_a_field_wordpress_cannot_store_is_refused_by_name_and_stores_nothing(
    configured: WordPress, shared: dict[str, str]
) -> None:
    signer = Signer(shared["secret"])
    too_long_email = (
        "a" * 290 + "@example.com"
    )  # 302 characters: no valid address is longer than 254
    for field, value in (
        ("email", too_long_email),
        ("name", "N" * 256),
        ("username", "u" * 31),  # Instagram allows 30
        ("username", "bad=name|!"),
        ("wp_user_id", "twelve"),
        ("connected_at", "yesterday"),
        ("insights", {"reach": -1}),
        ("insights", {"reach": "zero"}),  # only "suppressed" or "unavailable" stand for none
        ("insights", {"audience": {"country": {"<script>": 5}}}),
        ("insights", {"audience": {"age": {"18-24": "many"}}}),
    ):
        lead = a_lead(**{field: value})
        answer = push(configured, signer, lead)
        assert answer.status_code == 422, (field, answer.status_code, answer.text)
        assert answer.json()["data"]["field"] == field
        assert field in answer.json()["message"]
        assert lead["ig_user_id"] not in configured.sql("SELECT ig_user_id FROM wp_igsync_leads")


def test_the_longest_valid_fields_are_stored_exactly(
    configured: WordPress, shared: dict[str, str]
) -> None:
    email = "e" * 63 + "@" + ".".join(["d" * 60] * 3) + ".example"  # 254 characters
    assert len(email) == 254
    name = "Zoë Ångström 🌷 " * 15 + "!" * 30  # 255 characters, four-byte ones among them
    assert len(name) == 255
    lead = a_lead(email=email, name=name, username="u" * 30)
    answer = push(configured, Signer(shared["secret"]), lead)
    assert answer.status_code == 201, answer.text
    admin = configured.admin()
    page = leads_page(admin, configured)
    assert email in page and "@" + "u" * 30 in page


def test_a_dropped_leads_table_is_recreated_and_the_lead_stored(
    configured: WordPress, shared: dict[str, str]
) -> None:
    configured.sql("DROP TABLE wp_igsync_leads")
    lead = a_lead(username="after.the.drop")
    answer = push(configured, Signer(shared["secret"]), lead)
    assert answer.status_code == 201, answer.text
    assert "wp_igsync_leads" in configured.tables()
    assert stored_usernames(configured) == ["after.the.drop"]


def test_a_database_that_refuses_writes_answers_503_until_it_takes_them(
    configured: WordPress, shared: dict[str, str]
) -> None:
    signer = Signer(shared["secret"])
    lead = a_lead(username="grant.revoked")
    user = f"'{configured.db_user}'@'localhost'"
    mariadb(f"REVOKE INSERT, UPDATE, DELETE ON {configured.database}.* FROM {user}")
    try:
        refused = push(configured, signer, lead)
    finally:
        mariadb(f"GRANT ALL ON {configured.database}.* TO {user}")
    assert refused.status_code == 503, refused.text  # not a 401: the daemon must retry
    assert "grant.revoked" not in stored_usernames(configured)
    assert push(configured, signer, lead).status_code == 201
    assert stored_usernames(configured).count("grant.revoked") == 1


def test_a_failing_lead_write_is_retried_by_the_daemon_until_it_lands(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    """The leads table refuses inserts (as a full disk would): WordPress answers 503, the
    daemon keeps the lead and retries; once the database takes writes, the lead is there."""
    configured.sql(
        "CREATE TRIGGER igsync_disk_full BEFORE INSERT ON wp_igsync_leads FOR EACH ROW "
        "SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = 'The table is full'"
    )
    daemon.start()
    assert daemon.daemon is not None
    store = daemon.daemon.store

    def refused_deliveries() -> list[Delivery]:
        with store.read() as session:
            return list(
                session.execute(
                    select(Delivery).where(col(Delivery.last_http_status) == 503)
                ).scalars()
            )

    try:
        with requests.Session() as guest:
            connect(configured, guest, "disk.full")
        eventually(lambda: bool(refused_deliveries()), what="WordPress answering 503")
        delivery = refused_deliveries()[0]
        assert delivery.status == DeliveryStatus.PENDING and "full" in (delivery.last_error or "")
        assert "disk.full" not in stored_usernames(configured)
    finally:
        configured.sql("DROP TRIGGER igsync_disk_full")
    eventually(lambda: "disk.full" in stored_usernames(configured), what="the lead, retried")

    def delivered() -> bool:
        with store.read() as session:
            row = session.get(Delivery, delivery.id)
        return row is not None and row.status == DeliveryStatus.DELIVERED

    eventually(delivered, what="the daemon recording the lead as delivered")


def test_csv_injection_in_the_leads_export_is_neutralised(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """A display name is the shopper's to choose: the owner's CSV never holds a formula."""
    formula = "=cmd|' /c calc'!a0"
    lead = a_lead(name=formula, username="formula.planter", followers_change=-3)
    assert push(configured, Signer(shared["secret"]), lead).status_code == 201
    admin = configured.admin()
    export = re.search(r'id="igsync-export"[^>]* href="([^"]+)"', leads_page(admin, configured))
    assert export
    exported = admin.get(html.unescape(export.group(1)), timeout=30).content.decode("utf-8-sig")
    rows = {r["Instagram username"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["formula.planter"]["Name"] == "'" + formula
    assert rows["formula.planter"]["Follower change"] == "-3"  # a number stays a number
    for line in exported.splitlines():  # every cell quoted
        assert line.startswith('"') and line.endswith('"'), line


def test_a_lead_keeps_the_page_without_its_order_key_and_only_http_addresses(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """The order received page's key, beside the billing email, opens a guest's order (name,
    address, phone): the lead, its CSV and its email keep the page without it. And a picture or
    page that is not http(s) is not kept at all (WordPress does not check `format: uri`)."""
    page = f"{configured.url}/checkout/order-received/42/?key=wc_order_S3cr3tK3y&utm=x"
    lead = a_lead(
        username="keyless.guest",
        email="keyless@example.com",
        return_url=page,
        profile_picture_url="javascript:alert('pic')",
    )
    assert push(configured, Signer(shared["secret"]), lead).status_code == 201
    stored = configured.sql(
        "SELECT CONCAT_WS('|', return_url, IFNULL(profile_picture_url, 'none'))"
        " FROM wp_igsync_leads WHERE username = 'keyless.guest'"
    ).strip()
    assert stored == f"{configured.url}/checkout/order-received/42/?utm=x|none"
    admin = configured.admin()
    export = re.search(r'id="igsync-export"[^>]* href="([^"]+)"', leads_page(admin, configured))
    assert export
    exported = admin.get(html.unescape(export.group(1)), timeout=30).content.decode("utf-8-sig")
    assert "keyless.guest" in exported and "wc_order_S3cr3tK3y" not in exported


def test_a_push_is_verified_once_and_its_answer_allows_the_post_it_answered(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """WordPress calls the permission callback again to build the Allow header: the signature
    is not checked a second time (no second HMAC, no second write, no replay refused), so the
    answer allows the POST it has just accepted."""
    answer = push(configured, Signer(shared["secret"]), a_lead())
    assert answer.status_code == 201
    assert "POST" in [method.strip() for method in answer.headers.get("Allow", "").split(",")]


def test_insights_as_the_daemon_reads_them_are_stored_with_the_lead(
    configured: WordPress, shared: dict[str, str], sandbox: Sandbox
) -> None:
    """The contract both ways: what the daemon reads from Instagram's shapes (here the
    sandbox's) is what WordPress takes, for a big account and for one Instagram withholds
    figures from."""
    client = sandbox.client()
    signer = Signer(shared["secret"])
    for username in ("big.audience", "small.audience"):
        token = token_for(sandbox, username, (BASIC, INSIGHTS_SCOPE))
        followers = client.profile(token).followers_count
        insights = {
            **client.insights(token, followers),
            "audience": {**client.audience(token, followers), "read_on": "2026-12-01"},
        }
        lead = a_lead(username=username, insights=insights)
        answer = push(configured, signer, lead)
        assert answer.status_code == 201, answer.text
        ig_user_id = int(lead["ig_user_id"])  # digits only
        stored = configured.sql(
            f"SELECT insights FROM wp_igsync_leads WHERE ig_user_id = '{ig_user_id}'"  # noqa: S608
        )
        assert json.loads(stored) == insights
    assert json.loads(stored)["audience"]["country"] == "suppressed"  # the small account
