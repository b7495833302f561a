"""Meta's deauthorize and data-deletion callbacks through the plugin, and leads that never
overwrite each other, inside a real WordPress."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import unquote

import requests
from sqlmodel import col, select

from daemon.clock import utcnow
from daemon.privacy.meta import build_signed_request
from daemon.store.models import Customer, Token
from daemon.store.statuses import TokenStatus
from tests.conftest import Sandbox, eventually
from tests.json_stub import json_stub
from tests.wordpress import SHOPPER, WordPress, php_json
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import handles, leads_screen
from tests.wp.shopper import connect, leads_page


def test_meta_callbacks_through_the_plugin_revoke_then_erase_in_both_places(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    """Meta calls the shop (the daemon is on loopback): the plugin relays, the daemon verifies,
    revokes, erases, and tells the plugin to erase the lead and the user meta."""
    wp = configured
    daemon.start()
    admin = wp.admin()
    _, landing = connect(wp, admin, "deleted.later")  # the administrator connects, as a customer
    assert landing.notice == "connecting"
    eventually(lambda: "@deleted.later" in leads_page(admin, wp), what="the lead")
    assert daemon.daemon is not None
    store = daemon.daemon.store
    with store.read() as session:
        customer = session.execute(
            select(Customer).where(col(Customer.username) == "deleted.later")
        ).scalar_one()

    def signed(user_id: str, secret: str = ig.app_secret) -> dict[str, str]:
        return {"signed_request": build_signed_request(user_id, secret, issued_at=utcnow())}

    deauthorize, deletion = (
        wp.rest("/igsync/v1/meta/deauthorize"),
        wp.rest("/igsync/v1/meta/data-deletion"),
    )
    forged = requests.post(deletion, data=signed(customer.ig_user_id, "x"), timeout=30)
    assert forged.status_code == 403 and forged.json()["error"] == "bad_signed_request"
    malformed = requests.post(deauthorize, data={"signed_request": "a b"}, timeout=30)
    assert malformed.status_code == 400 and malformed.json()["code"] == "rest_invalid_param"

    revoked = requests.post(deauthorize, data=signed(customer.ig_user_id), timeout=30)
    assert revoked.status_code == 200 and revoked.json()["tokens_revoked"] == 1
    with store.read() as session:
        token = session.execute(
            select(Token).where(col(Token.customer_id) == customer.id)
        ).scalar_one()
    assert token.status == TokenStatus.REVOKED
    assert "@deleted.later" in leads_page(admin, wp)  # deauthorizing keeps the lead

    deleted = requests.post(deletion, data=signed(customer.ig_user_id), timeout=30)
    assert deleted.status_code == 200
    receipt = deleted.json()
    status_route = wp.callback_url.replace("callback", "meta/deletion-status")
    assert unquote(receipt["url"]).startswith(status_route)
    eventually(
        lambda: requests.get(receipt["url"], timeout=30).json().get("status") == "completed",
        what="the deletion completed, as its status URL says",
    )
    assert "@deleted.later" not in leads_page(admin, wp)
    profile = admin.get(f"{wp.url}/wp-admin/profile.php", timeout=30).text
    assert "@deleted.later" not in profile
    with store.read() as session:
        assert session.get(Customer, customer.id) is None


def test_each_shopper_has_a_lead_of_their_own_across_daemon_databases(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """Each daemon start below is on a fresh database: leads must still never overwrite each
    other in WordPress (their idempotency keys come from the codes, not from row ids)."""
    names = ("first.of.two", "second.of.two")
    for name in names:
        daemon.start()
        with requests.Session() as guest:
            connect(configured, guest, name)
        admin = configured.admin()
        shown = f"@{name}"
        eventually(lambda: shown in leads_page(admin, configured), what=name)  # noqa: B023
        daemon.stop()
        fresh = daemon.settings.database_url.replace(".db", "-next.db")
        daemon.settings = replace(daemon.settings, database_url=fresh)
    listed = handles(leads_screen(configured.admin(), configured))
    for name in names:
        assert listed.count(f"@{name}") == 1, name


def test_meta_callbacks_while_the_daemon_is_down_are_kept_and_honoured(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    """Meta does not reliably call again, and a data-deletion request must be honoured: the
    plugin keeps what came while the daemon was down, and the daemon acts on it when back."""
    wp = configured
    daemon.start()
    for name in ("revoke.while.down", "erase.while.down"):
        with requests.Session() as guest:
            connect(wp, guest, name)
    admin = wp.admin()
    eventually(
        lambda: (
            "@erase.while.down" in leads_page(admin, wp)
            and "@revoke.while.down" in leads_page(admin, wp)
        ),
        what="both leads",
    )
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        ids = {c.username: c.ig_user_id for c in session.execute(select(Customer)).scalars()}
    daemon.stop()

    def signed(user_id: str, secret: str = ig.app_secret) -> dict[str, str]:
        return {"signed_request": build_signed_request(user_id, secret, issued_at=utcnow())}

    deauthorize = wp.rest("/igsync/v1/meta/deauthorize")
    deletion = wp.rest("/igsync/v1/meta/data-deletion")
    queued = requests.post(deauthorize, data=signed(ids["revoke.while.down"]), timeout=30)
    assert queued.status_code == 200 and queued.json() == {"status": "queued"}
    receipt = requests.post(deletion, data=signed(ids["erase.while.down"]), timeout=30)
    assert receipt.status_code == 200
    status_url = receipt.json()["url"]
    assert requests.get(status_url, timeout=30).json()["status"] == "pending"
    forged = requests.post(
        deletion, data=signed(ids["revoke.while.down"], "not-the-secret"), timeout=30
    )
    assert forged.status_code == 200  # WordPress cannot tell: the daemon will

    daemon.start()
    eventually(
        lambda: requests.get(status_url, timeout=30).json().get("status") == "completed",
        what="the deletion completed, as its status URL says",
    )
    page = leads_page(admin, wp)
    assert "@erase.while.down" not in page
    assert "@revoke.while.down" in page  # the forged deletion erased nothing
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        customers = {c.username: c for c in session.execute(select(Customer)).scalars()}
        token = session.execute(
            select(Token).where(col(Token.customer_id) == customers["revoke.while.down"].id)
        ).scalar_one()
    assert "erase.while.down" not in customers
    assert token.status == TokenStatus.REVOKED
    forged_status = requests.get(forged.json()["url"], timeout=30)
    assert forged_status.json().get("status") != "pending"  # dropped, not waiting for ever


def test_a_lost_connection_shows_on_the_lead_and_a_reconnect_restores_it(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    """Meta says the person removed the app: the daemon revokes the token and pushes
    connection_lost; WordPress shows it on the lead and asks the shopper to reconnect. Connecting
    the same account again restores the lead in place (one row, status Connected)."""
    wp = configured
    daemon.start()
    shopper = wp.login(*SHOPPER)
    connect(wp, shopper, "comes.back")
    admin = wp.admin()
    eventually(
        lambda: [r["status"] for r in leads_screen(admin, wp, s="comes.back")] == ["Connected"],
        what="the lead",
    )
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        customer = session.execute(
            select(Customer).where(col(Customer.username) == "comes.back")
        ).scalar_one()
    request = build_signed_request(customer.ig_user_id, ig.app_secret, issued_at=utcnow())
    revoked = requests.post(
        wp.rest("/igsync/v1/meta/deauthorize"), data={"signed_request": request}, timeout=30
    )
    assert revoked.status_code == 200 and revoked.json()["tokens_revoked"] == 1
    eventually(
        lambda: (
            [r["status"] for r in leads_screen(admin, wp, s="comes.back")]
            == ["Needs reconnect deauthorized on Instagram"]
        ),
        what="the lost connection on the lead",
    )
    page = shopper.get(wp.page_url, timeout=30).text
    assert "Your Instagram connection (@comes.back) has expired" in page
    assert ">Reconnect Instagram</a>" in page

    connect(wp, shopper, "comes.back")
    eventually(
        lambda: [r["status"] for r in leads_screen(admin, wp, s="comes.back")] == ["Connected"],
        what="one lead, connected again",
    )
    assert "Connected to Instagram as @comes.back" in shopper.get(wp.page_url, timeout=30).text
    with daemon.daemon.store.read() as session:
        again = session.execute(
            select(Customer).where(col(Customer.username) == "comes.back")
        ).scalar_one()
    assert (again.id, again.status, again.version) == (customer.id, "connected", 3)


META_CAP = """<?php
add_filter( 'igsync_meta_queue_cap', function () {
	return (int) get_option( 'igsync_test_cap', 1000 );
} );
"""


def test_anonymous_meta_callbacks_are_checked_capped_and_pruned(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """The relay routes are anonymous: with the daemon down, only what reads as Meta's is kept,
    within a cap and a per-address rate, and the rows go once the daemon has them."""
    wp = configured
    (wp.root / "wp-content" / "mu-plugins").mkdir(exist_ok=True)
    (wp.root / "wp-content" / "mu-plugins" / "metacap.php").write_text(META_CAP)
    deletion = wp.rest("/igsync/v1/meta/data-deletion")
    rows = "SELECT COUNT(*) FROM wp_igsync_meta"

    def count() -> int:
        return int(wp.sql(rows).strip())

    def forged(user_id: str = "17841400000000001") -> dict[str, str]:
        return {"signed_request": build_signed_request(user_id, "made-up", issued_at=utcnow())}

    php_json(wp, WP_LOAD + "Igsync_Throttle::clear( 'meta' ); echo 1;")  # earlier tests' share
    before = count()
    garbage = requests.post(deletion, data={"signed_request": "abc.def"}, timeout=30)
    assert garbage.status_code == 400 and "not a signed_request from Meta" in garbage.text
    waiting = int(wp.sql(rows + " WHERE acked_at IS NULL").strip())
    php_json(wp, WP_LOAD + f"update_option( 'igsync_test_cap', {waiting + 2} ); echo 1;")
    answers = [requests.post(deletion, data=forged(), timeout=30).status_code for _ in range(3)]
    assert answers == [200, 200, 503] and count() == before + 2
    # Per address: sixty an hour are kept, then Meta is asked to call again.
    php_json(wp, WP_LOAD + "update_option( 'igsync_test_cap', 100000 ); echo 1;")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda _: requests.post(deletion, data=forged(), timeout=60).status_code, range(62)
            )
        )
    assert answers.count(503) == 4 and count() == before + 60
    # Unpaired, nothing is kept at all.
    php_json(wp, WP_LOAD + UNPAIR_FOR_A_MOMENT)
    try:
        unpaired = requests.post(deletion, data=forged(), timeout=30)
        assert unpaired.status_code == 503 and count() == before + 60
    finally:
        php_json(wp, WP_LOAD + REPAIR, shared["secret"])
    # Taken by the daemon a day ago: pruned by the hourly prune.
    wp.sql("UPDATE wp_igsync_meta SET acked_at = NOW() - INTERVAL 2 DAY, signed_request = ''")
    php_json(wp, WP_LOAD + "do_action( 'igsync_prune' ); echo 1;")
    assert count() == 0
    php_json(wp, WP_LOAD + "delete_option( 'igsync_test_cap' ); echo 1;")
    (wp.root / "wp-content" / "mu-plugins" / "metacap.php").unlink()

    # What the daemon answers is passed on field by field, never as it came.
    leaky = {"status": "completed", "internal": "do-not-relay"}
    with json_stub(leaky, port=int(shared["daemon_port"])):
        status = requests.get(
            wp.rest("/igsync/v1/meta/deletion-status"),
            params={"code": "0123456789abcdef"},
            timeout=30,
        )
        assert status.json() == {"status": "completed"}


WP_LOAD = "require 'wp-load.php'; "
UNPAIR_FOR_A_MOMENT = (
    "$s = Igsync_Settings::all(); $s['shared_secret'] = ''; Igsync_Settings::replace( $s ); echo 1;"
)
REPAIR = (
    "$s = Igsync_Settings::all(); $s['shared_secret'] = $argv[1];"
    " Igsync_Settings::replace( $s ); echo 1;"
)
