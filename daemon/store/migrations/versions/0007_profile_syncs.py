"""profile_syncs (each customer's periodic re-sync, spread over the interval), follower_counts
(growth over time) and customers.engagement_rate

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DEFAULT_SYNC_HOURS = 24
GOLDEN_RATIO = 0.6180339887498949


def upgrade() -> None:
    op.create_table(
        "profile_syncs",
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id"),
    )
    with op.batch_alter_table("profile_syncs", schema=None) as batch_op:
        batch_op.create_index("ix_profile_syncs_due", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "follower_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("followers_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follower_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follower_counts_customer", ["customer_id", "counted_at"], unique=False
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engagement_rate", sa.Float(), nullable=True))
    _schedule_existing_customers()


def _schedule_existing_customers() -> None:
    """Every customer already stored gets a sync, spread evenly over the first day by id (the
    golden-ratio sequence), so an upgrade does not make them all due at once; the ones whose
    connection is not live start paused, and each count known so far starts the history."""
    connection = op.get_bind()
    now = datetime.now(UTC)
    customers = connection.execute(
        sa.text("SELECT id, status, followers_count FROM customers")
    ).all()
    syncs = sa.table(
        "profile_syncs",
        sa.column("customer_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    )
    counts = sa.table(
        "follower_counts",
        sa.column("customer_id", sa.Integer()),
        sa.column("counted_at", sa.DateTime(timezone=True)),
        sa.column("followers_count", sa.Integer()),
    )
    spread = timedelta(hours=DEFAULT_SYNC_HOURS)
    op.bulk_insert(
        syncs,
        [
            {
                "customer_id": cid,
                "status": "active" if status == "connected" else "paused",
                "attempts": 0,
                "next_attempt_at": now + spread * ((cid * GOLDEN_RATIO) % 1.0),
            }
            for cid, status, _ in customers
        ],
    )
    op.bulk_insert(
        counts,
        [
            {"customer_id": cid, "counted_at": now, "followers_count": followers}
            for cid, _, followers in customers
            if followers is not None
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("engagement_rate")
    with op.batch_alter_table("follower_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_follower_counts_customer")
    op.drop_table("follower_counts")
    with op.batch_alter_table("profile_syncs", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_syncs_due")
    op.drop_table("profile_syncs")
