"""The audit trail refuses TRUNCATE too (PostgreSQL; SQLite has no TRUNCATE, and its DELETE is
refused already).

Revision ID: 7f3a9e2b5c10
Revises: 5e1d7a0c4b21
Create Date: 2026-12-02 04:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '7f3a9e2b5c10'
down_revision: str | None = '5e1d7a0c4b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The append-only function raises whatever fired it, row or statement.
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
