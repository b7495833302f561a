"""The leads table at a shop's size: the plugin's schema upgrade adds its indexes to a table
that was made without them, and every read of the leads table the plugin makes on a shop's
busy paths (the order's lead at checkout and on the thank-you page, the Leads screen and its
search, the health notice, the privacy tools) is answered from an index, never by reading the
whole table (EXPLAIN, as a database administrator would check it)."""

from __future__ import annotations

from typing import Any

from tests.wordpress import WordPress, php_json
from tests.wp.lead_table import NEW_INDEXES, as_made_by_0_5, fill_leads, leads_indexes
from tests.wp.leads_screen import handles, leads_screen

# Runs the plugin's own reads with WordPress's query log on, then EXPLAINs each one that reads
# the leads table: [sql, access type, index].
READS = """
define( 'SAVEQUERIES', true );
require __DIR__ . '/wp-load.php';
global $wpdb;
$from = count( $wpdb->queries );
Igsync_Leads_Query::query( array( 'search' => 'shopper 2999' ) );
Igsync_Leads_Query::query( array( 'search' => 'ab' ) );
Igsync_Leads_Query::query( array( 'search' => 'example.org', 'status' => 'connected' ) );
Igsync_Leads_Query::any_engagement();
Igsync_Health::snapshot();
Igsync_Leads::of_instagram_user( '17842000000000042' );
Igsync_Leads::find( 'igsync-indexed-42' );
if ( class_exists( 'Igsync_Order_Leads' ) ) {
	Igsync_Order_Leads::newest_matching( 999999, 999999 );
	Igsync_Order_Leads::link_order_leads( 999999, 1 );
}
$eraser = Igsync_Privacy::erase( 'indexed42@example.org' );
$plans = array();
foreach ( array_slice( $wpdb->queries, $from ) as $query ) {
	$sql = $query[0];
	$leads = false !== strpos( $sql, $wpdb->prefix . 'igsync_leads' );
	if ( ! $leads || 0 !== stripos( ltrim( $sql ), 'SELECT' ) ) {
		continue;
	}
	foreach ( $wpdb->get_results( 'EXPLAIN ' . $sql, ARRAY_A ) as $step ) {
		if ( $wpdb->prefix . 'igsync_leads' === $step['table'] ) {
			$plans[] = array( $sql, $step['type'], $step['key'] );
		}
	}
}
echo wp_json_encode( $plans );
"""


def test_the_upgrade_adds_the_indexes_and_no_read_of_the_leads_table_scans_it(
    configured: WordPress,
) -> None:
    wp = configured
    as_made_by_0_5(wp)
    fill_leads(wp, 3000, "indexed")
    assert wp.php("require __DIR__ . '/wp-load.php';").returncode == 0  # any request upgrades
    assert leads_indexes(wp) >= NEW_INDEXES
    version = (
        "SELECT option_value, autoload FROM wp_options WHERE option_name = 'igsync_schema_version'"
    )
    schema = "require __DIR__ . '/wp-load.php'; echo wp_json_encode( Igsync_Schema::VERSION );"
    current = php_json(wp, schema)
    assert wp.sql(version).split() in ([current, "on"], [current, "yes"])  # read on every request
    plans: list[list[Any]] = php_json(wp, READS)
    assert len(plans) >= 9
    scans = [(sql, key) for sql, access, key in plans if access == "ALL"]
    assert scans == []
    search = [plan for plan in plans if "MATCH" in plan[0]]
    assert search and {plan[2] for plan in search} == {"search"}  # the full-text index


def test_a_search_finds_words_anywhere_in_a_name_and_short_ones_at_the_start(
    configured: WordPress,
) -> None:
    admin = configured.admin()
    assert handles(leads_screen(admin, configured, s="Shopper 2999")) == ["@indexed_2999"]
    assert handles(leads_screen(admin, configured, s="indexed2999@example.org")) == [
        "@indexed_2999"
    ]
    found = handles(leads_screen(admin, configured, s="in"))  # a short word: starts a field
    assert found and all(handle.startswith("@indexed_") for handle in found)
