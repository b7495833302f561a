"""Debian's Chromium, headless, driven by selenium (no driver download): a real browser for what
only a browser shows (the address bar after the redirects, a page's look, wp-admin's buttons)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.wordpress import WordPress

ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    browser = webdriver.Chrome(options=options, service=service)
    try:
        browser.implicitly_wait(10)
        yield browser
    finally:
        browser.quit()


def log_in(browser: webdriver.Chrome, wp: WordPress, username: str, password: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{wp.url}/wp-login.php")
    # Filled in at once, not typed: wp-login.php moves the focus to the username field 200 ms
    # after loading, which would send the rest of a typed password there.
    browser.find_element(By.ID, "user_pass")
    browser.execute_script(
        "document.getElementById('user_login').value = arguments[0];"
        " document.getElementById('user_pass').value = arguments[1];",
        username,
        password,
    )
    browser.find_element(By.ID, "wp-submit").click()
    # WooCommerce sends customers to My Account (no admin bar for them): wait for the redirect.
    try:
        WebDriverWait(browser, 30).until(lambda b: "wp-login.php" not in b.current_url)
    except TimeoutException:
        screenshot(browser, wp, "login-failed")
        error = browser.find_elements(By.ID, "login_error")
        raise AssertionError(
            f"logging in as {username} did not leave wp-login.php: "
            + (error[0].text if error else browser.current_url)
        ) from None


def submit(browser: WebDriver, button: WebElement) -> None:
    """Click a button that loads a new page and wait for that page: the old one may hold an
    element of the same id (an earlier result notice) that goes stale under the reader."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 60).until(expected_conditions.staleness_of(old_page))


def screenshot(browser: webdriver.Chrome, wp: WordPress, name: str) -> Path:
    """A full-window PNG under tests/artifacts/, named by site flavour."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{wp.flavour.name}-{name}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    return shot


def allow_at_the_sandbox(browser: webdriver.Chrome, username: str) -> None:
    """On the sandbox's consent page the browser is on: the username, then Allow."""
    field = browser.find_element(By.ID, "username")
    field.clear()
    field.send_keys(username)
    browser.find_element(By.ID, "allow").click()
