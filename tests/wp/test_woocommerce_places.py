"""igsync where WooCommerce shows a shop's marketing and what needs the owner: a channel on
WooCommerce > Marketing (set up once paired, its issues counted, its leads this month and the
creator program as campaigns), and notes in WooCommerce's inbox for the daemon out of reach and
leads that must reconnect, each added once, reworded as the count changes, kept dismissed when
dismissed, and removed when the cause is gone. Read through WooCommerce's own REST routes (the
ones its screens call) and looked at in Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.wordpress import ADMIN, WordPress, php_json
from tests.wp.browser import chromium, log_in, screenshot
from tests.wp.conftest import RunningDaemon
from tests.wp.pushes import a_lead, an_event, push
from tests.wp.shop import WC, shop_only
from wp_bridge.signing import Signer

TEST_CONNECTION = WC + "echo wp_json_encode( Igsync_Health::test() );"
NOTES = "/wc-analytics/admin/notes"


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """Only the WooCommerce site: the Marketing hub and the inbox are WooCommerce's."""
    yield from shop_only(tmp_path_factory, "places")


class Admin:
    """The owner's REST session, as WooCommerce's screens make it (cookie and nonce)."""

    def __init__(self, wp: WordPress) -> None:
        self.wp = wp
        self.session = wp.admin()
        self.nonce = self.session.get(
            f"{wp.url}/wp-admin/admin-ajax.php?action=rest-nonce", timeout=30
        ).text

    def get(self, route: str, **params: str) -> Any:
        answer = self.session.get(
            self.wp.rest(route), params=params, headers={"X-WP-Nonce": self.nonce}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def delete(self, route: str) -> None:
        answer = self.session.delete(
            self.wp.rest(route), headers={"X-WP-Nonce": self.nonce}, timeout=30
        )
        assert answer.status_code == 200, answer.text

    def channel(self) -> dict[str, Any]:
        channels = self.get("/wc-admin/marketing/channels")
        return next(channel for channel in channels if channel["slug"] == "igsync-bridge")

    def notes(self) -> dict[str, dict[str, Any]]:
        """igsync's notes in the inbox, as its list asks for them (deleted ones left out)."""
        notes = self.get(NOTES, type="info,marketing,survey,warning", per_page="100")
        return {note["name"]: note for note in notes if note["name"].startswith("igsync-")}


def issues_shown(card: WebElement) -> Callable[[Any], bool]:
    """For WebDriverWait: the channel's card says its issues (the hub fetches them after
    drawing the card)."""
    return lambda _: "2 issues to resolve" in card.text


def test_the_marketing_hub_and_the_inbox_say_what_needs_the_owner(
    wp: WordPress, request: pytest.FixtureRequest
) -> None:
    owner = Admin(wp)
    before = owner.channel()
    assert before["is_setup_completed"] is False
    assert before["settings_url"].endswith("/wp-admin/options-general.php?page=igsync")
    assert before["product_listings_status"] == "not-applicable"
    assert before["icon"].endswith("/igsync-bridge/assets/igsync-logo.svg")

    daemon: RunningDaemon = request.getfixturevalue("daemon")  # pairs the site
    shared: dict[str, str] = request.getfixturevalue("shared")
    daemon.start()
    assert php_json(wp, TEST_CONNECTION)["ok"] is True
    paired = owner.channel()
    assert paired["is_setup_completed"] is True and paired["errors_count"] == 0
    assert owner.notes() == {}

    signer = Signer(shared["secret"])
    anna, bruno = a_lead(username="hub.anna"), a_lead(username="hub.bruno")
    for lead in (anna, bruno):
        assert push(wp, signer, lead).status_code == 201
    campaigns = owner.get("/wc-admin/marketing/campaigns")
    ours = [campaign for campaign in campaigns if campaign["channel"] == "igsync-bridge"]
    assert [campaign["title"] for campaign in ours] == [
        "Connect with Instagram: 2 leads this month"
    ]

    def lose(lead: dict[str, Any]) -> None:
        event = an_event(lead, "connection_lost", 2, status="needs_reconnect", reason="expired")
        assert push(wp, signer, event).status_code == 200

    lose(anna)
    first = owner.notes()["igsync-leads-need-reconnecting"]
    assert first["title"] == "1 Instagram lead needs reconnecting"
    assert first["type"] == "warning" and first["status"] == "unactioned"
    assert first["actions"][0]["url"].endswith("page=igsync-leads&igsync_status=needs_reconnect")
    assert owner.channel()["errors_count"] == 1
    lose(bruno)
    second = owner.notes()["igsync-leads-need-reconnecting"]
    assert second["id"] == first["id"], "the same note, reworded: not a second one"
    assert second["title"] == "2 Instagram leads need reconnecting"

    daemon.stop()
    assert php_json(wp, TEST_CONNECTION)["ok"] is False
    lost = owner.notes()["igsync-connection-lost"]
    assert lost["title"] == "igsync cannot reach its daemon"
    assert "not reachable" in lost["content"]
    assert owner.channel()["errors_count"] == 2

    with chromium() as browser:
        log_in(browser, wp, *ADMIN)
        for width in (1280, 390):
            browser.set_window_size(width, 1000)
            browser.get(f"{wp.url}/wp-admin/admin.php?page=wc-admin&path=/marketing")
            channel = browser.find_element(
                By.XPATH,
                "//*[contains(@class, 'woocommerce-marketing-registered-channel')]"
                "[.//*[text()='igsync: Instagram leads']]",
            )
            WebDriverWait(browser, 30).until(issues_shown(channel))
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", channel)
            screenshot(browser, wp, f"marketing-channel-{width}")
            browser.get(f"{wp.url}/wp-admin/admin.php?page=wc-admin")
            note = browser.find_element(
                By.XPATH,
                "//*[contains(@class, 'woocommerce-inbox-message')]"
                "[.//*[text()='2 Instagram leads need reconnecting']]",
            )
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", note)
            assert "See these leads" in note.text
            screenshot(browser, wp, f"inbox-note-{width}")

    daemon.start()
    assert php_json(wp, TEST_CONNECTION)["ok"] is True
    assert "igsync-connection-lost" not in owner.notes(), "removed once the daemon answers"

    # The daemon pinned to a Graph API version Meta ends within 90 days (v21.0: 2027-01-21),
    # then moved to the current one.
    current = daemon.settings
    daemon.stop()
    daemon.settings = replace(current, graph_api_version="v21.0")
    daemon.start()
    assert php_json(wp, TEST_CONNECTION)["ok"] is True
    ending = owner.notes()["igsync-graph-api-version"]
    assert ending["title"] == "Graph API v21.0 is near its end"
    assert "IGSYNC_GRAPH_API_VERSION" in ending["content"]
    daemon.stop()
    daemon.settings = current
    daemon.start()
    assert php_json(wp, TEST_CONNECTION)["ok"] is True
    assert "igsync-graph-api-version" not in owner.notes()

    # Dismissed by the owner: it stays dismissed while leads still need reconnecting.
    owner.delete(f"{NOTES}/delete/{second['id']}")
    carla = a_lead(username="hub.carla")
    assert push(wp, signer, carla).status_code == 201
    lose(carla)
    assert "igsync-leads-need-reconnecting" not in owner.notes()

    # Every lost lead connects again: the cause is gone, and so is the note, dismissed or not.
    for lead in (anna, bruno, carla):
        again = a_lead(ig_user_id=lead["ig_user_id"], username=lead["username"])
        assert push(wp, signer, again).status_code == 201
    kept = php_json(
        wp,
        WC + "echo wp_json_encode( Automattic\\WooCommerce\\Admin\\Notes\\Notes::get_note_by_name("
        " 'igsync-leads-need-reconnecting' ) ? 'kept' : 'gone' );",
    )
    assert kept == "gone"
    assert owner.channel()["errors_count"] == 0


def test_the_creator_program_is_a_campaign_with_its_sales_and_commission(
    configured: WordPress, shared: dict[str, str]
) -> None:
    wp = configured
    signer = Signer(shared["secret"])
    lead = a_lead(username="hub.creator", followers_count=2000)
    assert push(wp, signer, lead).status_code == 201
    php_json(
        wp,
        WC
        + "$lead = Igsync_Leads_Query::by_username( 'hub.creator' );"
        + "$creator = Igsync_Creators::add( $lead, 0, Igsync_Creators::ACTIVE, 'gold' );"
        + "Igsync_Creators::update( (int) $creator['id'], array( 'revenue' => '250.50',"
        " 'commission' => '25.05' ) );" + "echo wp_json_encode( $creator['id'] );",
    )
    owner = Admin(wp)
    campaigns = owner.get("/wc-admin/marketing/campaigns")
    program = next(c for c in campaigns if c["id"] == "igsync-creators")
    assert program["title"] == "Creator program: 1 active creator"
    assert program["manage_url"].endswith("page=igsync-creators")
    assert (program["sales"]["value"], program["cost"]["value"]) == ("250.50", "25.05")
    assert program["sales"]["currency"] == program["cost"]["currency"] != ""
    types = owner.get("/wc-admin/marketing/campaign-types")
    assert {t["id"] for t in types if t["channel"]["slug"] == "igsync-bridge"} == {
        "igsync-connect",
        "igsync-creators",
    }
