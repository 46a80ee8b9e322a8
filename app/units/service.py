"""Registering and reading helping units."""

from sqlalchemy import func, select
from sqlmodel import Session

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import Role, User
from app.auth.scope import Scope, scope_of, village_clause
from app.common import paginate
from app.errors import Conflict, Forbidden, NotFound
from app.pairings.models import Pairing
from app.regions.models import Village
from app.units.models import Unit, UnitCreate, UnitPublic, UnitUpdate

MIN_LIAISONS = 2  # 003 §三(一)1: at least two liaisons a unit


def liaison_counts(session: Session, unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    rows = session.execute(
        select(User.unit_id, func.count())
        .where(User.role == Role.liaison, User.active, User.unit_id.in_(unit_ids))
        .group_by(User.unit_id)
    ).all()
    return dict(rows)


def to_public(unit: Unit, liaisons: int) -> UnitPublic:
    return UnitPublic(**unit.model_dump(), liaison_count=liaisons)


def _unit_clause(scope: Scope):
    # Units work across the country: every officer may find any unit to pair it; a liaison sees
    # only its own.
    if scope.role == Role.liaison:
        return Unit.id == scope.unit_id
    return Unit.id.is_not(None)


def _check_unique(session: Session, name: str | None, credit_code: str | None, own_id: int | None):
    if name is not None:
        other = session.scalars(select(Unit).where(Unit.name == name, Unit.id != own_id)).first()
        if other is not None:
            raise Conflict(f"帮扶单位名称“{name}”已登记（编号 {other.id}）")
    if credit_code is not None:
        other = session.scalars(
            select(Unit).where(Unit.credit_code == credit_code, Unit.id != own_id)
        ).first()
        if other is not None:
            raise Conflict(f"统一社会信用代码 {credit_code} 已被“{other.name}”使用")


def create_unit(session: Session, actor: User, data: UnitCreate) -> Unit:
    if actor.role == Role.liaison:
        raise Forbidden("信息联络员不能登记帮扶单位")
    _check_unique(session, data.name, data.credit_code, None)
    unit = Unit(**data.model_dump())
    session.add(unit)
    session.flush()
    record(session, actor, "create", "unit", unit.id, after=snapshot(unit))
    return unit


def list_units(session: Session, scope: Scope, limit: int, offset: int) -> tuple[list[Unit], int]:
    stmt = select(Unit).where(_unit_clause(scope)).order_by(Unit.id)
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total


def get_unit(session: Session, scope: Scope, unit_id: int) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.id == unit_id, _unit_clause(scope))).first()
    if unit is None:
        raise NotFound(f"帮扶单位 {unit_id} 不存在或不在您的管辖范围内")
    return unit


def _may_edit(session: Session, actor: User, unit: Unit) -> bool:
    scope = scope_of(actor)
    if scope.everything or (actor.role == Role.liaison and actor.unit_id == unit.id):
        return True
    if actor.role != Role.officer:
        return False
    # A regional officer edits a unit that works in its region, or one not yet paired anywhere.
    pairings = select(Pairing.id).join(Village).where(Pairing.unit_id == unit.id)
    if session.scalars(pairings.limit(1)).first() is None:
        return True
    return session.scalars(pairings.where(village_clause(scope)).limit(1)).first() is not None


def update_unit(session: Session, actor: User, unit_id: int, data: UnitUpdate) -> Unit:
    unit = get_unit(session, scope_of(actor), unit_id)
    if not _may_edit(session, actor, unit):
        raise Forbidden("只能修改在本区划结对的帮扶单位")
    changes = data.model_dump(exclude_unset=True)
    _check_unique(session, changes.get("name"), changes.get("credit_code"), unit.id)
    update_recorded(session, actor, unit, changes, "unit", unit.id)
    return unit
