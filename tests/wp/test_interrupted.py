"""A connection whose exchange got no answer from Instagram (the code may be spent there, so it
is never sent again) reaches WordPress as such: the shopper is asked to connect again, other
plugins hear of it, and connecting again works."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import requests

from tests.conftest import Sandbox, eventually
from tests.wordpress import SHOPPER, WordPress
from tests.wp.conftest import RunningDaemon
from tests.wp.shopper import code_of, connect
from wp_bridge.signing import Signer, generate_secret, to_wordpress
from wp_bridge.wordpress import OUTCOME_ROUTE, encode_json

OUTCOME = to_wordpress("POST", OUTCOME_ROUTE)

LISTENER = r"""<?php
add_action( 'igsync_connection_interrupted', function ( $user_id, $context, $reason ) {
	$heard   = (array) get_option( 'hooktest_interrupted', array() );
	$heard[] = $user_id . ' ' . $context['return_url'];
	update_option( 'hooktest_interrupted', $heard );
}, 10, 3 );
"""


def heard(wp: WordPress) -> str:
    return wp.sql(
        "SELECT option_value FROM wp_options WHERE option_name = 'hooktest_interrupted'"
    ).strip()


def test_an_interrupted_connection_asks_the_shopper_to_connect_again(
    configured: WordPress, daemon: RunningDaemon, ig: Sandbox, shared: dict[str, str]
) -> None:
    wp = configured
    listener = wp.root / "wp-content" / "mu-plugins" / "hooktest-interrupted.php"
    listener.parent.mkdir(exist_ok=True)
    listener.write_text(LISTENER)
    try:
        # Instagram takes longer to answer the exchange than the daemon waits.
        daemon.settings = replace(daemon.settings, http_timeout_seconds=0.5)
        ig.state.faults.update({"hang_next": 1, "hang_seconds": 2})
        daemon.start()
        shopper = wp.login(*SHOPPER)
        callback, _ = connect(wp, shopper, "slow.answer")
        eventually(
            lambda: (
                "We could not finish connecting your Instagram account"
                in shopper.get(wp.page_url, timeout=30).text
            ),
            what="the shopper asked to connect again",
        )
        page = shopper.get(wp.page_url, timeout=30).text
        assert 'id="igsync-connect"' in page and "Connected to Instagram" not in page
        assert ig.state.attempts_of(code_of(callback)) == 1  # sent once, never again
        assert heard(wp) and f"{wp.shopper_id} {wp.page_url}" in heard(wp)

        # Connecting again works.
        connect(wp, shopper, "slow.answer")
        eventually(
            lambda: (
                "Connected to Instagram as @slow.answer"
                in shopper.get(wp.page_url, timeout=30).text
            ),
            what="connected on the second try",
        )
    finally:
        Path(listener).unlink()

    # The route takes only the daemon's word, and only about a code of this site.
    body = encode_json({"code_hash": "0" * 64, "status": "interrupted", "reason": "x"})
    forged = requests.post(
        wp.rest(OUTCOME_ROUTE),
        data=body,
        headers={
            **Signer(generate_secret()).headers(body, OUTCOME),
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert forged.status_code == 401
    signed = Signer(shared["secret"])
    unknown = requests.post(
        wp.rest(OUTCOME_ROUTE),
        data=body,
        headers={**signed.headers(body, OUTCOME), "Content-Type": "application/json"},
        timeout=30,
    )
    assert unknown.status_code == 200 and unknown.json() == {"status": "unknown"}
    odd = encode_json({"code_hash": hashlib.sha256(b"x").hexdigest(), "status": "exploded"})
    refused = requests.post(
        wp.rest(OUTCOME_ROUTE),
        data=odd,
        headers={**signed.headers(odd, OUTCOME), "Content-Type": "application/json"},
        timeout=30,
    )
    assert refused.status_code == 400
