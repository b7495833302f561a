"""customers.connected_at: when the connection WordPress shows began (its first code, or the
code that reconnected it), sent unchanged with every later event of it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True))
    # Before this column, the best known connection time is when the customer was stored.
    op.execute("UPDATE customers SET connected_at = created_at WHERE connected_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("connected_at")
