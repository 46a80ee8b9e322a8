"""Initial schema: regions, villages, units, users and tokens, pairings, plans, reports, audit.

Revision ID: 9c73e5b41b5b
Revises: 
Create Date: 2026-11-21 09:41:02.263850
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '9c73e5b41b5b'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttle'))
    )
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('parent_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.CheckConstraint('length(code) = 12', name=op.f('ck_region_code_length')),
    sa.ForeignKeyConstraint(['parent_code'], ['region.code'], name=op.f('fk_region_parent_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_parent_code'), ['parent_code'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('credit_code', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('home_province', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('home_city', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_unit_credit_code')),
    sa.UniqueConstraint('name', name=op.f('uq_unit_name'))
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_app_user_region_code_region')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_app_user_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_user_unit_id'), ['unit_id'], unique=False)

    op.create_table('village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('township_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('county_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('city_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('province_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('registered_poor', sa.Boolean(), nullable=False),
    sa.Column('poor_households', sa.Integer(), nullable=False),
    sa.Column('poor_population', sa.Integer(), nullable=False),
    sa.CheckConstraint('poor_households >= 0', name=op.f('ck_village_poor_households_nonnegative')),
    sa.CheckConstraint('poor_population >= 0', name=op.f('ck_village_poor_population_nonnegative')),
    sa.ForeignKeyConstraint(['township_code'], ['region.code'], name=op.f('fk_village_township_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village')),
    sa.UniqueConstraint('code', name=op.f('uq_village_code'))
    )
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_township_code'), ['township_code'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_api_token_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_audit_event_actor_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_region_code'), ['region_code'], unique=False)

    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('committed_funds_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_pairing_unit_id_unit')),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], name=op.f('fk_pairing_village_id_village')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing'))
    )
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_village_id'), ['village_id'], unique=False)
        batch_op.create_index('uq_pairing_active_unit_village', ['unit_id', 'village_id'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('planned_funds_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('planned_materials_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('usage_plan', sa.Text(), nullable=False),
    sa.Column('has_project', sa.Boolean(), nullable=False),
    sa.Column('project_plan', sa.Text(), nullable=False),
    sa.Column('sales_target_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('self_purchase_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('market_link_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('jobs_target', sa.Integer(), nullable=False),
    sa.Column('unit_jobs', sa.Integer(), nullable=False),
    sa.Column('outside_jobs', sa.Integer(), nullable=False),
    sa.Column('entrepreneurship_jobs', sa.Integer(), nullable=False),
    sa.Column('public_welfare_jobs', sa.Integer(), nullable=False),
    sa.Column('trainees_target', sa.Integer(), nullable=False),
    sa.Column('training_plan', sa.Text(), nullable=False),
    sa.Column('will_station', sa.Boolean(), nullable=False),
    sa.Column('stationed_target', sa.Integer(), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_plan_pairing_id_pairing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('pairing_id', name=op.f('uq_plan_pairing_id'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_status'), ['status'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('funds_arrived_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('materials_arrived_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('industry_plan_done', sa.Boolean(), nullable=False),
    sa.Column('sales_done_wan', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('jobs_done', sa.Integer(), nullable=False),
    sa.Column('trained_done', sa.Integer(), nullable=False),
    sa.Column('stationed_now', sa.Integer(), nullable=False),
    sa.Column('beneficiaries', sa.Integer(), nullable=True),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('story_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('story_body', sa.Text(), nullable=True),
    sa.Column('correction_note', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('first_submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_report_pairing_id_pairing')),
    sa.ForeignKeyConstraint(['submitted_by'], ['app_user.id'], name=op.f('fk_report_submitted_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('pairing_id', 'week', name='uq_report_pairing_week')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_pairing_id'), ['pairing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_week'), ['week'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_week'))
        batch_op.drop_index(batch_op.f('ix_report_status'))
        batch_op.drop_index(batch_op.f('ix_report_pairing_id'))

    op.drop_table('report')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_status'))

    op.drop_table('plan')
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_index('uq_pairing_active_unit_village', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
        batch_op.drop_index(batch_op.f('ix_pairing_village_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_active'))

    op.drop_table('pairing')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_region_code'))
        batch_op.drop_index('ix_audit_event_entity')
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))

    op.drop_table('audit_event')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_township_code'))
        batch_op.drop_index(batch_op.f('ix_village_province_code'))
        batch_op.drop_index(batch_op.f('ix_village_county_code'))
        batch_op.drop_index(batch_op.f('ix_village_city_code'))

    op.drop_table('village')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_unit_id'))
        batch_op.drop_index(batch_op.f('ix_app_user_region_code'))

    op.drop_table('app_user')
    op.drop_table('unit')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_code'))
        batch_op.drop_index(batch_op.f('ix_region_level'))

    op.drop_table('region')
    op.drop_table('login_throttle')
