"""deliveries.failing_since: when WordPress began refusing or being unreachable for this lead
(its pushes failing in a row), so that a lead that cannot land for IGSYNC_PARK_AFTER_HOURS is
parked (kept, no longer retried) instead of retried for ever

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
