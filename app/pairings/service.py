"""Pairings (one active per unit and village, at most five units a village) and their plans."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, func, select

from app.audit.service import record, snapshot, update_recorded
from app.auth.policy import Principal
from app.catalogue import entry
from app.common import clock_now, count, today, utcnow
from app.config import Settings
from app.db import insert_unless_exists
from app.errors import Conflict, Invalid, NotFound, error
from app.notices import service as notices
from app.pairings.models import (
    PLAN_STATUS_LABELS,
    Pairing,
    PairingCreate,
    PairingPublic,
    PairingUpdate,
    Plan,
    PlanIn,
    PlanStatus,
    plan_columns,
)
from app.pairings.policy import (
    PLAN_WRITE,
    PairingAccess,
    pairings_in_scope,
    require_registrar,
    require_village_in_scope,
)
from app.regions.models import Village
from app.reports.models import Report
from app.rollups import service as rollups
from app.units.models import Unit
from app.units.service import liaisons_of

MAX_UNITS_PER_VILLAGE = 5  # 004 §四(一)


def _n(key: str, brief: bool = False) -> str:
    """A field's name inside a sentence, as the catalogue has it."""
    found = entry(key)
    return found.brief if brief else found.name


def to_public(pairing: Pairing, village: Village, unit: Unit, plan_status: str | None,
              predecessor_id: int | None = None) -> PairingPublic:
    assert pairing.id is not None and unit.id is not None
    return PairingPublic(
        id=pairing.id, unit_id=unit.id, unit=unit.name, village_code=village.code,
        village=village.name, county_code=village.county_code, signed_on=pairing.signed_on,
        committed_funds_wan=pairing.committed_funds_wan, valid_until=pairing.valid_until,
        active=pairing.active, ended_on=pairing.ended_on, plan_status=plan_status,
        end_reason=pairing.end_reason, successor_id=pairing.successor_id, predecessor_id=predecessor_id,
    )


def predecessors(session: Session, pairing_ids: list[int]) -> dict[int, int]:
    """{pairing id: the pairing it took the village over from} (接力帮扶)."""
    if not pairing_ids:
        return {}
    rows = session.exec(select(Pairing.successor_id, Pairing.id)
                        .where(col(Pairing.successor_id).in_(pairing_ids))).all()
    return {successor: pid for successor, pid in rows if successor is not None and pid is not None}


def access_public(session: Session, access: PairingAccess) -> PairingPublic:
    return to_public(access.pairing, access.village, access.unit,
                     access.plan.status if access.plan else None, predecessors(session, [access.id]).get(access.id))


def plan_statuses(session: Session, pairing_ids: list[int]) -> dict[int, str]:
    if not pairing_ids:
        return {}
    return dict(session.exec(
        select(Plan.pairing_id, Plan.status).where(col(Plan.pairing_id).in_(pairing_ids))
    ).all())


def list_pairings(
    session: Session, principal: Principal, county_code: str | None, unit_id: int | None,
    active: bool | None, limit: int, offset: int,
) -> tuple[list[PairingPublic], int]:
    stmt = pairings_in_scope(principal).order_by(col(Village.code), col(Pairing.signed_on), col(Pairing.id))
    if county_code is not None:
        stmt = stmt.where(Village.county_code == county_code)
    if unit_id is not None:
        stmt = stmt.where(Pairing.unit_id == unit_id)
    if active is not None:
        stmt = stmt.where(Pairing.active == active)
    rows = session.exec(stmt.limit(limit).offset(offset)).all()
    ids = [p.id for p, _v, _u in rows if p.id is not None]
    statuses, before = plan_statuses(session, ids), predecessors(session, ids)
    items = [to_public(p, v, u, statuses.get(p.id or 0), before.get(p.id or 0)) for p, v, u in rows]
    return items, count(session, stmt)


def active_counts(session: Session, village_ids: list[int]) -> dict[int, int]:
    """{village id: its active pairings}, for the five-units-a-village rule on a page."""
    if not village_ids:
        return {}
    rows = session.exec(select(Pairing.village_id, func.count()).where(
        col(Pairing.village_id).in_(village_ids), col(Pairing.active)).group_by(col(Pairing.village_id))).all()
    return dict(rows)


def _check_village_capacity(session: Session, village: Village, unit_id: int) -> None:
    # Lock the village row so that two concurrent pairings cannot both be the fifth.
    session.exec(select(Village.id).where(Village.id == village.id).with_for_update()).first()
    active = select(Pairing).where(Pairing.village_id == village.id, col(Pairing.active))
    if session.exec(active.where(Pairing.unit_id == unit_id)).first() is not None:
        raise Conflict(f"该帮扶单位与村 {village.code}（{village.name}）已有有效的结对")
    n = count(session, active)
    if n >= MAX_UNITS_PER_VILLAGE:
        raise Conflict(
            f"村 {village.code}（{village.name}）已有 {n} 家有效结对帮扶单位，"
            f"每村最多 {MAX_UNITS_PER_VILLAGE} 家"
        )


def create_pairing(session: Session, settings: Settings, actor: Principal, data: PairingCreate) -> Pairing:
    require_registrar(actor)
    errors = []
    village = session.exec(select(Village).where(Village.code == data.village_code)).first()
    if village is None:
        errors.append(error(["body", "village_code"], f"村 {data.village_code} 不存在，请先登记该村"))
    unit = session.get(Unit, data.unit_id)
    if unit is None:
        errors.append(error(["body", "unit_id"], f"帮扶单位 {data.unit_id} 不存在"))
    valid_until = data.valid_until or settings.campaign_end
    if valid_until < data.signed_on:
        errors.append(error(["body", "valid_until"],
                            f"{_n('valid_until')} {valid_until} 早于{_n('signed_on')} {data.signed_on}"))
    if errors or village is None or unit is None or unit.id is None:
        raise Invalid(errors)
    require_village_in_scope(actor, village)
    _check_village_capacity(session, village, unit.id)
    assert village.id is not None
    pairing = Pairing(
        unit_id=unit.id, village_id=village.id, signed_on=data.signed_on,
        committed_funds_wan=data.committed_funds_wan, valid_until=valid_until,
    )
    session.add(pairing)
    session.flush()
    record(session, actor, "create", "pairing", pairing.id, after=snapshot(pairing),
           region_code=village.county_code)
    rollups.record_change(session, settings, village.county_code, village.province_code, rollups.State(None),
                          rollups.State(rollups.Term.of(pairing)))
    return pairing


def update_pairing(session: Session, settings: Settings, access: PairingAccess, data: PairingUpdate) -> Pairing:
    """Extend, correct or end the agreement. Ending may give why and the unit that takes the
    village over (接力帮扶): its active pairing with the village, or one signed on the end date in
    the same transaction (the five-unit rule applies to it as to any). Reactivating a pairing
    ended by mistake forgets why it ended and who took over (the successor's pairing stays)."""
    access.require_edit()
    pairing = access.pairing
    changes = data.model_dump(exclude_unset=True)
    successor_unit = changes.pop("successor_unit_id", None)
    successor_funds = changes.pop("successor_committed_funds_wan", None)
    if changes.get("valid_until") and changes["valid_until"] < pairing.signed_on:
        raise Invalid.one(["body", "valid_until"],
                          f"{_n('valid_until')} {changes['valid_until']} 早于{_n('signed_on')} {pairing.signed_on}")
    ending = changes.get("active") is False or (not pairing.active and changes.get("active") is not True)
    if not ending:
        _refuse_end_fields(data, END_FIELDS, MAY_NOT_RESUME)
    elif successor_unit is None:
        _refuse_end_fields(data, ("successor_committed_funds_wan",), FUNDS_WITHOUT_SUCCESSOR)
    if changes.get("active") and not pairing.active:
        _check_village_capacity(session, access.village, pairing.unit_id)
        changes.update(ended_on=None, end_reason=None, successor_id=None)
    elif changes.get("active") is False and pairing.active:
        changes["ended_on"] = today(settings)
    successor = None
    if successor_unit is not None:
        successor = _successor_unit(session, access, successor_unit, successor_funds)
    before = rollups.Term.of(pairing)
    update_recorded(session, access.principal, pairing, changes, "pairing", pairing.id, access.county_code)
    if rollups.Term.of(pairing) != before:
        # The weeks it is in force during changed: all its figures move with it (read after the
        # pairing's lock, which every writer of its plan and reports holds).
        marks = rollups.marks_of(session.exec(select(Report).where(Report.pairing_id == pairing.id)))
        plan = rollups.plan_vector(session.exec(select(Plan).where(Plan.pairing_id == pairing.id)).first())
        rollups.record_change(session, settings, access.county_code, access.village.province_code,
                              rollups.State(before, plan, marks), rollups.State(rollups.Term.of(pairing), plan, marks))
    if successor is not None:
        # After the pairing has ended: it no longer counts among the village's five.
        taken_over = successor.pairing or create_pairing(session, settings, access.principal, PairingCreate(
            unit_id=successor.unit_id, village_code=access.village.code,
            signed_on=pairing.ended_on or today(settings), committed_funds_wan=successor.funds or Decimal(0)))
        update_recorded(session, access.principal, pairing, {"successor_id": taken_over.id}, "pairing",
                        pairing.id, access.county_code)
    return pairing


END_FIELDS = ("end_reason", "successor_unit_id", "successor_committed_funds_wan")
MAY_NOT_RESUME = "终止原因和接力帮扶单位只能在终止结对时填写（请同时提交 active: false）"
FUNDS_WITHOUT_SUCCESSOR = "只有指定接力帮扶单位（successor_unit_id）时才填写接力单位至少投入扶贫资金"


def _refuse_end_fields(data: PairingUpdate, names: tuple[str, ...], message: str) -> None:
    given = [name for name in names if name in data.model_fields_set]
    if given:
        raise Invalid([error(["body", name], message) for name in given])


@dataclass(frozen=True)
class _Successor:
    unit_id: int
    pairing: Pairing | None  # its active pairing with the village, when it has one
    funds: Decimal | None


def _successor_unit(session: Session, access: PairingAccess, unit_id: int, funds: Decimal | None) -> _Successor:
    """The unit that takes the village over, checked before anything changes."""
    pairing, village = access.pairing, access.village
    if pairing.successor_id is not None:
        raise Conflict(f"结对 {pairing.id} 已由结对 {pairing.successor_id} 接力帮扶")
    if unit_id == pairing.unit_id:
        raise Invalid.one(["body", "successor_unit_id"], "接力帮扶单位不能是终止结对的原帮扶单位")
    if session.get(Unit, unit_id) is None:
        raise Invalid.one(["body", "successor_unit_id"], f"帮扶单位 {unit_id} 不存在")
    current = session.exec(select(Pairing).where(Pairing.village_id == village.id, Pairing.unit_id == unit_id,
                                                 col(Pairing.active))).first()
    if current is None:
        if funds is None:
            raise Invalid.one(["body", "successor_committed_funds_wan"],
                              f"接力帮扶单位尚未与村 {village.code}（{village.name}）结对：请填写"
                              f"{_n('successor_committed_funds_wan')}，将以终止日期签订新的结对", "missing")
        return _Successor(unit_id, None, funds)
    if funds is not None:
        raise Invalid.one(["body", "successor_committed_funds_wan"],
                          f"接力帮扶单位已与村 {village.code} 结对（结对 {current.id}），不应再填写"
                          f"{_n('successor_committed_funds_wan')}")
    taken = session.exec(select(Pairing.id).where(Pairing.successor_id == current.id)).first()
    if taken is not None:
        raise Conflict(f"结对 {current.id} 已是结对 {taken} 的接力帮扶")
    return _Successor(unit_id, current, None)


# --- plans ---------------------------------------------------------------------------------


def plan_errors(data: PlanIn) -> list[dict[str, object]]:
    """The rules of annex 2 that tie fields together; each error names the field to fix."""
    errors = []
    ind, con, emp = data.industry, data.consumption, data.employment
    if ind.has_project and not ind.project_plan.strip():
        errors.append(error(["body", "industry", "project_plan"],
                            f"有相关项目时必须填写{_n('project_plan')}", "missing"))
    parts = con.self_purchase_wan + con.market_link_wan
    if parts > con.sales_target_wan:
        errors.append(error(
            ["body", "consumption", "sales_target_wan"],
            f"{_n('self_purchase_wan')}（{con.self_purchase_wan}）与{_n('market_link_wan')}（{con.market_link_wan}）之和 "
            f"{parts} 超过{_n('sales_target_wan')} {con.sales_target_wan}",
        ))
    jobs = emp.unit_jobs + emp.outside_jobs + emp.entrepreneurship_jobs + emp.public_welfare_jobs
    if jobs > emp.jobs_target:
        errors.append(error(
            ["body", "employment", "jobs_target"],
            f"{_n('unit_jobs')}、{_n('outside_jobs', brief=True)}、{_n('entrepreneurship_jobs')}、"
            f"{_n('public_welfare_jobs')}之和 {jobs} 人超过{_n('jobs_target')} {emp.jobs_target} 人",
        ))
    errors += _stationing_errors(data)
    return errors


def _stationing_errors(data: PlanIn) -> list[dict[str, object]]:
    sta, errors = data.stationing, []
    if not sta.will_station:
        if sta.stationed_target:
            errors.append(error(["body", "stationing", "stationed_target"],
                                f"选择不派驻村力量时，{_n('stationed_target')}应为 0"))
        if sta.members:
            errors.append(error(["body", "stationing", "members"],
                                f"选择不派驻村力量时，不应填写{_n('members')}"))
        if sta.start_date is not None:
            errors.append(error(["body", "stationing", "start_date"],
                                f"选择不派驻村力量时，不应填写{_n('start_date')}"))
        return errors
    if sta.stationed_target < 1:
        errors.append(error(["body", "stationing", "stationed_target"],
                            f"选择派驻村力量时，{_n('stationed_target')}至少为 1 人"))
    if len(sta.members) > sta.stationed_target:
        errors.append(error(
            ["body", "stationing", "members"],
            f"{_n('members')}有 {len(sta.members)} 人，多于{_n('stationed_target')} {sta.stationed_target} 人",
        ))
    if sta.start_date is None:
        errors.append(error(["body", "stationing", "start_date"],
                            f"选择派驻村力量时，必须填写{_n('start_date')}（{entry('start_date').hint}）",
                            "missing"))
    return errors


def require_plan(access: PairingAccess) -> Plan:
    if access.plan is None:
        raise NotFound(f"结对 {access.id} 尚未填写结对帮扶计划书")
    return access.plan


def put_plan(session: Session, settings: Settings, access: PairingAccess, data: PlanIn,
             now: datetime | None = None) -> tuple[Plan, bool, bool]:
    """Create or replace the plan: (plan, created, changed). Editing a confirmed plan re-opens it.
    `access`: locked (app.pairings.policy._locking)."""
    access.require_write(PLAN_WRITE)
    errors = plan_errors(data)
    if errors:
        raise Invalid(errors)
    values = plan_columns(data)
    actor, now = access.principal, now or utcnow()
    plan = _locked_plan(session, access.id)
    if plan is None:
        created = insert_unless_exists(session, Plan(pairing_id=access.id, updated_at=now, updated_by=actor.id,
                                                     **values), ["pairing_id"])
        plan = _locked_plan(session, access.id)
        assert plan is not None
        if created:
            record(session, actor, "create", "plan", plan.id, after=snapshot(plan),
                   region_code=access.county_code)
            _plan_changed(session, settings, access, rollups.ZERO, plan)
            return plan, True, True
    was = rollups.plan_vector(plan)
    before = snapshot(plan)
    plan.sqlmodel_update(values)
    if snapshot(plan) == before:
        return plan, False, False  # the same form saved twice changes nothing
    plan.version += 1
    plan.updated_at, plan.updated_by = now, actor.id
    if plan.status == PlanStatus.confirmed:
        plan.status, plan.confirmed_at, plan.submitted_at = PlanStatus.submitted, None, now
    session.flush()
    record(session, actor, "update", "plan", plan.id, before=before, after=snapshot(plan),
           region_code=access.county_code)
    _plan_changed(session, settings, access, was, plan)
    return plan, False, True


def _plan_changed(session: Session, settings: Settings, access: PairingAccess, was: "rollups.Vector",
                  plan: Plan) -> None:
    """The plan's figures in every week its pairing is in force during."""
    term = rollups.Term.of(access.pairing)
    rollups.record_change(session, settings, access.county_code, access.village.province_code,
                          rollups.State(term, was), rollups.State(term, rollups.plan_vector(plan)))


def _locked_plan(session: Session, pairing_id: int) -> Plan | None:
    """The pairing's plan, locked, and read again under the lock: the county may have confirmed or
    returned it since the access loaded it."""
    return session.exec(select(Plan).where(Plan.pairing_id == pairing_id).with_for_update()
                        .execution_options(populate_existing=True)).first()


def _transition(session: Session, access: PairingAccess, allowed_from: tuple[PlanStatus, ...],
                to: PlanStatus, reason: str | None = None, now: datetime | None = None) -> Plan:
    plan = require_plan(access)
    if plan.status not in allowed_from:
        raise Conflict(f"计划书当前状态为“{PLAN_STATUS_LABELS[PlanStatus(plan.status)]}”，"
                       f"不能变为“{PLAN_STATUS_LABELS[to]}”")
    before = snapshot(plan)
    now = now or utcnow()
    plan.status = to
    if to == PlanStatus.submitted:
        plan.submitted_at, plan.return_reason = now, None
    elif to == PlanStatus.confirmed:
        plan.confirmed_at = now
    elif to == PlanStatus.returned:
        plan.return_reason = reason
    session.flush()
    record(session, access.principal, "state", "plan", plan.id, before=before, after=snapshot(plan),
           region_code=access.county_code)
    return plan


def submit_plan(session: Session, access: PairingAccess) -> Plan:
    require_plan(access)
    access.require_write("提交该结对的计划书")
    return _transition(session, access, (PlanStatus.draft, PlanStatus.returned), PlanStatus.submitted)


def confirm_plan(session: Session, access: PairingAccess) -> Plan:
    require_plan(access)
    access.require_review()
    return _transition(session, access, (PlanStatus.submitted,), PlanStatus.confirmed)


def return_plan(session: Session, settings: Settings, access: PairingAccess, reason: str) -> Plan:
    """Returned to the unit, whose liaisons are told why (they must act)."""
    require_plan(access)
    access.require_review()
    plan = _transition(session, access, (PlanStatus.submitted,), PlanStatus.returned, reason=reason)
    notices.notify(session, settings, liaisons_of(session, [access.pairing.unit_id]).get(access.pairing.unit_id, []),
                   "returned",
                   f"帮扶计划书被退回：{access.village.name}",
                   f"{access.principal.display_name}退回了{access.village.name}（{access.unit.name}）的结对帮扶计划书。"
                   f"退回原因：{reason}。请修改后重新提交。", clock_now(settings), url=f"/pairings/{access.id}/plan",
                   county_code=access.county_code, wecom=access.unit.wecom_webhook)
    return plan
