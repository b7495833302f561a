"""acted_meta_requests: Meta callbacks already acted on, to refuse their replays

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acted_meta_requests",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmation_code", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("acted_meta_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acted_meta_requests_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("acted_meta_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acted_meta_requests_expires_at"))
    op.drop_table("acted_meta_requests")
