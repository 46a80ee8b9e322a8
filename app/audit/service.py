"""Writing and reading the audit trail. Services call `record` inside the same transaction as the
change; who may read which part of the trail is the caller's policy."""

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, col, select

from app.audit.models import AuditEvent
from app.common import format_decimal, page_of, utcnow

# Never copied into the trail.
SECRET_FIELDS = {"password_hash", "token_hash", "wecom_webhook"}  # a webhook's URL carries its key


class Actor(Protocol):
    """Whoever acts: a user of the application (None is the system itself)."""

    @property
    def id(self) -> int | None: ...

    @property
    def username(self) -> str: ...


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def snapshot_of(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """`snapshot` of a record not loaded as an object: its columns' values by name."""
    return {name: _jsonable(values[name]) for name in model.model_fields if name not in SECRET_FIELDS}


def snapshot(obj: SQLModel | None, leave_out: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """The record's fields as the trail keeps them (never a secret), less those in `leave_out`."""
    if obj is None:
        return None
    return {
        name: _jsonable(getattr(obj, name))
        for name in type(obj).model_fields
        if name not in SECRET_FIELDS and name not in leave_out
    }


def event_values(
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    region_code: str | None = None,
    actor_name: str | None = None,
) -> dict[str, Any]:
    """An event's columns, for `record` or, many at once, `record_all`."""
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor": actor_name or (actor.username if actor is not None else "system"),
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "region_code": region_code,
        "before": dict(before) if before is not None else None,
        "after": dict(after) if after is not None else None,
    }


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    region_code: str | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    event = AuditEvent(**event_values(actor, action, entity, entity_id, before, after, region_code, actor_name))
    session.add(event)
    return event


# The columns `event_values` gives, in COPY's order; the JSON ones go as text.
_COPIED = ("at", "actor_id", "actor", "action", "entity", "entity_id", "region_code", "before", "after")
_AS_JSON = frozenset({"before", "after"})


def record_all(session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """Many events (`event_values`), after what the session holds, in the session's transaction:
    on PostgreSQL by COPY (a 5,000-row import spent a quarter of its time in psycopg parsing the
    batched INSERTs' parameters), elsewhere in one batched INSERT."""
    if not events:
        return
    session.flush()
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(AuditEvent.__table__), list(events))  # type: ignore[attr-defined]
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY audit_event ({', '.join(_COPIED)}) FROM STDIN") as copy:
        for event in events:
            copy.write_row([json.dumps(event[name]) if name in _AS_JSON and event[name] is not None
                            else event[name] for name in _COPIED])


def update_recorded(
    session: Session, actor: Actor | None, obj: SQLModel, changes: Mapping[str, Any], entity: str,
    entity_id: object, region_code: str | None = None,
) -> bool:
    """Apply a partial update and audit it; an update that changes nothing leaves no trace. A
    changed secret (a new password) is recorded by name, never by value."""
    before = snapshot(obj)
    secrets = sorted(name for name in SECRET_FIELDS
                     if name in changes and changes[name] != getattr(obj, name, None))
    obj.sqlmodel_update(dict(changes))
    after = snapshot(obj)
    if after == before and not secrets:
        return False
    session.flush()
    if secrets:
        after = {**(after or {}), "changed_secrets": secrets}
    record(session, actor, "update", entity, entity_id, before=before, after=after,
           region_code=region_code)
    return True


def list_events(session: Session, region_prefix: str | None, entity: str | None,
                entity_id: str | None, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
    """The trail, newest first; with `region_prefix`, only the records of that region."""
    stmt = select(AuditEvent).order_by(col(AuditEvent.id).desc())
    if region_prefix is not None:
        stmt = stmt.where(col(AuditEvent.region_code).startswith(region_prefix))
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return page_of(session, stmt, limit, offset)
