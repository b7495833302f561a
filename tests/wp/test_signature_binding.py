"""Signatures bound to their direction and route, inside a real WordPress: what WordPress signs
for the daemon, captured in transit and sent back to WordPress, opens nothing (not the code
queue, not unpairing); a push's signature is good for the lead route only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.json_stub import json_stub
from tests.wordpress import WordPress, php_json
from tests.wp.pushes import a_lead, push
from wp_bridge.signing import Signer, to_wordpress
from wp_bridge.wordpress import ERASE_ROUTE, QUEUE_ROUTE, UNPAIR_ROUTE, encode_json

PING_FROM_WORDPRESS = (
    "require 'wp-load.php'; Igsync_Daemon::post_signed( '/v1/ping', new stdClass(), 10 );"
    " echo wp_json_encode( Igsync_Signature::peer_bound() );"
)


DAEMON_ANSWER = {"status": "ok", "version": "x", "wordpress": {"ok": True}}


@pytest.fixture
def capture(shared: dict[str, str]) -> Iterator[list[tuple[dict[str, str], bytes]]]:
    """A daemon of this version, as far as WordPress can tell: it says it checks bound
    signatures, and keeps what it was sent."""
    with json_stub(
        DAEMON_ANSWER, port=int(shared["daemon_port"]), headers={"igsync-signing": "bound"}
    ) as daemon:
        yield daemon.seen


def replayed(wp: WordPress, method: str, route: str, message: tuple[dict[str, str], bytes]) -> int:
    headers, body = message
    signed = {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    return requests.request(
        method,
        wp.rest(route),
        data=body,
        headers={**signed, "Content-Type": "application/json"},
        timeout=30,
    ).status_code


def test_what_wordpress_signs_for_the_daemon_opens_nothing_in_wordpress(
    configured: WordPress, shared: dict[str, str], capture: list[tuple[dict[str, str], bytes]]
) -> None:
    wp = configured
    assert php_json(wp, PING_FROM_WORDPRESS) is True  # learned from the daemon's answer
    assert php_json(wp, PING_FROM_WORDPRESS) is True
    first, second = capture
    assert " " in first[0]["webhook-signature"]  # bound, and the unbound one beside it
    assert " " not in second[0]["webhook-signature"]  # the daemon said it checks bound ones
    for message in (first, second):
        assert replayed(wp, "GET", QUEUE_ROUTE, message) == 401
        assert replayed(wp, "POST", UNPAIR_ROUTE, message) in (400, 401)
    assert php_json(
        wp, "require 'wp-load.php'; echo wp_json_encode( Igsync_Pairing::is_paired() );"
    )

    # A push's signature is the lead route's: not the erase route's.
    signer = Signer(shared["secret"])
    lead = a_lead(username="bound.push")
    body = encode_json(lead)
    headers = signer.headers(body, to_wordpress("POST", ERASE_ROUTE))
    assert push(wp, signer, lead, headers).status_code == 401
    assert push(wp, signer, lead).status_code == 201
