"""The audit trail: every create, update, state change and failed login, with before and after."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.common import UtcDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor: str = Field(max_length=50)
    action: str = Field(max_length=30)
    entity: str = Field(max_length=30)
    entity_id: str = Field(max_length=64)
    # The county the record belongs to, so officers read the trail of their scope by prefix.
    region_code: str | None = Field(default=None, max_length=12, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
