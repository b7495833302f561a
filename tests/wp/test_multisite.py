"""On a network of sites, activation sets up every site and deleting the plugin removes what it
stored from every site (WordPress 7.0.4 multisite, driven from PHP's command line)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.wordpress import Network, install_network

PLUGIN = "igsync-bridge/igsync-bridge.php"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    site = install_network(tmp_path_factory.mktemp("network"))
    yield site
    site.stop()


def run(network: Network, code: str) -> object:
    result = network.php(code)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def igsync_rows(network: Network) -> dict[str, list[str]]:
    tables = network.sql("SHOW TABLES LIKE '%igsync%'").split()
    options = []
    for prefix in ("wp_", "wp_2_"):
        options += network.sql(
            f"SELECT CONCAT('{prefix}', option_name) FROM {prefix}options"  # noqa: S608 (ours)
            " WHERE option_name LIKE '%igsync%' OR option_value LIKE '%igsync_prune%'"
        ).split()
    usermeta = network.sql("SELECT meta_key FROM wp_usermeta WHERE meta_key LIKE 'igsync%'").split()
    return {"tables": tables, "options": options, "usermeta": usermeta}


def test_network_activation_sets_up_every_site_and_deletion_cleans_every_site(
    network: Network,
) -> None:
    second = run(
        network,
        "$id = wp_insert_site( array( 'domain' => 'shop.test', 'path' => '/second/' ) );"
        " echo wp_json_encode( $id );",
    )
    assert second == 2
    activated = run(network, f"echo wp_json_encode( activate_plugin( '{PLUGIN}', '', true ) );")
    assert activated is None  # WordPress's "no error"
    # Data on both sites: a lead with the customer's user meta, and a state transient.
    stored = run(
        network,
        "$out = array();"
        " foreach ( array( 1, 2 ) as $site ) {"
        "  switch_to_blog( $site );"
        "  $out[] = Igsync_Leads::store( array( 'idempotency_key' => 'igsync-lead-site' . $site,"
        "   'ig_user_id' => '1784140000000000' . $site, 'username' => 'site' . $site,"
        "   'wp_user_id' => 1 ) );"
        "  set_transient( 'igsync_state_test', array( 'user' => 0 ), 600 );"
        "  restore_current_blog();"
        " }"
        " echo wp_json_encode( $out );",
    )
    assert stored == ["created", "created"]
    before = igsync_rows(network)
    assert {"wp_igsync_leads", "wp_2_igsync_leads"} <= set(before["tables"])
    assert "wp_igsync_queue_key" in before["options"]
    assert "wp_2_igsync_queue_key" in before["options"]
    assert "igsync_ig_username" in before["usermeta"]

    run(network, f"deactivate_plugins( '{PLUGIN}', false, true ); echo 1;")
    loaded_then_uninstalled = run(
        network,
        "$loaded = class_exists( 'Igsync_Leads', false );"
        f" uninstall_plugin( '{PLUGIN}' ); echo wp_json_encode( $loaded );",
    )
    assert loaded_then_uninstalled is False  # the plugin was not loaded: uninstall.php alone
    assert igsync_rows(network) == {"tables": [], "options": [], "usermeta": []}
