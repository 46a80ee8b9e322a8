"""Suspicious-data flags and county submissions of the weekly table.

Revision ID: abc6bcefd363
Revises: 3b1f0c2d9e7a
Create Date: 2026-11-21 10:14:10.165212
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'abc6bcefd363'
down_revision: str | None = '3b1f0c2d9e7a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The audit trail is append-only for the application: the database refuses to change it.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update",
               "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
                   "DROP FUNCTION IF EXISTS audit_event_append_only()"],
}


def upgrade() -> None:
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['county_code'], ['region.code'], name=op.f('fk_submission_county_code_region')),
    sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], name=op.f('fk_submission_decided_by_app_user')),
    sa.ForeignKeyConstraint(['submitted_by'], ['app_user.id'], name=op.f('fk_submission_submitted_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_week'), ['week'], unique=False)
        batch_op.create_index('uq_submission_live', ['county_code', 'week'], unique=True, sqlite_where=sa.text("status IN ('submitted', 'accepted')"), postgresql_where=sa.text("status IN ('submitted', 'accepted')"))

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('county_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_flag_pairing_id_pairing')),
    sa.ForeignKeyConstraint(['resolved_by'], ['app_user.id'], name=op.f('fk_flag_resolved_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag'))
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_pairing_id'), ['pairing_id'], unique=False)
        batch_op.create_index('ix_flag_pairing_week_rule', ['pairing_id', 'week', 'rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_status'), ['status'], unique=False)



def downgrade() -> None:
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_status'))
        batch_op.drop_index('ix_flag_pairing_week_rule')
        batch_op.drop_index(batch_op.f('ix_flag_pairing_id'))
        batch_op.drop_index(batch_op.f('ix_flag_county_code'))

    op.drop_table('flag')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('uq_submission_live', sqlite_where=sa.text("status IN ('submitted', 'accepted')"), postgresql_where=sa.text("status IN ('submitted', 'accepted')"))
        batch_op.drop_index(batch_op.f('ix_submission_week'))
        batch_op.drop_index(batch_op.f('ix_submission_county_code'))

    op.drop_table('submission')
