"""A unit's 企业微信 group robot: the webhook its liaisons set, where notices to them are posted.

Revision ID: c3e5a7f9b1d2
Revises: a41c7e9b2d58
Create Date: 2026-12-04 22:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3e5a7f9b1d2'
down_revision: str | None = 'a41c7e9b2d58'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wecom_webhook', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('wecom_webhook')
