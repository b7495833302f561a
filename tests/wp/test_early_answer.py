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
