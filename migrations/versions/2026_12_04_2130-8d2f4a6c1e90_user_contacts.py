"""Users have optional contacts, where reminders and notices reach them: a mainland mobile number
and an e-mail address.

Revision ID: 8d2f4a6c1e90
Revises: 5e8a1c3d9f47
Create Date: 2026-12-04 21:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8d2f4a6c1e90'
down_revision: str | None = '5e8a1c3d9f47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('phone')
