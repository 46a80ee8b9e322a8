"""A report keeps when the phone saved it: a save without signal is sent later from the phone's
outbox, and the county sees both times (the server's receive time alone judges lateness).

Revision ID: 4c2d8e1f6a3b
Revises: 7f3a9e2b5c10
Create Date: 2026-12-02 19:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4c2d8e1f6a3b'
down_revision: str | None = '7f3a9e2b5c10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_saved_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('client_saved_at')
