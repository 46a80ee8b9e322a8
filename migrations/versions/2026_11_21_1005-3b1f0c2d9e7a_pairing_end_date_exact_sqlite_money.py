"""Pairing end date (past weekly tables keep ended pairings), a wider audit entity id, and money
stored exactly on SQLite as whole ten-thousandths of 万元.

Revision ID: 3b1f0c2d9e7a
Revises: 96fac919f873
Create Date: 2026-11-21 10:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "3b1f0c2d9e7a"
down_revision: str | None = "96fac919f873"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY_COLUMNS = {
    "pairing": ["committed_funds_wan"],
    "plan": ["planned_funds_wan", "planned_materials_wan", "sales_target_wan", "self_purchase_wan",
             "market_link_wan"],
    "report": ["funds_arrived_wan", "materials_arrived_wan", "sales_done_wan"],
}


def _rescale_sqlite(expression: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in MONEY_COLUMNS.items():
        sets = ", ".join(f"{c} = {expression.format(c=c)}" for c in columns)
        op.execute(f"UPDATE {table} SET {sets}")


def upgrade() -> None:
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("entity_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=40),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=64), existing_nullable=False)
    # When pairings ended before this column existed is not known: keep them in every week up to
    # their valid_until, as the tables showed them before.
    op.execute("UPDATE pairing SET ended_on = valid_until WHERE NOT active")
    _rescale_sqlite("CAST(ROUND({c} * 10000) AS INTEGER)")


def downgrade() -> None:
    _rescale_sqlite("{c} / 10000.0")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("entity_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=40), existing_nullable=False)
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.drop_column("ended_on")
