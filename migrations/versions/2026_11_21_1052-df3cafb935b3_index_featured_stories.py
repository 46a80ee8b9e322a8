"""A partial index for the featured stories the public pages list.

Revision ID: df3cafb935b3
Revises: 0fb38cba6cfe
Create Date: 2026-11-21 10:52:23.905472
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'df3cafb935b3'
down_revision: str | None = '0fb38cba6cfe'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_featured', ['week', 'featured_at'], unique=False, sqlite_where=sa.text('featured_at IS NOT NULL'), postgresql_where=sa.text('featured_at IS NOT NULL'))



def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_featured', sqlite_where=sa.text('featured_at IS NOT NULL'), postgresql_where=sa.text('featured_at IS NOT NULL'))

