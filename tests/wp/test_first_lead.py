"""From a fresh WordPress 7.0.4 with WooCommerce and a fresh daemon state to a first lead, by
the README's quick start and nothing else: install (the test suite's own install), upload and
activate the plugin then click Pair, run `igsync pair CODE --sandbox`. Then a shopper clicks
through in Chromium and the lead shows in wp-admin; the setup checklist and WooCommerce's task
list tick themselves. The wall time and the step count are written to tests/artifacts/."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from dotenv import dotenv_values
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.conftest import SECRETS, eventually
from tests.wordpress import (
    ADMIN,
    FLAVOURS,
    SHOPPER,
    WordPress,
    free_port,
    start_wordpress,
)
from tests.wp.browser import ARTIFACTS, allow_at_the_sandbox, chromium, log_in, screenshot, submit

README = Path(__file__).parents[2] / "README.md"
SITE = "https://shop.example"  # the README's stand-in for the shop's address
VENV_IGSYNC = ".venv/bin/igsync"


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """A fresh WordPress 7.0.4 + WooCommerce 10.0.2 shop without the bridge plugin."""
    woocommerce = next(flavour for flavour in FLAVOURS if flavour.woocommerce)
    site = start_wordpress(tmp_path_factory.mktemp("first-lead"), woocommerce, with_plugin=False)
    yield site
    site.stop()


def quick_start() -> tuple[list[str], list[str]]:
    """The README's quick start: its numbered steps, and the shell commands it gives."""
    text = README.read_text()
    section = text.split("## First lead in three steps\n", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. (.+)$", section, re.MULTILINE)
    commands = re.findall(r"```sh\n\s*(.+?)\n\s*```", section)
    return steps, commands


def as_run_here(command: str, **placeholders: str) -> list[str]:
    """A README command as this checkout runs it: its igsync, the test's values in place of
    the README's placeholders."""
    words = shlex.split(command)
    igsync = str(Path(sys.executable).with_name("igsync"))
    return [igsync if word == VENV_IGSYNC else placeholders.get(word, word) for word in words]


class Output:
    """A process's merged output, read as it comes (the daemon keeps running)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.text = ""
        assert process.stdout is not None
        stream = process.stdout
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.text += line


def readme_places(section: str) -> tuple[str, str]:
    """The menu labels the README's steps name: the one between Plugins and Upload Plugin, and
    where the lead shows (the owner clicks what the README says, so it must exist)."""
    add = re.search(r"Plugins > (.+?) > Upload Plugin", section)
    leads = re.search(r"shows in wp-admin under WooCommerce > ([A-Za-z ]+?) \(", section)
    assert add and leads, "the README's steps name no place to click"
    return add.group(1), leads.group(1)


def upload_plugin(browser: WebDriver, wp: WordPress, plugin_zip: Path, add_label: str) -> None:
    """Plugins > (the README's label) > Upload Plugin > Install Now > Activate Plugin, clicked
    as the owner clicks them."""
    browser.get(f"{wp.url}/wp-admin/plugins.php")
    browser.find_element(By.CSS_SELECTOR, "#wpbody-content .wrap").find_element(
        By.LINK_TEXT, add_label
    ).click()
    browser.find_element(By.CSS_SELECTOR, ".upload-view-toggle").click()
    browser.find_element(By.ID, "pluginzip").send_keys(str(plugin_zip))
    submit(browser, browser.find_element(By.ID, "install-plugin-submit"))
    assert "Plugin installed successfully." in browser.page_source, browser.page_source[-2000:]
    submit(browser, browser.find_element(By.LINK_TEXT, "Activate Plugin"))
    assert "Plugin activated." in browser.page_source


def checklist(browser: WebDriver, wp: WordPress) -> dict[str, bool]:
    browser.get(f"{wp.url}/wp-admin/options-general.php?page=igsync")
    return {
        str(step.get_attribute("id")).removeprefix("igsync-step-"): "is-done"
        in (step.get_attribute("class") or "")
        for step in browser.find_elements(By.CSS_SELECTOR, ".igsync-checklist .igsync-step")
    }


def woocommerce_task(wp: WordPress) -> dict[str, object]:
    """igsync's task in WooCommerce's task lists, from the REST route WooCommerce > Home reads."""
    admin = wp.admin()
    nonce = admin.get(f"{wp.url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=30).text
    lists = admin.get(
        wp.rest("/wc-admin/onboarding/tasks"), headers={"X-WP-Nonce": nonce}, timeout=60
    ).json()
    tasks = [task for listed in lists for task in listed["tasks"] if task["id"] == "igsync-setup"]
    assert len(tasks) == 1, [listed["id"] for listed in lists]
    return dict(tasks[0])


def test_a_fresh_shop_gets_its_first_lead_in_three_readme_steps(
    wp: WordPress, tmp_path: Path
) -> None:
    started = time.monotonic()
    steps, commands = quick_start()
    assert len(steps) <= 3, steps
    install, pair = commands
    assert "pip install -e ." in install and install.endswith(f"{VENV_IGSYNC} wp-plugin")
    assert " pair CODE " in pair and "--sandbox" in pair

    # Step 1: `pip install -e .` is the install the test suite runs on; then the plugin's zip.
    daemon_home = tmp_path / "daemon"  # a fresh daemon: no env file, no state
    daemon_home.mkdir()
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(daemon_home),
        "XDG_STATE_HOME": str(daemon_home / "state"),
        "IGSYNC_LISTEN": f"127.0.0.1:{free_port()}",  # free ports, not the defaults
        "IGSYNC_SANDBOX_LISTEN": f"127.0.0.1:{free_port()}",
        "COLUMNS": "200",
    }
    subprocess.run(
        as_run_here(install.rsplit("&&", 1)[1]),
        cwd=daemon_home,
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )

    with chromium() as browser:
        # Step 2: the plugin uploaded and activated in wp-admin, then Pair.
        log_in(browser, wp, *ADMIN)
        add_label, leads_label = readme_places(
            (Path(__file__).resolve().parents[2] / "README.md")
            .read_text()
            .split("## First lead in three steps\n", 1)[1]
            .split("\n## ", 1)[0]
        )
        upload_plugin(browser, wp, daemon_home / "igsync-bridge.zip", add_label)
        before = checklist(browser, wp)
        assert before == {
            "paired": False,
            "app": False,
            "redirect": False,
            "button": True,  # WooCommerce's My Account carries it
            "lead": False,
        }
        screenshot(browser, wp, "first-lead-1-checklist-fresh")
        task = woocommerce_task(wp)
        assert task["isComplete"] is False and "1 of 5 steps done." in str(task["content"])
        submit(browser, browser.find_element(By.ID, "igsync-pair"))
        code = browser.find_element(By.CSS_SELECTOR, ".igsync-pairing-code").text
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        screenshot(browser, wp, "first-lead-2-pairing-code")

        # Step 3: pair with the sandbox and run the daemon.
        daemon = subprocess.Popen(
            as_run_here(pair, CODE=code, **{SITE: wp.url}),
            cwd=daemon_home,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = Output(daemon)
        try:
            eventually(
                lambda: "Running the daemon here" in output.text or daemon.poll() is not None,
                timeout=60,
                what="igsync pair to pair and start the daemon",
            )
            assert daemon.poll() is None, output.text
            learned = dotenv_values(daemon_home / ".env")
            secret = str(learned["IGSYNC_SHARED_SECRET"])
            SECRETS.update({secret, str(learned["IGSYNC_INSTAGRAM_APP_SECRET"])})
            assert secret not in output.text
            assert learned["IGSYNC_SANDBOX"] == "on" and learned["IGSYNC_ENCRYPTION_KEYS"]
            assert "Signed ping: WordPress accepted the daemon's signed call" in output.text
            intake = "http://" + environment["IGSYNC_LISTEN"]
            eventually(lambda: _answers(intake + "/healthz"), what="the daemon listening")
            half = checklist(browser, wp)
            assert half == {**before, "paired": True, "app": True, "redirect": True}
            health = browser.find_element(By.ID, "igsync-health").text  # WordPress's own ping
            assert "The connection works both ways" in health and "after pairing" in health
            notice = browser.find_element(By.ID, "igsync-sandbox-notice").text
            assert "Sandbox mode is on: this is not Instagram." in notice
            screenshot(browser, wp, "first-lead-3-checklist-paired-sandbox")

            # A shopper connects through the sandbox.
            log_in(browser, wp, *SHOPPER)
            assert wp.account_url
            browser.get(wp.account_url)
            browser.find_element(By.ID, "igsync-connect").click()
            assert "not Instagram" in browser.page_source  # the sandbox says what it is
            allow_at_the_sandbox(browser, "first.lead")
            eventually(lambda: browser.current_url == wp.account_url, what="back on My Account")

            log_in(browser, wp, *ADMIN)

            def lead_listed() -> bool:
                browser.get(f"{wp.url}/wp-admin/index.php")
                menu = browser.find_element(By.ID, "toplevel_page_woocommerce")
                entry = menu.find_element(By.XPATH, f".//a[normalize-space(.)='{leads_label}']")
                browser.get(str(entry.get_attribute("href")))  # where the README says it is
                return "@first.lead" in browser.find_element(By.ID, "the-list").text

            eventually(lead_listed, timeout=60, what="the first lead in wp-admin's Leads page")
            first_lead = time.monotonic() - started
            screenshot(browser, wp, "first-lead-4-leads")
            assert checklist(browser, wp) == dict.fromkeys(before, True)
            assert "5 of 5 steps done." in browser.find_element(By.ID, "wpbody-content").text
            screenshot(browser, wp, "first-lead-5-checklist-done")
            assert woocommerce_task(wp)["isComplete"] is True
            browser.get(f"{wp.url}/wp-admin/admin.php?page=wc-admin")
            task_item = browser.find_element(
                By.XPATH, "//*[text()='igsync is set up: Instagram leads arrive']"
            )  # in "Things to do next", under WooCommerce's own setup list
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", task_item)
            screenshot(browser, wp, "first-lead-6-woocommerce-home")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
    assert daemon.returncode == 0, output.text
    pairings = (daemon_home / "state" / "igsync" / "pairings.log").read_text().splitlines()
    assert [json.loads(line)["site_url"] for line in pairings] == [wp.url + "/"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "first-lead.json").write_text(
        json.dumps({"readme_steps": len(steps), "seconds_to_first_lead": round(first_lead, 1)})
        + "\n"
    )


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False
