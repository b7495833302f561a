"""The shopper's return from Instagram never waits for the daemon: the code is kept in the
plugin's queue first, the redirect is answered, and only then is the code forwarded (under
PHP-FPM, the request is finished before the forward). Served by nginx and PHP-FPM, as hosts
serve WordPress (tests/fpm.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import eventually
from tests.fpm import ServedShop, StandInIntake, serve
from tests.wp.shopper import start_flow
from wp_bridge.signing import generate_secret


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[ServedShop, StandInIntake]]:
    served = serve(tmp_path)
    daemon = StandInIntake()
    daemon.delay = None  # it holds every forward until the test releases it
    try:
        saved = served.site.configure(
            served.site.admin(),
            daemon_url=daemon.url,
            shared_secret=generate_secret(),
            app_id="1790000000000042",
            api_flavour="instagram_login",
            authorize_url="https://www.instagram.com/oauth/authorize",
        )
        assert "Settings saved." in saved.text
        yield served, daemon
    finally:
        daemon.stop()
        served.stop()


def test_the_shopper_has_their_answer_while_the_daemon_still_holds_the_forward(
    shop: tuple[ServedShop, StandInIntake],
) -> None:
    served, daemon = shop
    guest = requests.Session()
    state = parse_qs(urlsplit(start_flow(served.site, guest)).query)["state"][0]
    code = "AQ" + secrets.token_hex(40)
    answer = guest.get(
        served.site.callback_url,
        params={"code": code, "state": state},
        allow_redirects=False,
        timeout=10,  # the daemon holds the forward for longer: an answer means it did not wait
    )
    assert answer.status_code == 302 and answer.headers["Location"].startswith(served.site.url)
    assert daemon.arrived.wait(10)  # the forward went out after the answer...
    assert not daemon.answered.is_set()  # ...and the daemon had not answered it yet
    queued = "SELECT COUNT(*) FROM wp_igsync_codes WHERE acked_at IS NOT NULL"
    assert served.site.sql(queued).strip() == "0"  # kept, not yet taken
    daemon.release()
    eventually(lambda: served.site.sql(queued).strip() == "1", what="the code acknowledged")


def test_after_a_forward_timed_out_the_next_codes_wait_for_the_daemons_poll(
    shop: tuple[ServedShop, StandInIntake],
) -> None:
    """A hung daemon holds no more PHP workers: once one forward timed out, the codes of the
    next 30 s are kept in the queue without a forward (the daemon's catch-up poll takes them)."""
    served, daemon = shop
    codes: list[str] = []

    def come_back() -> int:
        guest = requests.Session()
        state = parse_qs(urlsplit(start_flow(served.site, guest)).query)["state"][0]
        codes.append("AQ" + secrets.token_hex(40))
        query = {"code": codes[-1], "state": state}
        url = served.site.callback_url
        return guest.get(url, params=query, allow_redirects=False, timeout=10).status_code

    assert come_back() == 302
    hung = "SELECT option_value FROM wp_options WHERE option_name = 'igsync_daemon_hung_until'"
    eventually(lambda: served.site.sql(hung).strip() != "", what="the forward's timeout noted")
    assert daemon.forwards == 1
    assert come_back() == 302 and come_back() == 302
    waiting = "SELECT COUNT(*) FROM wp_igsync_codes WHERE acked_at IS NULL AND last_error LIKE 'not forwarded:%'"  # noqa: E501
    eventually(lambda: served.site.sql(waiting).strip() == "2", what="two codes left for the poll")
    assert daemon.forwards == 1  # neither was sent: no worker held for the hung daemon
    kept = "SELECT COUNT(*) FROM wp_igsync_codes WHERE acked_at IS NULL AND code_enc IS NOT NULL"
    assert served.site.sql(kept).strip() == "3"  # every code kept for the daemon
