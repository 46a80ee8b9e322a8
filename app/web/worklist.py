"""What each user opens on (SPEC "Worklists"): the things that are theirs to do this week."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import Role, User
from app.auth.scope import Scope, pairing_clause, scope_of
from app.config import Settings
from app.pairings.models import PLAN_STATUS_LABELS, Pairing, Plan, PlanStatus
from app.regions.models import Level, Region, Village, level_of
from app.reports.models import Report, ReportStatus
from app.review import service as review
from app.review.models import Flag, FlagStatus
from app.stats import service as stats
from app.units.models import Unit
from app.units.service import MIN_LIAISONS, liaison_counts


@dataclass
class PairingTask:
    pairing_id: int
    village: str
    village_code: str
    unit: str
    plan_status: str | None
    plan_status_label: str
    plan_return_reason: str | None
    report_state: str  # due, submitted, late, returned, approved
    report_state_label: str
    report_return_reason: str | None
    last_week: str | None


REPORT_STATE_LABELS = {
    "due": "本周待填报", "submitted": "本周已报送", "late": "本周已报送（逾期）",
    "returned": "已退回，待重新报送", "approved": "县级已审核",
}


def _report_state(report: Report | None) -> str:
    if report is None:
        return "due"
    if report.status == ReportStatus.returned:
        return "returned"
    if report.status == ReportStatus.approved:
        return "approved"
    return "late" if report.late else "submitted"


def liaison_tasks(session: Session, user: User, week: str) -> list[PairingTask]:
    rows = session.execute(
        select(Pairing, Village, Unit, Plan, Report)
        .join(Village, Pairing.village_id == Village.id)
        .join(Unit, Pairing.unit_id == Unit.id)
        .outerjoin(Plan, Plan.pairing_id == Pairing.id)
        .outerjoin(Report, (Report.pairing_id == Pairing.id) & (Report.week == week))
        .where(pairing_clause(scope_of(user)), Pairing.active)
        .order_by(Village.code, Pairing.id)
    ).all()
    last_weeks = dict(session.execute(
        select(Report.pairing_id, func.max(Report.week))
        .where(Report.pairing_id.in_([row.Pairing.id for row in rows])).group_by(Report.pairing_id)
    ).all())
    tasks = []
    for pairing, village, unit, plan, report in rows:
        state = _report_state(report)
        tasks.append(PairingTask(
            pairing_id=pairing.id, village=village.name, village_code=village.code, unit=unit.name,
            plan_status=plan.status if plan else None,
            plan_status_label=PLAN_STATUS_LABELS[PlanStatus(plan.status)] if plan else "未填写",
            plan_return_reason=plan.return_reason if plan and plan.status == PlanStatus.returned else None,
            report_state=state, report_state_label=REPORT_STATE_LABELS[state],
            report_return_reason=report.return_reason if report and state == "returned" else None,
            last_week=last_weeks.get(pairing.id),
        ))
    return tasks


def county_tasks(session: Session, settings: Settings, user: User, week: str) -> dict:
    scope = scope_of(user)
    county = user.region_code
    completeness = stats.county_completeness(session, settings, scope, county, week)
    base = (
        select(Pairing, Village, Unit)
        .join(Village, Pairing.village_id == Village.id)
        .join(Unit, Pairing.unit_id == Unit.id)
        .where(Village.county_code == county, Pairing.active)
    )
    returned = session.execute(
        base.add_columns(Report).join(Report, Report.pairing_id == Pairing.id)
        .where(Report.status == ReportStatus.returned).order_by(Report.week.desc(), Village.code)
    ).all()
    plans = session.execute(
        base.add_columns(Plan).join(Plan, Plan.pairing_id == Pairing.id)
        .where(Plan.status == PlanStatus.submitted).order_by(Village.code)
    ).all()
    units = {row.Unit.id: row.Unit for row in session.execute(base)}
    counts = liaison_counts(session, list(units))
    short = [(unit, counts.get(unit.id, 0)) for unit in units.values()
             if counts.get(unit.id, 0) < MIN_LIAISONS]
    open_flags = session.scalar(select(func.count()).select_from(Flag).where(
        Flag.county_code == county, Flag.status == FlagStatus.open))
    to_review = session.scalar(
        select(func.count()).select_from(Report).join(Pairing, Report.pairing_id == Pairing.id)
        .join(Village, Pairing.village_id == Village.id)
        .where(Village.county_code == county, Report.status == ReportStatus.submitted, Report.week <= week))
    return {"completeness": completeness, "returned_reports": returned, "plans_to_confirm": plans,
            "units_short_of_liaisons": sorted(short, key=lambda pair: pair[0].id),
            "open_flags": open_flags, "reports_to_review": to_review,
            "submission": review.county_week_status(session, [county], week).get(county)}


def region_tasks(session: Session, settings: Settings, scope: Scope, week: str) -> dict:
    """Province, city and national officers: how far each county or province has reported."""
    if scope.everything:
        return {"kind": "national", "completeness": stats.national_completeness(session, settings, scope, week)}
    code = scope.region_code
    if level_of(code) == Level.province:
        completeness = stats.province_completeness(session, settings, scope, code, week)
        counties = [row["county_code"] for row in completeness["rows"]]
        return {"kind": "province", "completeness": completeness,
                "submissions": review.county_week_status(session, counties, week)}
    counties = session.scalars(
        select(Region).where(Region.level == Level.county, Region.parent_code == code)
        .order_by(Region.code)
    ).all()
    rows = [stats.county_completeness(session, settings, scope, c.code, week) for c in counties]
    return {"kind": "city", "counties": rows}


def home_for(user: User) -> str:
    if user.role == Role.liaison:
        return "liaison"
    if user.role == Role.officer and user.region_code and level_of(user.region_code) == Level.county:
        return "county"
    return "region"
