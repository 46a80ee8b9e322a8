"""Import jobs run on the task queue's workers: a job keeps how many times it was started, when
the last try began and where its uploaded file waits, so that a job whose worker was killed is
tried again (or ends failed with a reason) and its file removed.

Revision ID: 5e8a1c3d9f47
Revises: 9b4e6f2a7d31
Create Date: 2026-12-04 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e8a1c3d9f47'
down_revision: str | None = '9b4e6f2a7d31'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('upload_path', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('upload_path')
        batch_op.drop_column('started_at')
        batch_op.drop_column('attempts')
