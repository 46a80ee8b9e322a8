"""A pairing as its caller may see it, and what the caller may do with it, its plan and its
reports: the one place that decides who writes a unit's figures and who reviews them."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.auth.policy import Principal, pairing_clause
from app.common import chunked
from app.errors import Forbidden, NotFound
from app.pairings.models import Pairing, Plan
from app.regions.models import Village
from app.units.models import Unit

PLAN_WRITE, REPORT_WRITE = "填写该结对的计划书", "填报该结对的周报"  # what require_write refuses
READ_ONLY = ("市级、省级和国务院扶贫办只查看数据：结对帮扶计划书和每周项目进展由帮扶单位的信息联络员填报，"
             "或由县扶贫办代为填报")


def require_registrar(principal: Principal) -> None:
    principal.require(principal.may_register, "只有扶贫办工作人员可以登记或修改结对")


def require_village_in_scope(principal: Principal, village: Village) -> None:
    if not principal.contains_code(village.code):
        raise Forbidden(f"村 {village.code} 不在您的管辖区划 {principal.region_code} 之内")


@dataclass(frozen=True)
class PairingAccess:
    principal: Principal
    pairing: Pairing
    village: Village
    unit: Unit
    plan: Plan | None

    @property
    def id(self) -> int:
        assert self.pairing.id is not None
        return self.pairing.id

    @property
    def county_code(self) -> str:
        return self.village.county_code

    @property
    def may_edit(self) -> bool:
        """Change the agreement itself: end it, extend it (officers and admins in scope)."""
        return self.principal.may_register

    @property
    def may_write(self) -> bool:
        """Fill in the plan and the weekly reports: the unit's liaisons, or the county (or an
        admin) on the unit's behalf."""
        return self.principal.may_file_for(self.pairing.unit_id)

    @property
    def on_behalf(self) -> bool:
        """Writing the unit's figures for it, as the county (or an admin) may."""
        return self.may_write and self.principal.files_on_behalf(self.pairing.unit_id)

    @property
    def may_review(self) -> bool:
        """Confirm or return the plan, approve or return reports: the county (or an admin)."""
        return self.principal.reviews

    def require_edit(self) -> None:
        require_registrar(self.principal)

    def require_write(self, what: str) -> None:
        """`what`: the verb and the record refused, 填写该结对的计划书 or 填报该结对的周报."""
        if not self.may_write:
            raise Forbidden(f"无权{what}" if self.principal.is_liaison else READ_ONLY)

    def require_review(self) -> None:
        self.principal.require(self.may_review, "只有县扶贫办工作人员可以审核计划书和周报")


def pairings_in_scope(principal: Principal) -> Select[Pairing, Village, Unit]:
    return (
        select(Pairing, Village, Unit)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .where(pairing_clause(principal))
    )


def not_found(pairing_id: int) -> NotFound:
    return NotFound(f"结对 {pairing_id} 不存在或不在您的管辖范围内")


def _with_plan(principal: Principal) -> Select[Pairing, Village, Unit, Plan]:
    return (
        select(Pairing, Village, Unit, Plan)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .outerjoin(Plan, col(Plan.pairing_id) == col(Pairing.id))
        .where(pairing_clause(principal))
    )


def _locking(stmt: Select[Pairing, Village, Unit, Plan], lock: bool) -> Select[Pairing, Village, Unit, Plan]:
    """`lock`: the pairing rows locked to the end of the transaction (FOR NO KEY UPDATE, which a
    report's or flag's foreign key does not wait for), in id order, and read as they stand under
    the lock. Every write that changes a pairing's figures holds it, so the rollup's differences
    (app.rollups) are computed from what no other writer is changing."""
    if not lock:
        return stmt
    return (stmt.with_for_update(key_share=True, of=Pairing).order_by(col(Pairing.id))
            .execution_options(populate_existing=True))


def pairing_accesses(session: Session, principal: Principal, pairing_ids: Iterable[int],
                     lock: bool = False) -> dict[int, PairingAccess]:
    """Many pairings as `pairing_access` gives one, by id; those the principal does not see are
    left out."""
    found: dict[int, PairingAccess] = {}
    for ids in chunked(sorted(set(pairing_ids))):
        stmt = _locking(_with_plan(principal).where(col(Pairing.id).in_(ids)), lock)
        for pairing, village, unit, plan in session.exec(stmt):
            assert pairing.id is not None
            found[pairing.id] = PairingAccess(principal, pairing, village, unit, plan)
    return found


def pairing_access(session: Session, principal: Principal, pairing_id: int, lock: bool = False) -> PairingAccess:
    """The pairing with its village, unit and plan, if the principal sees it (404 otherwise);
    `lock`: for a write (see `_locking`)."""
    row = session.exec(_locking(_with_plan(principal).where(col(Pairing.id) == pairing_id), lock)).first()
    if row is None:
        raise not_found(pairing_id)
    pairing, village, unit, plan = row
    return PairingAccess(principal, pairing, village, unit, plan)
