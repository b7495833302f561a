"""The Leads screen as a shop owner uses it: search, status views, sorting, paging, dates in the
site's own timezone and format, customers by name, Erase (here, and the daemon asked to forget
the person), and its place in the menu."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from sqlmodel import select

from daemon.store.models import Customer
from tests.conftest import eventually
from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.leads_screen import handles, leads_html, leads_screen, parse_rows
from tests.wp.pushes import a_lead, an_event, push
from tests.wp.shopper import connect
from wp_bridge.signing import Signer


def site_options(wp: WordPress, **options: str) -> None:
    """Settings > General, as the owner would set them (values of ours, no quotes in them)."""
    for name, value in options.items():
        wp.sql(f"UPDATE wp_options SET option_value = '{value}' WHERE option_name = '{name}'")  # noqa: S608


def three_leads(wp: WordPress, shared: dict[str, str]) -> list[dict[str, Any]]:
    """Anna (a logged-in customer), Bruno (a guest whose connection was lost) and Carla."""
    wp.sql("DELETE FROM wp_igsync_leads")
    wp.sql("DELETE FROM wp_usermeta WHERE meta_key = 'igsync_leads_per_page'")
    wp.sql(f"UPDATE wp_users SET display_name = 'Lena Baker' WHERE ID = {wp.shopper_id}")  # noqa: S608
    leads = [
        a_lead(
            username="anna.bakes",
            name="Anna Berg",
            email="shopper@example.com",
            wp_user_id=wp.shopper_id,
            connected_at="2026-01-15T10:00:00Z",
        ),
        a_lead(
            username="bruno.brews",
            name="Bruno Costa",
            email="bruno@example.org",
            connected_at="2026-02-01T08:30:00Z",
        ),
        a_lead(
            username="carla.crafts",
            name="Carla Díaz",
            email="carla@example.net",
            connected_at="2026-03-10T23:30:00Z",
        ),
    ]
    signer = Signer(shared["secret"])
    for lead in leads:
        assert push(wp, signer, lead).status_code == 201
    lost = an_event(leads[1], "connection_lost", 2, reason="deauthorized on Instagram")
    assert push(wp, signer, lost).json()["status"] == "updated"
    return leads


def test_leads_are_searched_filtered_sorted_and_paged(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    site_options(wp, timezone_string="Europe/Berlin", date_format="j F Y", time_format="H:i")
    three_leads(wp, shared)
    admin = wp.admin()
    rows = {row["username"].split()[0]: row for row in leads_screen(admin, wp)}
    assert list(rows) == ["@carla.crafts", "@bruno.brews", "@anna.bakes"]  # newest first
    # Berlin is UTC+1 in winter: the owner reads their own clock, in their own format.
    assert rows["@anna.bakes"]["connected_at"] == "15 January 2026 at 11:00"
    assert rows["@carla.crafts"]["connected_at"] == "11 March 2026 at 00:30"
    assert rows["@anna.bakes"]["customer"] == "Lena Baker"
    assert rows["@bruno.brews"]["customer"] == "Guest"
    assert rows["@bruno.brews"]["status"] == "Needs reconnect deauthorized on Instagram"
    assert rows["@anna.bakes"]["status"] == "Connected"
    assert rows["@anna.bakes"]["email"] == "shopper@example.com"

    assert handles(leads_screen(admin, wp, s="bakes")) == ["@anna.bakes"]
    assert handles(leads_screen(admin, wp, s="@anna")) == ["@anna.bakes"]  # as the list shows it
    assert handles(leads_screen(admin, wp, s="Costa")) == ["@bruno.brews"]
    assert handles(leads_screen(admin, wp, s="example.net")) == ["@carla.crafts"]
    assert handles(leads_screen(admin, wp, s="nobody")) == []
    assert "No leads found." in leads_html(admin, wp, s="nobody")

    needing = leads_html(admin, wp, igsync_status="needs_reconnect")
    assert handles(parse_rows(needing)) == ["@bruno.brews"]
    assert re.search(r"Needs reconnect <span class=\"count\">\(1\)</span>", needing)
    assert re.search(r"Connected <span class=\"count\">\(2\)</span>", needing)
    assert handles(leads_screen(admin, wp, igsync_status="connected", s="carla")) == [
        "@carla.crafts"
    ]
    assert handles(leads_screen(admin, wp, igsync_status="disconnected")) == []

    by_handle = ["@anna.bakes", "@bruno.brews", "@carla.crafts"]
    assert handles(leads_screen(admin, wp, orderby="username", order="asc")) == by_handle
    assert handles(leads_screen(admin, wp, orderby="username", order="desc")) == by_handle[::-1]
    assert handles(leads_screen(admin, wp, orderby="name", order="desc")) == by_handle[::-1]
    assert handles(leads_screen(admin, wp, orderby="connected_at", order="asc")) == by_handle
    assert handles(leads_screen(admin, wp, orderby="status", order="desc"))[0] == "@bruno.brews"
    # An unknown column sorts by nothing the request can inject into the query.
    assert len(leads_screen(admin, wp, orderby="id;DROP TABLE wp_users", order="asc")) == 3

    # Screen Options > Number of items per page, as the owner sets it.
    page = leads_html(admin, wp)
    nonce = re.search(r'name="screenoptionnonce" value="([^"]+)"', page)
    assert nonce
    admin.post(
        f"{wp.url}/wp-admin/admin.php?page=igsync-leads",
        data={
            "wp_screen_options[option]": "igsync_leads_per_page",
            "wp_screen_options[value]": "2",
            "screenoptionnonce": nonce.group(1),
            "screen-options-apply": "Apply",
        },
        timeout=30,
    )
    first = leads_html(admin, wp, orderby="username", order="asc")
    assert handles(parse_rows(first)) == by_handle[:2]
    assert "3 items" in first
    assert handles(leads_screen(admin, wp, orderby="username", order="asc", paged="2")) == [
        "@carla.crafts"
    ]


def test_the_menu_entry_sits_under_woocommerce_when_it_is_active(configured: WordPress) -> None:
    page = leads_html(configured.admin(), configured)
    menu = page[page.index('id="adminmenu"') : page.index("</ul>\n</div>", page.index("adminmenu"))]
    own = re.search(r'<li[^>]*id="toplevel_page_igsync-leads".*?</li>', menu, re.S)
    woo = re.search(r'<li[^>]*id="toplevel_page_woocommerce".*?</ul></li>', menu, re.S)
    if configured.flavour.woocommerce:
        assert own is None
        assert woo and "page=igsync-leads" in woo.group(0) and "Instagram leads" in woo.group(0)
    else:
        assert own and "dashicons-instagram" in own.group(0)


def erase_form(page: str) -> dict[str, str]:
    """The list form's hidden fields (its bulk-action nonce among them)."""
    form = page[page.index('id="igsync-leads-form"') :]
    form = form[: form.index("</form>")]
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'type="hidden"[^>]* name="([^"]+)" value="([^"]*)"', form)
    }


def row_ids(page: str) -> dict[str, str]:
    return dict(
        zip(
            handles(parse_rows(page)),
            re.findall(r'name="lead\[\]" value="(\d+)"', page),
            strict=True,
        )
    )


def test_bulk_erase_with_the_daemon_down_erases_here_and_says_the_daemon_was_not_asked(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    three_leads(wp, shared)
    admin = wp.admin()
    page = leads_html(admin, wp)
    ids = row_ids(page)
    chosen = {"action": "erase", "lead[]": [ids["@anna.bakes"], ids["@bruno.brews"]]}
    forged = admin.get(
        f"{wp.url}/wp-admin/admin.php",
        params={**erase_form(page), **chosen, "_wpnonce": "0123456789"},
        timeout=30,
    )
    assert forged.status_code == 403 and "expired" in forged.text
    assert len(leads_screen(admin, wp)) == 3  # nothing erased by a forged request
    assert "wp-login.php" in requests.get(forged.url, timeout=30).url  # a visitor: log in first
    done = admin.get(
        f"{wp.url}/wp-admin/admin.php", params={**erase_form(page), **chosen}, timeout=30
    )
    assert done.status_code == 200
    notice = re.search(r'id="igsync-erased"><p>(.*?)</p>', done.text, re.S)
    assert notice, done.text[-3000:]
    said = html.unescape(notice.group(1))
    assert said.startswith("2 leads erased from WordPress.")
    assert "could not be asked to forget them" in said and "igsync forget" in said
    assert handles(parse_rows(done.text)) == ["@carla.crafts"]
    profile = admin.get(f"{wp.url}/wp-admin/user-edit.php?user_id={wp.shopper_id}", timeout=30)
    assert "@anna.bakes" not in profile.text  # the customer's Instagram meta went too


def test_a_row_erased_in_chromium_is_forgotten_by_the_daemon_too(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    daemon.start()
    with requests.Session() as guest:
        connect(configured, guest, "erase.from.screen")
    with requests.Session() as guest:
        connect(configured, guest, "kept.on.screen")
    admin = configured.admin()
    eventually(
        lambda: (
            {"@erase.from.screen", "@kept.on.screen"}
            <= set(handles(leads_screen(admin, configured)))
        ),
        what="both leads on the Leads screen",
    )
    with chromium() as browser:
        log_in(browser, configured, *ADMIN)
        browser.get(f"{configured.url}/wp-admin/admin.php?page=igsync-leads&s=erase.from")
        row = browser.find_element(By.CSS_SELECTOR, "#the-list tr")
        ActionChains(browser).move_to_element(row).perform()  # row actions show on hover
        row.find_element(By.CSS_SELECTOR, ".row-actions .erase a").click()
        WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
        assert "cannot be undone" in browser.switch_to.alert.text
        browser.switch_to.alert.accept()
        notice = WebDriverWait(browser, 30).until(
            lambda b: b.find_elements(By.ID, "igsync-erased")
        )[0]
        assert notice.text.startswith("1 lead erased from WordPress.")
        assert "The igsync daemon has forgotten them too." in notice.text
        screenshot(browser, configured, "wp-admin-leads-erased")
    assert handles(leads_screen(admin, configured, s="screen")) == ["@kept.on.screen"]
    assert daemon.daemon is not None
    with daemon.daemon.store.read() as session:
        usernames = {c.username for c in session.execute(select(Customer)).scalars()}
    assert "erase.from.screen" not in usernames and "kept.on.screen" in usernames


def test_the_leads_screen_looks_like_wordpress(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """Searched and filtered, the way an owner looks for someone. The Instagram id starts
    hidden (Screen Options > Columns shows it) and then sits on one line."""
    three_leads(configured, shared)
    configured.sql("DELETE FROM wp_usermeta WHERE meta_key LIKE 'manage%columnshidden'")
    with chromium() as browser:
        log_in(browser, configured, *ADMIN)
        browser.get(
            f"{configured.url}/wp-admin/admin.php?page=igsync-leads&igsync_status=connected&s=example"
        )
        header = browser.find_element(By.ID, "ig_user_id")
        assert not header.is_displayed()
        browser.find_element(By.ID, "show-settings-link").click()
        toggle = WebDriverWait(browser, 10).until(
            expected_conditions.element_to_be_clickable((By.ID, "ig_user_id-hide"))
        )
        assert toggle.get_attribute("checked") is None
        toggle.click()
        WebDriverWait(browser, 10).until(lambda _: header.is_displayed())
        browser.find_element(By.ID, "show-settings-link").click()
        options = browser.find_element(By.ID, "screen-options-wrap")
        WebDriverWait(browser, 10).until(lambda _: not options.is_displayed())
        ids = browser.find_elements(By.CSS_SELECTOR, "#the-list td.column-ig_user_id code")
        assert len(ids) == 2
        for element in ids:
            assert element.value_of_css_property("white-space") == "nowrap"
            assert (
                browser.execute_script("return arguments[0].getClientRects().length", element) == 1
            )
        assert browser.find_element(By.CSS_SELECTOR, ".subsubsub .current").text.startswith(
            "Connected"
        )
        assert (
            browser.find_element(By.ID, "igsync-leads-search-input").get_attribute("value")
            == "example"
        )
        screenshot(browser, configured, "wp-admin-leads-search-and-filter")
        browser.set_window_size(390, 1000)
        assert browser.find_element(By.ID, "igsync-leads-search-input").is_displayed()
        screenshot(browser, configured, "wp-admin-leads-search-and-filter-390")


def test_followers_and_engagement_show_their_trend_and_sort(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    wp.sql("DELETE FROM wp_igsync_leads")
    signer = Signer(shared["secret"])
    leads = [
        a_lead(username="mid.size", followers_count=5_000, engagement_rate=0.2),
        a_lead(username="small.shop", followers_count=50, engagement_rate=9.87),
        a_lead(username="big.brand", followers_count=120_000, engagement_rate=1.5),
    ]
    for lead in leads:
        answer = push(wp, signer, lead)
        assert answer.status_code == 201, answer.text
    grew = an_event(
        leads[0],
        "updated",
        2,
        followers_count=5_210,
        followers_change=210,
        followers_change_days=30,
    )
    assert push(wp, signer, grew).json()["status"] == "updated"
    shrank = an_event(
        leads[1], "updated", 2, followers_count=48, followers_change=-2, followers_change_days=7
    )
    assert push(wp, signer, shrank).json()["status"] == "updated"
    late = an_event(leads[0], "updated", 1, followers_count=4_900, followers_change=-100)
    assert push(wp, signer, late).json()["status"] == "ignored"  # older than what is stored

    admin = wp.admin()
    rows = {row["username"].split()[0]: row for row in leads_screen(admin, wp)}
    assert rows["@mid.size"]["followers"] == "5,210 +210 in 30 days"
    assert rows["@small.shop"]["followers"] == "48 \u22122 in 7 days"
    assert rows["@big.brand"]["followers"] == "120,000"  # no trend measured yet
    assert rows["@small.shop"]["engagement"] == "9.87%"
    page = leads_html(admin, wp)
    assert 'class="igsync-trend igsync-trend--up"' in page
    assert 'class="igsync-trend igsync-trend--down"' in page

    by_followers = ["@big.brand", "@mid.size", "@small.shop"]
    assert handles(leads_screen(admin, wp, orderby="followers", order="desc")) == by_followers
    assert handles(leads_screen(admin, wp, orderby="followers", order="asc")) == by_followers[::-1]
    by_engagement = ["@small.shop", "@big.brand", "@mid.size"]
    assert handles(leads_screen(admin, wp, orderby="engagement", order="desc")) == by_engagement


SANDBOX_MODE = (
    "require 'wp-load.php'; $s = (array) get_option( 'igsync_settings' ); $s['sandbox'] = $argv[1];"
    " update_option( 'igsync_settings', $s ); echo wp_json_encode( true );"
)
SITE_HEALTH_SANDBOX = (
    "define( 'WP_ADMIN', true ); require __DIR__ . '/wp-load.php';"
    " require_once ABSPATH . 'wp-admin/includes/admin.php';"
    " require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';"
    " require_once ABSPATH . 'wp-admin/includes/class-wp-debug-data.php';"
    " $info = WP_Debug_Data::debug_data();"
    " echo wp_json_encode( $info['igsync']['fields']['sandbox']['value'] );"
)


def test_a_sandbox_lead_never_passes_for_a_real_instagram_account(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """A name typed on the sandbox's page may belong to a stranger on Instagram: the lead says
    it is the sandbox's on the Leads screen, in the CSV and in Site Health, and links nowhere."""
    signer = Signer(shared["secret"])
    real = a_lead(
        username="real.customer",
        permissions="instagram_business_basic",
        unavailable_fields="biography",
    )
    assert push(configured, signer, real).status_code == 201
    php_json(configured, SANDBOX_MODE, "1")
    try:
        assert push(configured, signer, a_lead(username="made.up.name")).status_code == 201
        assert "On: the Connect button opens the igsync sandbox" in php_json(
            configured, SITE_HEALTH_SANDBOX
        )
        admin = configured.admin()
        page = leads_html(admin, configured)
        rows = {row["username"].split()[0]: row for row in parse_rows(page)}
        assert "Sandbox" in rows["@made.up.name"]["username"]
        assert "Sandbox" not in rows["@real.customer"]["username"]
        assert "instagram.com/made.up.name" not in page
        assert "instagram.com/real.customer" in page
        export = re.search(r'id="igsync-export"[^>]* href="([^"]+)"', page)
        assert export
        exported = admin.get(html.unescape(export.group(1)), timeout=30).content.decode("utf-8-sig")
        by_name = {r["Instagram username"]: r for r in csv.DictReader(io.StringIO(exported))}
        assert by_name["made.up.name"]["Sandbox (made-up account)"] == "yes"
        assert by_name["real.customer"]["Sandbox (made-up account)"] == ""
        assert by_name["real.customer"]["Permissions granted"] == "instagram_business_basic"
        assert by_name["real.customer"]["Fields no longer served"] == "biography"
        with chromium() as browser:
            log_in(browser, configured, *ADMIN)
            browser.get(f"{configured.url}/wp-admin/admin.php?page=igsync-leads&s=made.up")
            tag = browser.find_element(By.CSS_SELECTOR, ".igsync-sandbox-tag")
            assert tag.text == "Sandbox" and tag.is_displayed()
            screenshot(browser, configured, "wp-admin-leads-sandbox-tag")
    finally:
        php_json(configured, SANDBOX_MODE, "")


HANDLE_LINES = """
return Array.from(document.querySelectorAll('#the-list tr')).map(function (row) {
    var handle = row.querySelector('.column-username strong');
    var style = getComputedStyle(handle);
    return {
        toggles: row.querySelectorAll('button.toggle-row').length,
        lines: Math.round(handle.getBoundingClientRect().height / parseFloat(style.lineHeight)),
        text: handle.textContent,
    };
});
"""


def test_at_phone_width_the_leads_screen_reads_like_the_users_list(
    configured: WordPress, shared: dict[str, str]
) -> None:
    """At 600 px WordPress stacks each row under its primary column, as on Users: the handle
    on one line, one "Show more details" toggle per row."""
    signer = Signer(shared["secret"])
    for name in ("pia.paints", "a.rather.long_handle.30chars"):
        assert push(configured, signer, a_lead(username=name)).status_code == 201
    with chromium() as browser:
        log_in(browser, configured, *ADMIN)
        browser.set_window_size(600, 1000)
        browser.get(f"{configured.url}/wp-admin/admin.php?page=igsync-leads")
        rows = browser.execute_script(HANDLE_LINES)
        assert rows and all(row["toggles"] == 1 for row in rows), rows
        assert all(row["lines"] == 1 for row in rows), rows
        screenshot(browser, configured, "wp-admin-leads-phone-600px")
        browser.get(f"{configured.url}/wp-admin/users.php")
        screenshot(browser, configured, "wp-admin-users-phone-600px")
