"""The routes the plugin calls besides the intake (wp_bridge/plugin_calls.py); here the
reconciliation read, which gives WordPress every lead it was sent again, page by page."""

from __future__ import annotations

import json
from dataclasses import replace

import requests
from sqlmodel import col, select

from daemon.runtime.serving import ServerThread
from daemon.service import Daemon
from daemon.settings import Settings
from daemon.store.models import Delivery
from tests.conftest import Sandbox, Shop, eventually
from tests.test_daemon import forward_many
from wp_bridge.signing import Signer, generate_secret, to_daemon

ROUTE = "/v1/leads/since"


def ask(url: str, signer: Signer, **fields: object) -> requests.Response:
    body = json.dumps(fields).encode()
    headers = {**signer.headers(body, to_daemon("POST", ROUTE)), "Content-Type": "application/json"}
    return requests.post(url + ROUTE, data=body, headers=headers, timeout=10)


def test_the_reconciliation_read_pages_through_every_lead_wordpress_was_sent(
    shop_settings: Settings, sandbox: Sandbox, shop: Shop, signer: Signer
) -> None:
    """A site restored from an older backup asks for everything again: each delivered lead
    once, in the order first sent, as the lead route takes it; signed both ways like every
    other call, parameters checked."""
    daemon = Daemon.build(replace(shop_settings, sweep_interval_seconds=3600))
    daemon.start()
    try:
        with ServerThread(daemon.intake) as intake:
            forward_many(sandbox, intake.url, signer, 5)
            assert shop.state.wait_for(5, timeout=30)
            eventually(
                lambda: len(ask(intake.url, signer, after=0, limit=200).json()["leads"]) == 5,
                what="five deliveries recorded",
            )
            pages, after, more = [], 0, True
            while more:
                answer = ask(intake.url, signer, after=after, limit=2)
                assert answer.status_code == 200
                page = answer.json()
                pages.append(page["leads"])
                after, more = page["next"], page["more"]
            assert [len(page) for page in pages] == [2, 2, 1]
            keys = [lead["idempotency_key"] for page in pages for lead in page]
            with daemon.store.read() as session:
                made = session.execute(
                    select(col(Delivery.idempotency_key)).order_by(col(Delivery.id))
                ).scalars()
                assert keys == list(made)  # in the order the leads were made
            assert set(keys) == set(shop.state.leads)
            assert all(lead["username"].startswith("shopper") for page in pages for lead in page)
            assert ask(intake.url, signer, after=after, limit=2).json() == {
                "leads": [],
                "next": after,
                "more": False,
            }
            assert ask(intake.url, Signer(generate_secret()), after=0).status_code == 401
            for bad in ({"after": -1}, {"limit": 0}, {"limit": 201}, {"after": "0"}):
                assert ask(intake.url, signer, **bad).status_code == 422, bad
    finally:
        daemon.stop()
