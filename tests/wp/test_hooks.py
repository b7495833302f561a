"""Hooks for other plugins, as a site's own code would use them (a must-use plugin): an action
for each lead received or updated, filters for the button's text and markup."""

from __future__ import annotations

import requests

from tests.conftest import eventually
from tests.wordpress import SHOPPER, WordPress
from tests.wp.conftest import RunningDaemon
from tests.wp.pushes import LEADS
from tests.wp.shopper import connect
from wp_bridge.signing import Signer
from wp_bridge.wordpress import LEADS_ROUTE, encode_json

LISTENER = r"""<?php
// A site's own code, reacting to igsync's hooks.
add_action( 'igsync_lead_received', function ( $lead, $user_id ) {
	$events   = (array) get_option( 'hooktest_events', array() );
	$events[] = 'received:' . $lead['username'] . ':' . $user_id;
	update_option( 'hooktest_events', $events );
}, 10, 2 );
add_action( 'igsync_lead_updated', function ( $lead, $user_id ) {
	$events   = (array) get_option( 'hooktest_events', array() );
	$events[] = 'updated:' . $lead['username'] . ':' . $user_id;
	update_option( 'hooktest_events', $events );
}, 10, 2 );
add_filter( 'igsync_connect_button_label', function ( $label, $source ) {
	return 'Link your Instagram (' . $source . ')';
}, 10, 2 );
add_filter( 'igsync_connect_button_html', function ( $html, $args ) {
	return '<div class="hooktest-wrapper">' . $html . '</div>';
}, 10, 2 );
"""


def events(wp: WordPress) -> str:
    return wp.sql("SELECT option_value FROM wp_options WHERE option_name = 'hooktest_events'")


def test_other_plugins_hear_of_each_lead_and_can_change_the_button(
    configured: WordPress, daemon: RunningDaemon, shared: dict[str, str]
) -> None:
    wp = configured
    mu_plugins = wp.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    (mu_plugins / "hooktest.php").write_text(LISTENER)
    daemon.start()
    shopper = wp.login(*SHOPPER)
    page = shopper.get(wp.page_url, timeout=30).text
    assert "Link your Instagram (shortcode)" in page and 'class="hooktest-wrapper"' in page
    connect(wp, shopper, "hooked.shopper")
    eventually(
        lambda: f"received:hooked.shopper:{wp.shopper_id}" in events(wp),
        what="the site's listener told of the new lead",
    )
    key, ig_user_id = wp.sql(
        "SELECT idempotency_key, ig_user_id FROM wp_igsync_leads WHERE username = 'hooked.shopper'"
    ).split()
    again = encode_json(
        {
            "idempotency_key": key,
            "ig_user_id": ig_user_id,
            "username": "hooked.shopper",
            "wp_user_id": wp.shopper_id,
        }
    )
    answer = requests.post(
        wp.rest(LEADS_ROUTE),
        data=again,
        headers={
            **Signer(shared["secret"]).headers(again, LEADS),
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "updated"
    assert f"updated:hooked.shopper:{wp.shopper_id}" in events(wp)
    assert events(wp).count("received:") == 1
