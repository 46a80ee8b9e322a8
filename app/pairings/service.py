"""Pairings (one active per unit and village, at most five units a village) and their plans."""

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import Role, User
from app.auth.scope import Scope, pairing_clause, scope_of
from app.common import as_utc, paginate, today, utcnow
from app.config import Settings
from app.errors import Conflict, Forbidden, Invalid, NotFound, error
from app.pairings.models import (
    PLAN_STATUS_LABELS,
    ConsumptionOut,
    EmploymentIn,
    IndustryOut,
    Pairing,
    PairingCreate,
    PairingPublic,
    PairingUpdate,
    Plan,
    PlanIn,
    PlanOut,
    PlanStatus,
    StationingIn,
    TrainingIn,
)
from app.regions.models import Village
from app.review import service as review
from app.units.models import Unit

MAX_UNITS_PER_VILLAGE = 5  # 004 §四(一)


def _pairing_query(scope: Scope):
    return (
        select(Pairing, Village, Unit)
        .join(Village, Pairing.village_id == Village.id)
        .join(Unit, Pairing.unit_id == Unit.id)
        .where(pairing_clause(scope))
    )


def to_public(pairing: Pairing, village: Village, unit: Unit, plan_status: str | None) -> PairingPublic:
    return PairingPublic(
        id=pairing.id, unit_id=unit.id, unit=unit.name, village_code=village.code,
        village=village.name, county_code=village.county_code, signed_on=pairing.signed_on,
        committed_funds_wan=pairing.committed_funds_wan, valid_until=pairing.valid_until,
        active=pairing.active, ended_on=pairing.ended_on, plan_status=plan_status,
    )


def get_pairing_row(session: Session, scope: Scope, pairing_id: int) -> tuple[Pairing, Village, Unit]:
    row = session.execute(_pairing_query(scope).where(Pairing.id == pairing_id)).first()
    if row is None:
        raise NotFound(f"结对 {pairing_id} 不存在或不在您的管辖范围内")
    return row.Pairing, row.Village, row.Unit


def get_pairing(session: Session, scope: Scope, pairing_id: int) -> Pairing:
    return get_pairing_row(session, scope, pairing_id)[0]


def plan_statuses(session: Session, pairing_ids: list[int]) -> dict[int, str]:
    if not pairing_ids:
        return {}
    return dict(session.execute(
        select(Plan.pairing_id, Plan.status).where(Plan.pairing_id.in_(pairing_ids))
    ).all())


def list_pairings(
    session: Session, scope: Scope, county_code: str | None, unit_id: int | None,
    active: bool | None, limit: int, offset: int,
) -> tuple[list[PairingPublic], int]:
    stmt = _pairing_query(scope).order_by(Village.code, Pairing.signed_on, Pairing.id)
    if county_code is not None:
        stmt = stmt.where(Village.county_code == county_code)
    if unit_id is not None:
        stmt = stmt.where(Pairing.unit_id == unit_id)
    if active is not None:
        stmt = stmt.where(Pairing.active == active)
    rows, total = paginate(session, stmt, limit, offset)
    statuses = plan_statuses(session, [r.Pairing.id for r in rows])
    return [to_public(r.Pairing, r.Village, r.Unit, statuses.get(r.Pairing.id)) for r in rows], total


def _check_village_capacity(session: Session, village: Village, unit_id: int) -> None:
    # Lock the village row so that two concurrent pairings cannot both be the fifth.
    session.execute(select(Village.id).where(Village.id == village.id).with_for_update())
    active = select(Pairing).where(Pairing.village_id == village.id, Pairing.active)
    if session.scalars(active.where(Pairing.unit_id == unit_id)).first() is not None:
        raise Conflict(f"该帮扶单位与村 {village.code}（{village.name}）已有有效的结对")
    count = session.scalar(select(func.count()).select_from(active.subquery()))
    if count >= MAX_UNITS_PER_VILLAGE:
        raise Conflict(
            f"村 {village.code}（{village.name}）已有 {count} 家有效结对帮扶单位，"
            f"每村最多 {MAX_UNITS_PER_VILLAGE} 家"
        )


def _require_officer(actor: User) -> Scope:
    if actor.role not in (Role.admin, Role.officer):
        raise Forbidden("只有扶贫办工作人员可以登记或修改结对")
    return scope_of(actor)


def create_pairing(session: Session, settings: Settings, actor: User, data: PairingCreate) -> Pairing:
    scope = _require_officer(actor)
    errors = []
    village = session.scalars(select(Village).where(Village.code == data.village_code)).first()
    if village is None:
        errors.append(error(["body", "village_code"], f"村 {data.village_code} 不存在，请先登记该村"))
    unit = session.get(Unit, data.unit_id)
    if unit is None:
        errors.append(error(["body", "unit_id"], f"帮扶单位 {data.unit_id} 不存在"))
    valid_until = data.valid_until or settings.campaign_end
    if valid_until < data.signed_on:
        errors.append(error(["body", "valid_until"], f"有效期至 {valid_until} 早于签订日期 {data.signed_on}"))
    if errors:
        raise Invalid(errors)
    if not scope.contains_code(village.code):
        raise Forbidden(f"村 {village.code} 不在您的管辖区划 {scope.region_code} 之内")
    _check_village_capacity(session, village, unit.id)
    pairing = Pairing(
        unit_id=unit.id, village_id=village.id, signed_on=data.signed_on,
        committed_funds_wan=data.committed_funds_wan, valid_until=valid_until,
    )
    session.add(pairing)
    session.flush()
    record(session, actor, "create", "pairing", pairing.id, after=snapshot(pairing),
           region_code=village.county_code)
    return pairing


def update_pairing(session: Session, settings: Settings, actor: User, pairing_id: int,
                   data: PairingUpdate) -> Pairing:
    pairing, village, _unit = get_pairing_row(session, scope_of(actor), pairing_id)
    _require_officer(actor)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("valid_until") and changes["valid_until"] < pairing.signed_on:
        raise Invalid.one(["body", "valid_until"],
                          f"有效期至 {changes['valid_until']} 早于签订日期 {pairing.signed_on}")
    if changes.get("active") and not pairing.active:
        _check_village_capacity(session, village, pairing.unit_id)
        changes["ended_on"] = None
    elif changes.get("active") is False and pairing.active:
        changes["ended_on"] = today(settings)
    update_recorded(session, actor, pairing, changes, "pairing", pairing.id, village.county_code)
    return pairing


# --- plans ---------------------------------------------------------------------------------


def plan_errors(data: PlanIn) -> list[dict]:
    """The rules of annex 2 that tie fields together; each error names the field to fix."""
    errors = []
    ind, con, emp, sta = data.industry, data.consumption, data.employment, data.stationing
    if ind.has_project and not ind.project_plan.strip():
        errors.append(error(["body", "industry", "project_plan"],
                            "有相关项目时必须填写促进产业扶贫计划", "missing"))
    parts = con.self_purchase_wan + con.market_link_wan
    if parts > con.sales_target_wan:
        errors.append(error(
            ["body", "consumption", "sales_target_wan"],
            f"帮扶单位自购（{con.self_purchase_wan}）与链接市场销售（{con.market_link_wan}）之和 "
            f"{parts} 超过计划销售收入 {con.sales_target_wan}",
        ))
    jobs = emp.unit_jobs + emp.outside_jobs + emp.entrepreneurship_jobs + emp.public_welfare_jobs
    if jobs > emp.jobs_target:
        errors.append(error(
            ["body", "employment", "jobs_target"],
            f"帮扶单位用工、外出就业、创业就业、公益岗位之和 {jobs} 人超过计划解决就业 {emp.jobs_target} 人",
        ))
    if not sta.will_station:
        if sta.stationed_target:
            errors.append(error(["body", "stationing", "stationed_target"],
                                "选择不派驻村力量时，计划驻村人数应为 0"))
        if sta.members:
            errors.append(error(["body", "stationing", "members"],
                                "选择不派驻村力量时，不应填写驻村人员名单"))
        if sta.start_date is not None:
            errors.append(error(["body", "stationing", "start_date"],
                                "选择不派驻村力量时，不应填写驻村人员入村时间"))
    else:
        if sta.stationed_target < 1:
            errors.append(error(["body", "stationing", "stationed_target"],
                                "选择派驻村力量时，计划驻村人数至少为 1 人"))
        if len(sta.members) > sta.stationed_target:
            errors.append(error(
                ["body", "stationing", "members"],
                f"驻村人员名单有 {len(sta.members)} 人，多于计划驻村人数 {sta.stationed_target} 人",
            ))
        if sta.start_date is None:
            errors.append(error(["body", "stationing", "start_date"],
                                "选择派驻村力量时，必须填写驻村人员入村时间（以第一个人为准）", "missing"))
    return errors


def plan_out(plan: Plan) -> PlanOut:
    return PlanOut(
        pairing_id=plan.pairing_id,
        industry=IndustryOut(
            planned_funds_wan=plan.planned_funds_wan, planned_materials_wan=plan.planned_materials_wan,
            usage_plan=plan.usage_plan, has_project=plan.has_project, project_plan=plan.project_plan,
        ),
        consumption=ConsumptionOut(
            sales_target_wan=plan.sales_target_wan, self_purchase_wan=plan.self_purchase_wan,
            market_link_wan=plan.market_link_wan,
        ),
        employment=EmploymentIn(
            jobs_target=plan.jobs_target, unit_jobs=plan.unit_jobs, outside_jobs=plan.outside_jobs,
            entrepreneurship_jobs=plan.entrepreneurship_jobs,
            public_welfare_jobs=plan.public_welfare_jobs,
        ),
        training=TrainingIn(trainees_target=plan.trainees_target, training_plan=plan.training_plan),
        stationing=StationingIn(
            will_station=plan.will_station, stationed_target=plan.stationed_target,
            members=list(plan.members), start_date=plan.start_date,
        ),
        status=plan.status, return_reason=plan.return_reason, version=plan.version,
        # SQLite hands back naive datetimes: say they are UTC, as PostgreSQL does.
        updated_at=as_utc(plan.updated_at),
        submitted_at=plan.submitted_at and as_utc(plan.submitted_at),
        confirmed_at=plan.confirmed_at and as_utc(plan.confirmed_at),
    )


def flat_plan(data: PlanIn) -> dict:
    flat = {}
    for measure in ("industry", "consumption", "employment", "training", "stationing"):
        flat.update(getattr(data, measure).model_dump())
    return flat


def get_plan(session: Session, scope: Scope, pairing_id: int) -> Plan:
    get_pairing(session, scope, pairing_id)
    plan = session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()
    if plan is None:
        raise NotFound(f"结对 {pairing_id} 尚未填写结对帮扶计划书")
    return plan


def _may_write_plan(actor: User, pairing: Pairing) -> bool:
    if actor.role == Role.liaison:
        return actor.unit_id == pairing.unit_id
    return True  # officers and admins reached the pairing through their scope


def put_plan(
    session: Session, settings: Settings, actor: User, pairing_id: int, data: PlanIn,
    now: datetime | None = None,
) -> tuple[Plan, bool]:
    """Create or replace the plan; (plan, created). Editing a confirmed plan re-opens it."""
    pairing, village, _unit = get_pairing_row(session, scope_of(actor), pairing_id)
    if not _may_write_plan(actor, pairing):
        raise Forbidden("无权填写该结对的计划书")
    errors = plan_errors(data)
    if errors:
        raise Invalid(errors)
    values = flat_plan(data)
    plan = session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()
    now = now or utcnow()
    if plan is None:
        plan = Plan(pairing_id=pairing_id, updated_at=now, **values)
        session.add(plan)
        session.flush()
        record(session, actor, "create", "plan", plan.id, after=snapshot(plan),
               region_code=village.county_code)
        review.check_plan(session, settings, actor, plan, village.county_code)
        return plan, True
    before = snapshot(plan)
    plan.sqlmodel_update(values)
    if snapshot(plan) == before:
        return plan, False  # the same form saved twice changes nothing
    plan.version += 1
    plan.updated_at = now
    if plan.status == PlanStatus.confirmed:
        plan.status, plan.confirmed_at, plan.submitted_at = PlanStatus.submitted, None, now
    session.flush()
    record(session, actor, "update", "plan", plan.id, before=before, after=snapshot(plan),
           region_code=village.county_code)
    review.check_plan(session, settings, actor, plan, village.county_code)
    return plan, False


def _transition(
    session: Session, actor: User, pairing_id: int, allowed_from: tuple[PlanStatus, ...],
    to: PlanStatus, officer_only: bool, reason: str | None = None, now: datetime | None = None,
) -> Plan:
    scope = scope_of(actor)
    pairing, village, _unit = get_pairing_row(session, scope, pairing_id)
    plan = get_plan(session, scope, pairing_id)
    if officer_only:
        review.require_county_reviewer(actor)
    if not officer_only and not _may_write_plan(actor, pairing):
        raise Forbidden("无权提交该结对的计划书")
    if plan.status not in allowed_from:
        raise Conflict(f"计划书当前状态为“{PLAN_STATUS_LABELS[plan.status]}”，"
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
    record(session, actor, "state", "plan", plan.id, before=before, after=snapshot(plan),
           region_code=village.county_code)
    return plan


def submit_plan(session: Session, actor: User, pairing_id: int) -> Plan:
    return _transition(session, actor, pairing_id, (PlanStatus.draft, PlanStatus.returned),
                       PlanStatus.submitted, officer_only=False)


def confirm_plan(session: Session, actor: User, pairing_id: int) -> Plan:
    return _transition(session, actor, pairing_id, (PlanStatus.submitted,), PlanStatus.confirmed,
                       officer_only=True)


def return_plan(session: Session, actor: User, pairing_id: int, reason: str) -> Plan:
    return _transition(session, actor, pairing_id, (PlanStatus.submitted,), PlanStatus.returned,
                       officer_only=True, reason=reason)
