"""The login throttle counts per client address and per (address, username), with backoff.

Its rows are short-lived counters: the old per-username rows are dropped, not converted (at worst
a lock in force is lifted early).

Revision ID: 5e1d7a0c4b21
Revises: 9bc9763d5d4c
Create Date: 2026-12-02 03:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '5e1d7a0c4b21'
down_revision: str | None = '9bc9763d5d4c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table('login_throttle')
    op.create_table(
        'login_throttle',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('lockouts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    op.create_index(op.f('ix_login_throttle_updated_at'), 'login_throttle', ['updated_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_login_throttle_updated_at'), table_name='login_throttle')
    op.drop_table('login_throttle')
    op.create_table(
        'login_throttle',
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttle')),
    )
