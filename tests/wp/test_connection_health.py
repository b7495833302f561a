"""Settings > igsync > Connection: a Test connection that says in plain words what works and
what does not, the queue's state, and the notices that follow the owner to the Dashboard."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import requests

from tests.conftest import SECRETS, eventually
from tests.wordpress import ADMIN, SHOPPER, WordPress
from tests.wp.admin_forms import SETTINGS, press
from tests.wp.browser import chromium, log_in, screenshot, submit
from tests.wp.conftest import RunningDaemon
from tests.wp.shopper import connect
from wp_bridge.signing import generate_secret


def run_connection_test(wp: WordPress, admin: requests.Session) -> str:
    """Click Test connection; the message the page then shows."""
    answer = press(wp, admin, "igsync_test_connection")
    assert answer.status_code == 200 and "igsync-tested=1" in answer.url, answer.text[-600:]
    shown = re.search(r'id="igsync-test-result"><p>(.*?)</p>', answer.text, re.S)
    assert shown, "no test result on the page"
    return html.unescape(shown.group(1))


def test_test_connection_says_what_works_and_what_does_not(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str]
) -> None:
    wp, admin = configured, configured.admin()
    daemon_url = f"http://127.0.0.1:{shared['daemon_port']}"
    down = run_connection_test(wp, admin)
    assert down.startswith(f"The daemon is not reachable at {daemon_url}:")
    assert down.endswith(
        "connection refused (is the daemon running, and listening at that address?)"
    )
    dashboard = admin.get(f"{wp.url}/wp-admin/", timeout=30).text
    assert 'id="igsync-connection-broken"' in dashboard  # the owner is told where they work

    daemon.start()
    working = run_connection_test(wp, admin)
    assert working.startswith("The connection works both ways")
    assert 'id="igsync-connection-broken"' not in admin.get(f"{wp.url}/wp-admin/", timeout=30).text

    wrong = generate_secret()
    SECRETS.add(wrong)
    wp.configure(admin, shared_secret=wrong)
    try:
        refused = run_connection_test(wp, admin)
    finally:
        wp.configure(admin, shared_secret=shared["secret"])
    assert refused.startswith("The daemon refused our signature: the shared secrets differ")

    daemon.stop()  # a daemon that cannot call WordPress back
    daemon.settings = replace(daemon.settings, wp_url="http://127.0.0.1:9")
    daemon.start()
    one_way = run_connection_test(wp, admin)
    assert one_way.startswith(
        "The daemon accepted our signature, but its call back to WordPress failed"
    )
    assert "http://127.0.0.1:9" in one_way


def test_codes_waiting_over_ten_minutes_are_shown_to_the_owner(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    with requests.Session() as guest:
        connect(wp, guest, "waits.too.long")  # no daemon: the code stays queued
    wp.sql(
        "UPDATE wp_igsync_codes SET received_at = UTC_TIMESTAMP() - INTERVAL 11 MINUTE"
        " WHERE acked_at IS NULL"
    )
    admin = wp.admin()
    dashboard = admin.get(f"{wp.url}/wp-admin/", timeout=30).text
    notice = re.search(r'id="igsync-queue-stale"><p>(.*?)</p>', dashboard, re.S)
    # human_time_diff says "11 mins" on 6.1 and "11 minutes" on 7.0
    assert notice and re.search(r"has waited 11 min(ute)?s for the daemon", notice.group(1))
    settings = html.unescape(admin.get(wp.url + SETTINGS, timeout=30).text)
    assert "Codes waiting for the daemon" in settings
    assert re.search(r"1; it has waited 11 min(ute)?s\.", settings)
    customer = wp.login(*SHOPPER)
    assert "igsync-queue-stale" not in customer.get(f"{wp.url}/wp-admin/", timeout=30).text
    wp.sql("UPDATE wp_igsync_codes SET acked_at = UTC_TIMESTAMP() WHERE acked_at IS NULL")


def test_the_connection_section_looks_like_wordpress(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """Screenshots of the section, healthy and broken, to look at."""
    daemon.start()
    with chromium() as browser:
        log_in(browser, configured, *ADMIN)
        browser.get(configured.url + SETTINGS)
        submit(browser, browser.find_element("name", "igsync-test-connection"))
        assert "works both ways" in browser.find_element("id", "igsync-test-result").text
        screenshot(browser, configured, "settings-connection-healthy")
        daemon.stop()
        submit(browser, browser.find_element("name", "igsync-test-connection"))
        assert "not reachable" in browser.find_element("id", "igsync-test-result").text
        screenshot(browser, configured, "settings-connection-broken")


def daemon_cell(page: str) -> str:
    """The Connection section's Daemon row, as text."""
    row = re.search(r"Daemon</th>\s*<td>(.*?)</td>", page, re.S)
    assert row, "no Daemon row on the settings page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row.group(1))).split())


def test_a_failed_forward_is_shown_without_anyone_testing(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str]
) -> None:
    """The owner should not have to press Test connection to learn that shoppers' codes are not
    getting through: each forward's outcome is kept, and the notice follows it."""
    wp, admin = configured, configured.admin()
    wp.sql("DELETE FROM wp_options WHERE option_name = 'igsync_health'")
    with requests.Session() as guest:
        connect(wp, guest, "forwarded.while.down")  # no daemon
    shown = daemon_cell(admin.get(wp.url + SETTINGS, timeout=30).text)
    assert shown.startswith(
        f"The daemon is not reachable at http://127.0.0.1:{shared['daemon_port']}"
    )
    assert "Seen when a shopper's code was forwarded" in shown
    dashboard = html.unescape(admin.get(f"{wp.url}/wp-admin/", timeout=30).text)
    assert "could not hand a shopper's Instagram connection to its daemon" in dashboard

    daemon.start()
    wrong = generate_secret()
    SECRETS.add(wrong)
    wp.configure(admin, shared_secret=wrong)
    try:
        with requests.Session() as guest:
            connect(wp, guest, "sent.with.wrong.secret")
    finally:
        wp.configure(admin, shared_secret=shared["secret"])
    shown = daemon_cell(admin.get(wp.url + SETTINGS, timeout=30).text)
    assert shown.startswith("The daemon refused our signature: the shared secrets differ")

    with requests.Session() as guest:
        connect(wp, guest, "forwarded.when.fixed")
    shown = daemon_cell(admin.get(wp.url + SETTINGS, timeout=30).text)
    assert shown.startswith("The daemon accepts codes again")
    assert 'id="igsync-connection-broken"' not in admin.get(f"{wp.url}/wp-admin/", timeout=30).text


def test_the_notice_can_be_dismissed_until_the_problem_changes(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str]
) -> None:
    wp, admin = configured, configured.admin()
    wp.sql("DELETE FROM wp_usermeta WHERE meta_key = 'igsync_dismissed_notices'")
    assert run_connection_test(wp, admin).startswith("The daemon is not reachable")  # no daemon
    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        browser.get(f"{wp.url}/wp-admin/")
        notice = browser.find_element("id", "igsync-connection-broken")
        assert "The daemon is not reachable" in notice.text
        screenshot(browser, wp, "wp-admin-dashboard-notice")
        notice.find_element("css selector", ".notice-dismiss").click()
        eventually(
            lambda: (
                "igsync-connection-broken"
                in wp.sql(
                    "SELECT meta_value FROM wp_usermeta WHERE meta_key = 'igsync_dismissed_notices'"
                )
            ),
            what="the dismissal remembered",
        )
        browser.get(f"{wp.url}/wp-admin/")
        assert not browser.find_elements("id", "igsync-connection-broken")
    # Another problem is news: it is shown although the last one was dismissed.
    daemon.start()
    wrong = generate_secret()
    SECRETS.add(wrong)
    wp.configure(admin, shared_secret=wrong)
    try:
        assert run_connection_test(wp, admin).startswith("The daemon refused our signature")
    finally:
        wp.configure(admin, shared_secret=shared["secret"])
    assert 'id="igsync-connection-broken"' in admin.get(f"{wp.url}/wp-admin/", timeout=30).text


def test_test_connection_says_which_part_of_the_app_instagram_refuses(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    """Doctor's verdicts reach wp-admin: the connection works, but Instagram (here the sandbox
    standing in for it) refuses the app id, or the redirect URI."""
    wp, admin = configured, configured.admin()
    for change, words in (
        ({"instagram_app_id": "1790000000000999"}, "Instagram does not know this app id"),
        ({"redirect_uri": "https://elsewhere.example/cb"}, "Instagram refused the redirect URI"),
    ):
        daemon.stop()
        kept = daemon.settings
        daemon.settings = replace(kept, **change)  # type: ignore[arg-type]
        daemon.start()
        try:
            answer = press(wp, admin, "igsync_test_connection")
        finally:
            daemon.settings = kept
        shown = re.search(r'id="igsync-instagram-result"><p>(.*?)</p>', answer.text, re.S)
        assert shown and words in html.unescape(shown.group(1)), change
    daemon.stop()
    daemon.start()
    answer = press(wp, admin, "igsync_test_connection")
    assert 'id="igsync-test-result"' in answer.text
    assert 'id="igsync-instagram-result"' not in answer.text  # all accepted: nothing more to say
