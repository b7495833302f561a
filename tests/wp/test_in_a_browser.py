"""What the shopper and the shop owner see, in Chromium: the way through Instagram's consent
and back to the shop, the address bar afterwards, the notice, the status and wp-admin's list."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.conftest import eventually
from tests.wordpress import ADMIN, SHOPPER, WordPress
from tests.wp.browser import allow_at_the_sandbox, chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon


def test_a_shopper_clicks_through_and_lands_on_a_clean_page_with_one_notice(
    configured: WordPress, daemon: RunningDaemon
) -> None:
    wp = configured
    daemon.start()
    with chromium() as browser:
        log_in(browser, wp, *SHOPPER)
        start_page = wp.account_url if wp.woocommerce else wp.page_url
        assert start_page
        browser.get(start_page)
        screenshot(browser, wp, "shopper-connect-button")
        browser.find_element(By.ID, "igsync-connect").click()
        allow_at_the_sandbox(browser, "chromium.clicker")
        notice = browser.find_element(
            By.XPATH, "//*[contains(., 'We are connecting your Instagram')]"
        )
        assert notice.is_displayed()
        # Back where they started; no igsync_ argument, no Instagram "#_" in the address bar.
        eventually(lambda: browser.current_url == start_page, what="a clean address bar")
        screenshot(browser, wp, "shopper-after-connect")

        def shown_connected() -> bool:
            browser.get(start_page)
            return "Connected to Instagram as @chromium.clicker" in browser.page_source

        eventually(shown_connected, what="the status turning to connected")
        assert "We are connecting your Instagram" not in browser.page_source  # shown once
        screenshot(browser, wp, "shopper-connected")

        log_in(browser, wp, *ADMIN)

        def lead_listed() -> bool:
            browser.get(f"{wp.url}/wp-admin/admin.php?page=igsync-leads")
            return "@chromium.clicker" in browser.find_element(By.ID, "the-list").text

        eventually(lead_listed, what="the lead in the browser's Leads page")
        screenshot(browser, wp, "wp-admin-leads")

        # The setup checklist has ticked itself all the way: a daemon, the app, a code back
        # from Instagram at the redirect URI, the button on a page, a lead.
        browser.get(f"{wp.url}/wp-admin/options-general.php?page=igsync")
        steps = browser.find_elements(By.CSS_SELECTOR, ".igsync-checklist .igsync-step")
        assert len(steps) == 5 and all("is-done" in (s.get_attribute("class") or "") for s in steps)
        assert "5 of 5 steps done." in browser.find_element(By.ID, "wpbody-content").text
        screenshot(browser, wp, "wp-admin-setup-checklist-done")
