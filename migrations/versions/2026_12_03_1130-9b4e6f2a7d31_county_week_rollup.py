"""The county × week rollup the province and national tables read (app.rollups), kept in step by
every write that changes a figure; filled here from the ledger as it stands.

Revision ID: 9b4e6f2a7d31
Revises: 4c2d8e1f6a3b
Create Date: 2026-12-03 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision: str = '9b4e6f2a7d31'
down_revision: str | None = '4c2d8e1f6a3b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ("pairings", "reports", "on_time",
        "funds_planned", "funds_arrived", "materials_planned", "materials_arrived",
        "has_project", "industry_done", "sales_planned", "sales_done",
        "jobs_planned", "jobs_done", "trainees_planned", "trained_done", "stationed", "stationed_now")


def upgrade() -> None:
    op.create_table(
        'county_week',
        sa.Column('county_code', sa.String(length=12), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('province_code', sa.String(length=12), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS],
        sa.PrimaryKeyConstraint('county_code', 'week'),
    )
    op.create_index('ix_county_week_week_province', 'county_week', ['week', 'province_code'], unique=False)
    # The ledger's data so far, through the same recomputation `bangfu rebuild-rollups` runs.
    from app.config import get_settings
    from app.stats.service import rebuild_rollups

    with Session(bind=op.get_bind()) as session:
        rebuild_rollups(session, get_settings())
        session.flush()


def downgrade() -> None:
    op.drop_index('ix_county_week_week_province', table_name='county_week')
    op.drop_table('county_week')
