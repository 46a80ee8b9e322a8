"""Registering and reading helping units."""

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import User
from app.auth.policy import Principal, active_liaisons, liaisons, village_clause
from app.common import page_of
from app.config import Settings
from app.errors import Conflict, Invalid
from app.pairings.models import Pairing
from app.regions.models import Village
from app.units.models import Unit, UnitCreate, UnitPublic, UnitUpdate
from app.units.policy import UnitAccess, require_registrar, unit_clause

MIN_LIAISONS = 2  # 003 §三(一)1: at least two liaisons a unit


def liaisons_of(session: Session, unit_ids: set[int] | list[int], *,
                with_inactive: bool = False) -> dict[int, list[User]]:
    """The active liaisons of each unit (and the deactivated ones too, `with_inactive`), in the
    order they were registered."""
    out: dict[int, list[User]] = {}
    if not unit_ids:
        return out
    which = liaisons if with_inactive else active_liaisons
    users = session.exec(select(User).where(which(list(unit_ids))).order_by(col(User.id)))
    for user in users:
        assert user.unit_id is not None
        out.setdefault(user.unit_id, []).append(user)
    return out


def liaison_counts(session: Session, unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    rows = session.exec(
        select(User.unit_id, func.count())
        .where(active_liaisons(unit_ids))
        .group_by(col(User.unit_id))
    ).all()
    return {unit_id: n for unit_id, n in rows if unit_id is not None}


def to_public(unit: Unit, liaisons: int) -> UnitPublic:
    return UnitPublic(**unit.model_dump(exclude={"wecom_webhook"}), liaison_count=liaisons,
                      wecom_robot=bool(unit.wecom_webhook))


def set_wecom_robot(session: Session, settings: Settings, access: UnitAccess, url: str | None) -> Unit:
    """The unit's liaisons (or an admin) set its 企业微信 group robot. Only 企业微信's own webhook
    address is taken: the server posts to it, so it must not be made to post anywhere else. The
    trail records that it changed, never its key."""
    unit, principal = access.unit, access.principal
    assert unit.id is not None
    principal.require(principal.is_admin or principal.is_liaison_of(unit.id),
                      "只有本单位的信息联络员可以设置企业微信群机器人")
    url = (url or "").strip() or None
    prefix = settings.wecom_webhook_prefix
    if url is not None and (not url.startswith(prefix) or len(url) == len(prefix) or any(c.isspace() for c in url)):
        raise Invalid.one(["body", "webhook_url"], f"企业微信群机器人的 Webhook 地址应以 {prefix} 开头，后接机器人的 key")
    before = {"wecom_robot": bool(unit.wecom_webhook)}
    unit.wecom_webhook = url
    session.flush()
    record(session, principal, "update", "unit", unit.id, before=before, after={"wecom_robot": url is not None})
    return unit


def unit_public(session: Session, unit: Unit) -> UnitPublic:
    assert unit.id is not None
    return to_public(unit, liaison_counts(session, [unit.id]).get(unit.id, 0))


def _check_unique(session: Session, name: str | None, credit_code: str | None, own_id: int | None) -> None:
    if name is not None:
        other = session.exec(select(Unit).where(Unit.name == name, col(Unit.id) != own_id)).first()
        if other is not None:
            raise Conflict(f"帮扶单位名称“{name}”已登记（编号 {other.id}）")
    if credit_code is not None:
        other = session.exec(select(Unit).where(Unit.credit_code == credit_code, col(Unit.id) != own_id)).first()
        if other is not None:
            raise Conflict(f"统一社会信用代码 {credit_code} 已被“{other.name}”使用")


def create_unit(session: Session, actor: Principal, data: UnitCreate) -> Unit:
    require_registrar(actor)
    _check_unique(session, data.name, data.credit_code, None)
    unit = Unit(**data.model_dump())
    session.add(unit)
    session.flush()
    record(session, actor, "create", "unit", unit.id, after=snapshot(unit))
    return unit


def list_units(session: Session, principal: Principal, limit: int, offset: int) -> tuple[list[Unit], int]:
    stmt = select(Unit).where(unit_clause(principal)).order_by(col(Unit.id))
    return page_of(session, stmt, limit, offset)


def registry_units(session: Session, principal: Principal) -> list[Unit]:
    """The units an officer keeps in its register, by name: those paired in its region (ended
    pairings too) and those not yet paired anywhere, waiting for their first pairing. Admins and
    the national office keep every unit."""
    require_registrar(principal)
    stmt = select(Unit).order_by(col(Unit.name), col(Unit.id))
    if not principal.everything:
        here = (select(Pairing.unit_id).join(Village, col(Village.id) == col(Pairing.village_id))
                .where(village_clause(principal)))
        stmt = stmt.where(or_(col(Unit.id).in_(here), col(Unit.id).not_in(select(Pairing.unit_id))))
    return list(session.exec(stmt))


def update_unit(session: Session, access: UnitAccess, data: UnitUpdate) -> Unit:
    changes = data.model_dump(exclude_unset=True)
    access.require_edit(changes)
    unit = access.unit
    _check_unique(session, changes.get("name"), changes.get("credit_code"), unit.id)
    update_recorded(session, access.principal, unit, changes, "unit", unit.id)
    return unit
