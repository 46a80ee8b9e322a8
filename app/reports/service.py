"""Weekly reports: week rules, the cumulative-decrease rule, lateness and idempotent replace."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.audit.service import record, snapshot
from app.auth.models import Role, User
from app.auth.scope import Scope, scope_of
from app.common import (
    as_utc,
    check_week,
    clock_now,
    format_decimal,
    paginate,
    parse_week,
    week_deadline,
)
from app.config import Settings
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.pairings.models import Pairing
from app.pairings.service import get_pairing, get_pairing_row
from app.regions.models import Village
from app.reports.models import (
    CUMULATIVE_FIELDS,
    Report,
    ReportIn,
    ReportOut,
    ReportStatus,
    StoryOut,
)
from app.review import service as review
from app.stats import service as stats

FIELD_LABELS = {
    "funds_arrived_wan": "资金已到位总投入（万元）",
    "materials_arrived_wan": "物资已到位（万元）",
    "industry_plan_done": "是否已完成计划",
    "sales_done_wan": "已完成销售（万元）",
    "jobs_done": "已解决就业人数",
    "trained_done": "已完成培训人数",
    "stationed_now": "已驻村人数",
    "beneficiaries": "带动贫困人口数",
}


def _values(report: Report | ReportIn) -> dict:
    return {name: getattr(report, name) for name in FIELD_LABELS}


def decreases(previous: Report | ReportIn, data: Report | ReportIn) -> list[str]:
    """Cumulative fields lower in `data` than in `previous`, described in Chinese."""
    found = []
    for name in CUMULATIVE_FIELDS:
        old, new = getattr(previous, name), getattr(data, name)
        if old is None or new is None or new >= old:
            continue
        shown = (lambda v: format_decimal(v)) if name.endswith("_wan") else (lambda v: str(int(v)))
        found.append(f"{FIELD_LABELS[name]}由 {shown(old)} 减为 {shown(new)}")
    return found


def _require_note_for_decreases(session: Session, pairing_id: int, week: str, data: ReportIn) -> None:
    """Cumulative figures only grow: lower than the report before, or higher than the report
    after (a back-filled or corrected earlier week), needs a correction note."""
    previous = previous_report(session, pairing_id, week)
    if previous is not None and (down := decreases(previous, data)):
        raise Invalid.one(
            ["body", "correction_note"],
            f"累计数比上一次填报（{previous.week}）减少：{'；'.join(down)}。请填写更正说明", "missing",
        )
    following = session.scalars(
        select(Report).where(Report.pairing_id == pairing_id, Report.week > week)
        .order_by(Report.week).limit(1)
    ).first()
    if following is not None and (down := decreases(data, following)):
        raise Invalid.one(
            ["body", "correction_note"],
            f"填报的累计数高于之后一周（{following.week}）的数，{following.week} 将变为减少："
            f"{'；'.join(down)}。请核对，或填写更正说明", "missing",
        )


def previous_report(session: Session, pairing_id: int, week: str) -> Report | None:
    return session.scalars(
        select(Report).where(Report.pairing_id == pairing_id, Report.week < week)
        .order_by(Report.week.desc()).limit(1)
    ).first()


def _may_write(actor: User, pairing: Pairing) -> bool:
    if actor.role == Role.liaison:
        return actor.unit_id == pairing.unit_id
    return True


def put_report(
    session: Session, settings: Settings, actor: User, pairing_id: int, week: str,
    data: ReportIn, now: datetime | None = None,
) -> tuple[Report, bool]:
    """Create or replace the week's report; (report, created)."""
    pairing, village, _unit = get_pairing_row(session, scope_of(actor), pairing_id)
    if not _may_write(actor, pairing):
        raise Forbidden("无权填报该结对的周报")
    now = now or clock_now(settings)
    check_week(settings, week, now)
    review.check_unlocked(session, village.county_code, week)
    if not pairing.active:
        raise Conflict(f"结对 {pairing_id} 已终止，不能再填报周报")
    monday = parse_week(week)
    if monday + timedelta(days=6) < pairing.signed_on:
        raise Invalid.one(["path", "week"], f"周次 {week} 早于结对签订日期 {pairing.signed_on}")
    if monday > pairing.valid_until:
        raise Invalid.one(["path", "week"], f"周次 {week} 晚于结对有效期 {pairing.valid_until}")

    if not (data.correction_note or "").strip():
        _require_note_for_decreases(session, pairing_id, week, data)

    values = data.model_dump(exclude={"story"})
    values["story_title"] = data.story.title if data.story else None
    values["story_body"] = data.story.body if data.story else None

    report = session.scalars(
        select(Report).where(Report.pairing_id == pairing_id, Report.week == week)
        .with_for_update()
    ).first()
    if report is None:
        report = Report(
            pairing_id=pairing_id, week=week, week_start=parse_week(week),
            first_submitted_at=now, submitted_at=now, submitted_by=actor.id,
            late=now > week_deadline(settings, week), **values,
        )
        session.add(report)
        session.flush()
        record(session, actor, "create", "report", report.id, after=snapshot(report),
               region_code=village.county_code)
        review.check_report(session, settings, actor, report)
        return report, True

    before = snapshot(report)
    report.sqlmodel_update(values)
    if snapshot(report) == before and report.status != ReportStatus.returned:
        return report, False  # the same PUT twice stores one report, unchanged
    # A changed (or, after a return, re-sent) report goes back to the county for review; lateness stays that of the first filing.
    report.status, report.return_reason, report.reviewed_at = ReportStatus.submitted, None, None
    report.submitted_at, report.submitted_by = now, actor.id
    session.flush()
    record(session, actor, "update", "report", report.id, before=before, after=snapshot(report),
           region_code=village.county_code)
    review.check_report(session, settings, actor, report)
    return report, False


def get_report(session: Session, scope: Scope, pairing_id: int, week: str) -> Report:
    get_pairing(session, scope, pairing_id)
    report = session.scalars(
        select(Report).where(Report.pairing_id == pairing_id, Report.week == week)
    ).first()
    if report is None:
        raise NotFound(f"结对 {pairing_id} 在 {week} 没有周报")
    return report


def list_reports(
    session: Session, scope: Scope, pairing_id: int, limit: int, offset: int
) -> tuple[list[Report], int]:
    get_pairing(session, scope, pairing_id)
    stmt = select(Report).where(Report.pairing_id == pairing_id).order_by(Report.week)
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total


def report_out(session: Session, report: Report) -> ReportOut:
    """The report as the API shows it: with its flags and where its values stand."""
    story = StoryOut(title=report.story_title, body=report.story_body) if report.story_body else None
    county = session.scalar(select(Village.county_code).join(Pairing).where(Pairing.id == report.pairing_id))
    return ReportOut(
        **report.model_dump(exclude={"story_title", "story_body", "submitted_at", "first_submitted_at"}),
        story=story, submitted_at=as_utc(report.submitted_at),
        first_submitted_at=as_utc(report.first_submitted_at),
        stage=stats.stage(report.status, report.week in stats.accepted_weeks(session, county)),
        flags=[review.flag_out(f).model_dump(mode="json")
               for f in review.flags_for(session, report.pairing_id, report.week)],
    )
