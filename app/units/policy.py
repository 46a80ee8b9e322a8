"""Who sees and who edits a helping unit."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlmodel import Session, col, select

from app.auth.policy import Principal, paired_in_scope
from app.errors import Forbidden, NotFound
from app.pairings.models import Pairing
from app.units.models import IDENTITY_FIELDS, Unit


def unit_clause(principal: Principal) -> ColumnElement[bool]:
    """Units work across the country: every officer may find any unit to pair it; a liaison sees
    only its own."""
    if principal.is_liaison:
        return col(Unit.id) == principal.unit_id
    return true()


def require_registrar(principal: Principal) -> None:
    principal.require(principal.may_register, "信息联络员不能登记帮扶单位")


@dataclass
class UnitAccess:
    session: Session
    principal: Principal
    unit: Unit

    @cached_property
    def may_edit(self) -> bool:
        return _may_edit(self.session, self.principal, self.unit)

    def require_edit(self, changes: Mapping[str, Any]) -> None:
        """The unit's liaisons edit its contact details, never what registers it; officers edit
        units that work in their region."""
        self.principal.require(self.may_edit, "只能修改在本区划结对的帮扶单位")
        if self.principal.is_liaison:
            touched = [f for f in IDENTITY_FIELDS if f in changes and changes[f] != getattr(self.unit, f)]
            if touched:
                raise Forbidden("信息联络员只能修改本单位的联系信息；单位名称、单位类型和统一社会信用代码"
                                "由扶贫办登记和修改")


def _may_edit(session: Session, principal: Principal, unit: Unit) -> bool:
    assert unit.id is not None
    if principal.everything or (principal.is_liaison and principal.unit_id == unit.id):
        return True
    if not principal.is_officer:
        return False
    # A regional officer edits a unit that works in its region, or one not yet paired anywhere.
    if session.exec(select(Pairing.id).where(Pairing.unit_id == unit.id).limit(1)).first() is None:
        return True
    return paired_in_scope(session, principal, unit.id)


def unit_access(session: Session, principal: Principal, unit_id: int) -> UnitAccess:
    """The unit, if the principal sees it (404 otherwise), and what it may do to it."""
    unit = session.exec(select(Unit).where(Unit.id == unit_id, unit_clause(principal))).first()
    if unit is None:
        raise NotFound(f"帮扶单位 {unit_id} 不存在或不在您的管辖范围内")
    return UnitAccess(session, principal, unit)
