"""A pairing ended with the unit that takes over (接力帮扶): the link both ways.

Revision ID: d1a2b3c4e5f6
Revises: c3e5a7f9b1d2
Create Date: 2026-12-08 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd1a2b3c4e5f6'
down_revision: str | None = 'c3e5a7f9b1d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pairing_successor_id'), ['successor_id'], unique=False)
        batch_op.create_foreign_key('fk_pairing_successor_id_pairing', 'pairing', ['successor_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pairing_successor_id_pairing', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pairing_successor_id'))
        batch_op.drop_column('successor_id')
        batch_op.drop_column('end_reason')
