"""What each user opens on (SPEC "Worklists"): the things that are theirs to do this week, and the
county's review queue."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, and_, col, func, or_, select

from app.auth.policy import Principal, pairing_clause
from app.codes import Level
from app.common import format_decimal
from app.config import Settings
from app.pairings.models import PLAN_STATUS_LABELS, Pairing, Plan, PlanStatus
from app.regions.models import Region, Village
from app.reports.models import FIGURE_FIELDS, Report, ReportStatus, shown
from app.review.models import Flag, FlagStatus
from app.review.service import open_flag_count
from app.stats import service as stats
from app.stats.policy import county_access
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


def liaison_tasks(session: Session, principal: Principal, week: str) -> list[PairingTask]:
    rows = session.exec(
        select(Pairing, Village, Unit, Plan)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .outerjoin(Plan, col(Plan.pairing_id) == col(Pairing.id))
        .where(pairing_clause(principal), col(Pairing.active))
        .order_by(col(Village.code), col(Pairing.id))
    ).all()
    ids = [pairing.id for pairing, *_rest in rows]
    this_week = {r.pairing_id: r for r in session.exec(
        select(Report).where(col(Report.pairing_id).in_(ids), Report.week == week))}
    last_weeks = dict(session.exec(
        select(Report.pairing_id, func.max(Report.week))
        .where(col(Report.pairing_id).in_(ids)).group_by(col(Report.pairing_id))
    ).all())
    tasks = []
    for pairing, village, unit, plan in rows:
        assert pairing.id is not None
        report = this_week.get(pairing.id)
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


def _county_pairings(county: str):  # type: ignore[no-untyped-def]
    return (
        select(Pairing, Village, Unit)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .where(Village.county_code == county)
    )


def county_tasks(session: Session, settings: Settings, principal: Principal, week: str) -> dict[str, Any]:
    assert principal.region_code is not None
    county = principal.region_code
    access = county_access(session, principal, county)
    completeness = stats.county_completeness(session, settings, access, week)
    base = _county_pairings(county).where(col(Pairing.active))
    returned = session.exec(
        base.add_columns(Report).join(Report, col(Report.pairing_id) == col(Pairing.id))
        .where(Report.status == ReportStatus.returned).order_by(col(Report.week).desc(), col(Village.code))
    ).all()
    plans = session.exec(
        base.add_columns(Plan).join(Plan, col(Plan.pairing_id) == col(Pairing.id))
        .where(Plan.status == PlanStatus.submitted).order_by(col(Village.code))
    ).all()
    units = {unit.id: unit for _p, _v, unit in session.exec(base) if unit.id is not None}
    counts = liaison_counts(session, list(units))
    short = [(unit, counts.get(unit_id, 0)) for unit_id, unit in units.items()
             if counts.get(unit_id, 0) < MIN_LIAISONS]
    to_review = session.exec(
        select(func.count()).select_from(Report).join(Pairing, col(Report.pairing_id) == col(Pairing.id))
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .where(Village.county_code == county, Report.status == ReportStatus.submitted, col(Report.week) <= week)
    ).one()
    return {"completeness": completeness, "returned_reports": returned, "plans_to_confirm": plans,
            "units_short_of_liaisons": sorted(short, key=lambda pair: pair[0].id or 0),
            "open_flags": open_flag_count(session, county), "reports_to_review": to_review,
            "submission": stats.county_week_status(session, [county], week).get(county),
            "returned_weeks": stats.returned_weeks(session, county)}


def region_tasks(session: Session, settings: Settings, principal: Principal, week: str) -> dict[str, Any]:
    """Province, city and national officers: how far each county or province has reported."""
    if principal.everything:
        return {"kind": "national",
                "completeness": stats.national_completeness(session, settings, principal, week)}
    code = principal.region_code
    assert code is not None
    if principal.level == Level.province:
        completeness = stats.province_completeness(session, settings, principal, code, week)
        counties = [row["county_code"] for row in completeness["rows"]]
        return {"kind": "province", "completeness": completeness,
                "submissions": stats.county_week_status(session, counties, week)}
    in_city = session.exec(
        select(Region).where(Region.level == Level.county, Region.parent_code == code)
        .order_by(col(Region.code))
    ).all()
    rows = [stats.county_completeness(session, settings, county_access(session, principal, c.code), week)
            for c in in_city]
    return {"kind": "city", "counties": rows}


@dataclass(frozen=True)
class Figure:
    """One of a report's figures in the review queue, with its change since the pairing's report
    before (None: unchanged, or nothing before to compare with)."""

    key: str
    value: str
    change: str | None = None
    down: bool = False


@dataclass
class QueuedReport:
    pairing: Pairing
    village: Village
    unit: Unit
    report: Report
    previous_week: str | None
    figures: list[Figure]
    flag_rules: list[str]

    @property
    def waiting(self) -> bool:
        """Still to be reviewed (a report just approved or returned stays in the list, marked)."""
        return self.report.status == ReportStatus.submitted


def _figures(report: Report, previous: Report | None) -> list[Figure]:
    out = []
    for key in FIGURE_FIELDS:
        now, then = getattr(report, key), getattr(previous, key, None) if previous is not None else None
        if isinstance(now, bool):
            out.append(Figure(key, shown(now), None if then is None or then == now else f"原为{shown(then)}",
                              down=bool(then) and not now))
        elif now is None:
            out.append(Figure(key, "—"))
        elif then is None or now == then:
            out.append(Figure(key, format_decimal(now)))
        else:
            diff = now - then
            out.append(Figure(key, format_decimal(now), ("+" if diff > 0 else "") + format_decimal(diff), down=diff < 0))
    return out


def review_queue(session: Session, county: str, week: str, keep_reports: Iterable[int] = (),
                 keep_flags: Iterable[int] = ()) -> dict[str, Any]:
    """What the county has to review: open flags by rule, reports awaiting approval by week (each
    with every figure and its change since the report before, and its open flags' rules), plans
    to confirm. `keep_reports`, `keep_flags`: ids just acted on, listed in their places with their
    new state, so the result shows where the officer was looking."""
    base = _county_pairings(county)
    kept_flags, kept_reports = list(keep_flags), list(keep_reports)
    flag_open = Flag.status == FlagStatus.open
    flags = session.exec(
        base.add_columns(Flag).join(Flag, col(Flag.pairing_id) == col(Pairing.id))
        .where(or_(flag_open, col(Flag.id).in_(kept_flags)) if kept_flags else flag_open)
        .order_by(col(Flag.rule), col(Flag.week).desc(), col(Village.code), col(Flag.id))
    ).all()
    by_rule: dict[str, list[Row[Any]]] = {}
    for row in flags:
        by_rule.setdefault(row.Flag.rule, []).append(row)
    previous = aliased(Report, name="prev")
    waiting = and_(Report.status == ReportStatus.submitted, col(Report.week) <= week)
    # The pairing's report before each one: what "this week's change" is measured from.
    earlier = aliased(Report, name="earlier")
    last = (select(func.max(earlier.week)).where(col(earlier.pairing_id) == col(Report.pairing_id),
                                                 col(earlier.week) < col(Report.week))
            .correlate(Report).scalar_subquery())
    rows = session.exec(
        base.add_columns(Report, previous).join(Report, col(Report.pairing_id) == col(Pairing.id))
        .outerjoin(previous, and_(col(previous.pairing_id) == col(Report.pairing_id), col(previous.week) == last))
        .where(or_(waiting, col(Report.id).in_(kept_reports)) if kept_reports else waiting)
        .order_by(col(Report.week).desc(), col(Village.code), col(Pairing.signed_on), col(Pairing.id))
    ).all()
    open_rules: dict[tuple[int, str | None], list[str]] = {}
    for row in flags:
        if row.Flag.status == FlagStatus.open:
            open_rules.setdefault((row.Flag.pairing_id, row.Flag.week), []).append(row.Flag.rule)
    weeks: dict[str, list[QueuedReport]] = {}
    for pairing, village, unit, report, prev in rows:
        weeks.setdefault(report.week, []).append(QueuedReport(
            pairing, village, unit, report, prev.week if prev is not None else None, _figures(report, prev),
            sorted(set(open_rules.get((report.pairing_id, report.week), [])))))
    plans = session.exec(
        base.add_columns(Plan).join(Plan, col(Plan.pairing_id) == col(Pairing.id))
        .where(Plan.status == PlanStatus.submitted).order_by(col(Village.code))
    ).all()
    return {"flag_groups": list(by_rule.items()),
            "open_flag_count": sum(1 for row in flags if row.Flag.status == FlagStatus.open),
            "report_weeks": list(weeks.items()),
            "waiting_count": sum(1 for items in weeks.values() for item in items if item.waiting),
            "plans": list(plans)}
