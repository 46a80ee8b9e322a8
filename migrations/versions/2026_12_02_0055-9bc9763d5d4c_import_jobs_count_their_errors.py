"""Import jobs count their bad rows (the answer keeps only the first 200); earlier jobs count what they kept.

Revision ID: 9bc9763d5d4c
Revises: 208a8818b736
Create Date: 2026-12-02 00:55:55.684360
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9bc9763d5d4c'
down_revision: str | None = '208a8818b736'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_count', sa.Integer(), nullable=False, server_default='0'))
    length = "json_array_length(errors)" if op.get_bind().dialect.name == "sqlite" else "json_array_length(errors::json)"
    op.execute(f"UPDATE import_job SET error_count = COALESCE({length}, 0)")
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.alter_column('error_count', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('error_count')
