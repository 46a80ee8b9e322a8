"""Writing the audit trail. Services call `record` inside the same transaction as the change."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.common import format_decimal, paginate
from app.errors import Forbidden
from app.regions.models import prefix_of

# Never copied into the trail.
SECRET_FIELDS = {"password_hash", "token_hash"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {
        name: _jsonable(getattr(obj, name))
        for name in obj.__class__.model_fields
        if name not in SECRET_FIELDS
    }


def record(
    session: Session,
    actor,
    action: str,
    entity: str,
    entity_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region_code: str | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor=actor_name or getattr(actor, "username", "system"),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        region_code=region_code,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def update_recorded(
    session: Session, actor, obj: SQLModel, changes: dict[str, Any], entity: str, entity_id: Any,
    region_code: str | None = None,
) -> bool:
    """Apply a partial update and audit it; an update that changes nothing leaves no trace."""
    before = snapshot(obj)
    obj.sqlmodel_update(changes)
    after = snapshot(obj)
    if after == before:
        return False
    session.flush()
    record(session, actor, "update", entity, entity_id, before=before, after=after,
           region_code=region_code)
    return True


def list_events(session: Session, scope, entity: str | None, entity_id: str | None,
                limit: int, offset: int) -> tuple[list[AuditEvent], int]:
    """Officers read the trail of records in their region; admins and national officers all of it."""
    if scope.role == Role.liaison:
        raise Forbidden("审计记录只对扶贫办工作人员和系统管理员开放")
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if not scope.everything:
        stmt = stmt.where(AuditEvent.region_code.startswith(prefix_of(scope.region_code)))
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total
