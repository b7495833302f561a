"""customers: Instagram Login's richer profile (followers, follows, media, picture, biography,
website), each optional

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    ("followers_count", sa.Integer()),
    ("follows_count", sa.Integer()),
    ("media_count", sa.Integer()),
    ("profile_picture_url", sa.String()),
    ("biography", sa.String()),
    ("website", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
