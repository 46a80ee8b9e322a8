"""Which flags a caller sees, and who resolves them: the county (or an admin)."""

from dataclasses import dataclass

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.policy import Principal, pairing_clause
from app.errors import NotFound
from app.pairings.models import Pairing
from app.regions.models import Village
from app.review.models import Flag


def flags_in_scope(principal: Principal) -> SelectOfScalar[Flag]:
    return (select(Flag).join(Pairing, col(Flag.pairing_id) == col(Pairing.id))
            .join(Village, col(Pairing.village_id) == col(Village.id)).where(pairing_clause(principal)))


def require_resolver(principal: Principal) -> None:
    principal.require(principal.reviews, "只有县扶贫办工作人员可以审核计划书和周报")


@dataclass(frozen=True)
class FlagAccess:
    principal: Principal
    flag: Flag

    @property
    def may_resolve(self) -> bool:
        return self.principal.reviews

    def require_resolve(self) -> None:
        require_resolver(self.principal)


def flag_access(session: Session, principal: Principal, flag_id: int) -> FlagAccess:
    flag = session.exec(flags_in_scope(principal).where(Flag.id == flag_id)).first()
    if flag is None:
        raise NotFound(f"存疑数据 {flag_id} 不存在或不在您的管辖范围内")
    return FlagAccess(principal, flag)
