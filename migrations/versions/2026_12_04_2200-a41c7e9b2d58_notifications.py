"""Notifications: an inbox row per user and notice, and the delivery log of the channels each
went out by (inbox, e-mail, SMS, 企业微信); and which reminders of the calendar have run.

Revision ID: a41c7e9b2d58
Revises: 8d2f4a6c1e90
Create Date: 2026-12-04 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a41c7e9b2d58'
down_revision: str | None = '8d2f4a6c1e90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body', sa.String(length=2000), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=True),
        sa.Column('county_code', sa.String(length=12), nullable=True),
        sa.Column('week', sa.String(length=8), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at'])
    op.create_index('ix_notification_county_code', 'notification', ['county_code'])
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('notification_id', sa.Integer(), sa.ForeignKey('notification.id'), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('target', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_delivery_notification_id', 'delivery', ['notification_id'])
    op.create_table(
        'reminder_run',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('slot', sa.String(length=20), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('county_code', sa.String(length=12), nullable=False),
        sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('slot', 'week', 'county_code', name='uq_reminder_run'),
    )


def downgrade() -> None:
    op.drop_table('reminder_run')
    op.drop_index('ix_delivery_notification_id', table_name='delivery')
    op.drop_table('delivery')
    op.drop_index('ix_notification_county_code', table_name='notification')
    op.drop_index('ix_notification_user_read', table_name='notification')
    op.drop_table('notification')
