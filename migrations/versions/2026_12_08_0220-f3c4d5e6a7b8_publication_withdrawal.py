"""A publication withdrawn: who, when and why; the public page then shows the previous one.

Revision ID: f3c4d5e6a7b8
Revises: e2b3c4d5f6a7
Create Date: 2026-12-08 02:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f3c4d5e6a7b8'
down_revision: str | None = 'e2b3c4d5f6a7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_publication_withdrawn_by_app_user'), 'app_user',
                                    ['withdrawn_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_publication_withdrawn_by_app_user'), type_='foreignkey')
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
