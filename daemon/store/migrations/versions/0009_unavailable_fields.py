"""customers.unavailable_fields (the profile fields the pinned Graph API version no longer
serves, whose values are therefore unavailable, not zero) and customers.insights (the
account's insights, where asked for: a value, "suppressed" or "unavailable" per metric)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unavailable_fields", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("insights", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("insights")
        batch_op.drop_column("unavailable_fields")
