"""Who may register regions and villages, and which villages a caller sees."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.auth.policy import Principal, village_clause
from app.errors import Forbidden, NotFound
from app.regions.models import Village


def require_registrar(principal: Principal) -> None:
    principal.require(principal.may_register, "信息联络员不能登记区划或村")


def require_region_in_scope(principal: Principal, code: str) -> None:
    """An officer registers regions below its own; the national office and admins anywhere."""
    if not principal.contains_strictly(code):
        raise Forbidden(f"区划 {code} 不在您的管辖区划 {principal.region_code} 之下")


def require_village_in_scope(principal: Principal, code: str, county_code: str) -> None:
    if not principal.contains_code(code):
        raise Forbidden(f"村代码 {code} 属于县 {county_code}，不在您的管辖区划 {principal.region_code} 之内")


@dataclass(frozen=True)
class VillageAccess:
    principal: Principal
    village: Village

    @property
    def may_edit(self) -> bool:
        return self.principal.may_register

    def require_edit(self) -> None:
        self.principal.require(self.may_edit, "信息联络员不能登记区划或村")


def village_access(session: Session, principal: Principal, code: str) -> VillageAccess:
    """The village, if the principal sees it (404 otherwise), and what it may do to it."""
    village = session.exec(select(Village).where(Village.code == code, village_clause(principal))).first()
    if village is None:
        raise NotFound(f"村 {code} 不存在或不在您的管辖范围内")
    return VillageAccess(principal, village)
