"""The leads table at a shop's size, for the index tests and bench/wordpress.py: filled by the
database itself (MariaDB's sequence engine), and put back as the 0.5 plugin made it."""

from __future__ import annotations

from tests.wordpress import WordPress

# The indexes the 0.6 schema added to the leads table.
NEW_INDEXES = frozenset(
    {
        "username",
        "email",
        "name",
        "updated_at",
        "connected_at",
        "followers_count",
        "engagement_rate",
        "search",
    }
)

FILL = """
INSERT INTO wp_igsync_leads (idempotency_key, ig_user_id, username, name, email, status,
  followers_count, connected_at, sandbox, created_at, updated_at)
SELECT CONCAT('igsync-{prefix}-', seq), CONCAT('{id_prefix}', LPAD(seq, 12, '0')),
  CONCAT('{prefix}_', seq), CONCAT(ELT(1 + seq % 5, 'Anna', 'Bruno', 'Carla', 'Dina', 'Emil'),
  ' Shopper ', seq), CONCAT('{prefix}', seq, '@example.org'),
  IF(seq % 20 = 0, 'needs_reconnect', 'connected'), seq % 50000,
  NOW() - INTERVAL seq MINUTE, 1, NOW() - INTERVAL seq MINUTE, NOW() - INTERVAL seq MINUTE
FROM seq_1_to_{rows}
"""


def fill_leads(wp: WordPress, rows: int, prefix: str, id_prefix: str = "17842") -> None:
    """`rows` leads @{prefix}_1 … (names "<first name> Shopper <n>", emails {prefix}<n>@…)."""
    wp.sql(FILL.format(rows=int(rows), prefix=prefix, id_prefix=id_prefix))


def as_made_by_0_5(wp: WordPress) -> None:
    """The leads table without the 0.6 indexes, and the schema version 0.5 recorded: the next
    request that loads WordPress runs the upgrade."""
    for index in sorted(NEW_INDEXES):
        wp.sql(f"ALTER TABLE wp_igsync_leads DROP INDEX IF EXISTS {index}")
    wp.sql("UPDATE wp_options SET option_value = '9' WHERE option_name = 'igsync_schema_version'")


def leads_indexes(wp: WordPress) -> set[str]:
    return set(
        wp.sql(
            "SELECT DISTINCT index_name FROM information_schema.statistics"
            " WHERE table_schema = DATABASE() AND table_name = 'wp_igsync_leads'"
        ).split()
    )
