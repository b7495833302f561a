"""The daemon keeps the leads in WordPress current (issue 14): a re-sync a day later shows the
new follower count, its trend and the engagement rate on the Leads screen (sortable), a token
Instagram revoked shows the lead as needing a reconnect, and connecting again restores it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import requests
from selenium.webdriver.common.by import By
from sqlalchemy import select, update

from daemon.clock import utcnow
from daemon.store.models import FollowerCount, ProfileSync
from tests.conftest import Sandbox, eventually
from tests.wordpress import ADMIN, WordPress
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import Row, handles, leads_screen
from tests.wp.shopper import connect


def row_of(admin: requests.Session, wp: WordPress, username: str) -> Row | None:
    rows = leads_screen(admin, wp, s=username)
    return rows[0] if rows else None


def syncs_due_now(daemon: RunningDaemon, *, counted_days_ago: int = 0) -> None:
    """What a day's wait would do: every sync due, the counts so far a day older."""
    assert daemon.daemon is not None
    with daemon.daemon.store.write() as session:
        session.execute(update(ProfileSync).values(next_attempt_at=utcnow()))
        for count in session.execute(select(FollowerCount)).scalars():
            count.counted_at -= timedelta(days=counted_days_ago)
            session.add(count)


def test_a_resync_shows_growth_and_engagement_and_a_revoked_token_needs_a_reconnect(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox
) -> None:
    wp = configured
    daemon.settings = replace(daemon.settings, engagement=True)
    daemon.start()
    with requests.Session() as guest:
        connect(wp, guest, "grows.resync")
    with requests.Session() as guest:
        connect(wp, guest, "steady.resync")
    admin = wp.admin()
    eventually(lambda: len(leads_screen(admin, wp, s="resync")) == 2, what="both leads in wp-admin")
    # With IGSYNC_ENGAGEMENT=on the first sync follows the connection at once.
    eventually(
        lambda: all(row["engagement"].endswith("%") for row in leads_screen(admin, wp, s="resync")),
        what="engagement rates measured and shown",
    )
    before = row_of(admin, wp, "grows.resync")
    assert before is not None
    first_count = int(before["followers"].split()[0].replace(",", ""))

    ig.state.advance(86_400)  # a day later on Instagram: the audiences grew
    syncs_due_now(daemon, counted_days_ago=1)

    def grown() -> bool:
        row = row_of(admin, wp, "grows.resync")
        return row is not None and "in 1 day" in row["followers"]

    eventually(grown, what="the new count and its trend on the Leads screen")
    after = row_of(admin, wp, "grows.resync")
    assert after is not None
    count, trend = after["followers"].split(" ", 1)
    gained = int(count.replace(",", "")) - first_count
    assert gained > 0 and trend == f"+{gained:,} in 1 day"

    rows = leads_screen(admin, wp, s="resync", orderby="followers", order="desc")
    counts = [int(row["followers"].split()[0].replace(",", "")) for row in rows]
    assert counts == sorted(counts, reverse=True)
    rates = [
        float(row["engagement"].rstrip("%"))
        for row in leads_screen(admin, wp, s="resync", orderby="engagement", order="asc")
    ]
    assert rates == sorted(rates)
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(f"{wp.url}/wp-admin/admin.php?page=igsync-leads&s=resync&orderby=followers")
        trend_cell = browser.find_element(By.CSS_SELECTOR, "#the-list .igsync-trend--up")
        assert trend_cell.value_of_css_property("color") == "rgba(0, 138, 32, 1)"
        screenshot(browser, wp, "wp-admin-leads-followers-trend")

    ig.state.revoke_tokens_of("grows.resync")  # a password change on Instagram
    syncs_due_now(daemon)
    eventually(
        lambda: (
            (row_of(admin, wp, "grows.resync") or {})
            .get("status", "")
            .startswith("Needs reconnect")
        ),
        what="the lost connection on the Leads screen",
    )
    assert handles(leads_screen(admin, wp, igsync_status="needs_reconnect")) == ["@grows.resync"]
    with requests.Session() as guest:
        connect(wp, guest, "grows.resync")
    eventually(
        lambda: (row_of(admin, wp, "grows.resync") or {}).get("status") == "Connected",
        what="the reconnect restoring the lead",
    )
    assert len(leads_screen(admin, wp, s="grows.resync")) == 1  # the same lead, no duplicate
