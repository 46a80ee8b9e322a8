"""A pairing ended with the unit that takes over (接力帮扶): the link both ways.

Revision ID: d1a2b3c4e5f6
Revises: c3e5a7f9b1d2
Create Date: 2026-12-08 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = 'd1a2b3c4e5f6'
down_revision: str | None = 'c3e5a7f9b1d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
