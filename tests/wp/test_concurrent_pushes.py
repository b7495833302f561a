"""Pushes of one lead that arrive together, on a shop served as hosts serve it (nginx and
PHP-FPM with 4 workers, tests/fpm.py): each one a valid body, each one answered stored or
"retry later", never refused for good; one row, holding one of the bodies sent."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.fpm import ServedShop, serve
from tests.wp.pushes import LEADS, a_lead
from wp_bridge.signing import Signer, generate_secret
from wp_bridge.wordpress import LEADS_ROUTE, RETRYABLE_CLIENT_STATUSES, encode_json

CLIENTS, PUSHES = 4, 25


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[ServedShop, Signer]]:
    served = serve(tmp_path)
    secret = generate_secret()
    try:
        saved = served.site.configure(
            served.site.admin(),
            daemon_url="http://127.0.0.1:9",
            shared_secret=secret,
            app_id="1790000000000042",
            api_flavour="instagram_login",
            authorize_url="https://www.instagram.com/oauth/authorize",
        )
        assert "Settings saved." in saved.text
        yield served, Signer(secret)
    finally:
        served.stop()


def test_concurrent_pushes_of_one_lead_are_stored_or_told_to_retry_never_refused(
    shop: tuple[ServedShop, Signer],
) -> None:
    served, signer = shop
    lead = a_lead(username="same.key")
    answers: Counter[int] = Counter()
    bodies: set[int] = set()
    start = threading.Barrier(CLIENTS)

    def client(number: int) -> None:
        http = requests.Session()
        start.wait()
        for push in range(PUSHES):
            followers = number * 1000 + push  # the same key, a changed body
            bodies.add(followers)
            body = encode_json({**lead, "followers_count": followers})
            headers = {
                **signer.headers(body, LEADS),
                "Content-Type": "application/json",
                "Idempotency-Key": lead["idempotency_key"],
            }
            route = served.site.rest(LEADS_ROUTE)
            answers[http.post(route, data=body, headers=headers, timeout=30).status_code] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(answers.values()) == CLIENTS * PUSHES
    refused = {status: n for status, n in answers.items() if 400 <= status < 500}
    assert set(refused) <= RETRYABLE_CLIENT_STATUSES, answers  # never a 422 for a valid body
    assert answers[201] == 1 and answers[200] >= CLIENTS * PUSHES // 2, answers
    stored = served.site.sql(
        "SELECT followers_count FROM wp_igsync_leads WHERE username = 'same.key'"
    ).split()
    assert len(stored) == 1 and int(stored[0]) in bodies
