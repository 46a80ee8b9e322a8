"""A plan records who saved its current version: the liaison, or the county on the unit's behalf.

Revision ID: 208a8818b736
Revises: df3cafb935b3
Create Date: 2026-12-01 23:01:00.854707
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '208a8818b736'
down_revision: str | None = 'df3cafb935b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_updated_by_app_user'), 'app_user', ['updated_by'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_updated_by_app_user'), type_='foreignkey')
        batch_op.drop_column('updated_by')

