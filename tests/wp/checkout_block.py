"""An order placed through the Checkout block in Chromium, as a shopper places it: the product
into the cart, the shop's Checkout page (the block a shop's Checkout page holds since
WooCommerce 8.3), the form filled, a coupon typed into "Add coupons" and boxes of the order
information ticked where asked, and Cash on delivery."""

from __future__ import annotations

import re

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.wordpress import WordPress, php_json
from tests.wp.browser import screenshot
from tests.wp.shop import WC


def block_checkout_in_chromium(
    browser: webdriver.Chrome,
    wp: WordPress,
    product_id: int,
    email: str,
    *,
    coupon: str | None = None,
    tick: tuple[str, ...] = (),
    shot: str = "",
) -> int:
    """The order's number, from the order-received page the browser lands on. `tick` names
    the labels of checkboxes to tick (the order information's own, or a plugin's); `shot`, a
    screenshot's name, takes one of the form with them ticked."""
    browser.delete_all_cookies()
    browser.get(f"{wp.url}/?add-to-cart={product_id}")
    browser.get(str(php_json(wp, WC + "echo wp_json_encode( wc_get_checkout_url() );")))
    wait = WebDriverWait(browser, 60)
    try:
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".wp-block-woocommerce-checkout"))
        if coupon is not None:  # first: the cart's refresh after it may redraw the address
            add_coupon(browser, wait, coupon)
        field = wait.until(expected_conditions.element_to_be_clickable((By.ID, "email")))
        field.send_keys(email)
        for name, value in (
            ("first_name", "Fay"),
            ("last_name", "Follower"),
            ("address_1", "1 Market Street"),
            ("city", "San Francisco"),
            ("postcode", "94105"),
        ):  # the store's country, the United States (California)
            browser.find_element(By.ID, f"billing-{name}").send_keys(value)
        for label in tick:
            box = browser.find_element(
                By.XPATH,
                f"//label[contains(@class, 'wc-block-components-checkbox__label') or"
                f" ancestor::*[contains(@class, 'wc-block-components-checkbox')]]"
                f"[contains(normalize-space(.), '{label}')]",
            )
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.click()
        if shot:
            screenshot(browser, wp, shot)
        place = browser.find_element(
            By.CSS_SELECTOR, ".wc-block-components-checkout-place-order-button"
        )
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", place)
        place.click()
        wait.until(lambda b: "order-received" in b.current_url)
    except WebDriverException:
        screenshot(browser, wp, "block-checkout-failed")
        raise
    number = re.search(r"order-received/(\d+)|order-received=(\d+)", browser.current_url)
    assert number, browser.current_url
    return int(number.group(1) or number.group(2))


def add_coupon(browser: webdriver.Chrome, wait: WebDriverWait[webdriver.Chrome], code: str) -> None:
    """The code in "Add coupons", applied, and the "coupon applied" notice pinned to the
    window's bottom closed, as a shopper closes it to reach the button under it."""
    opener = browser.find_element(
        By.CSS_SELECTOR, ".wc-block-components-totals-coupon .wc-block-components-panel__button"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", opener)
    opener.click()
    field = wait.until(
        expected_conditions.element_to_be_clickable(
            (By.CSS_SELECTOR, ".wc-block-components-totals-coupon__input input")
        )
    )
    field.send_keys(code)
    browser.find_element(By.CSS_SELECTOR, ".wc-block-components-totals-coupon__button").click()
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".wc-block-components-totals-discount"))
    for notice in browser.find_elements(
        By.CSS_SELECTOR,
        ".wc-block-components-notice-snackbar .wc-block-components-notice-banner__dismiss",
    ):
        notice.click()
    wait.until_not(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".wc-block-components-notice-snackbar")
    )
