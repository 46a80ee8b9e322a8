"""Review: suspicious-data flags, report approval, county submissions and the week lock."""

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from app.audit.service import record, snapshot
from app.auth.models import Role, User
from app.auth.scope import Scope, pairing_clause, scope_of
from app.common import as_utc, clock_now, paginate, utcnow
from app.config import Settings
from app.errors import Conflict, Forbidden, NotFound
from app.pairings.models import Pairing, Plan
from app.regions.models import Level, Region, Village, level_of
from app.reports.models import Report, ReportStatus
from app.review.models import (
    SUBMISSION_STATUS_LABELS,
    Flag,
    FlagOut,
    FlagResolve,
    FlagStatus,
    Submission,
    SubmissionStatus,
)
from app.review.rules import Finding, plan_findings, report_findings
from app.stats.service import county_table

PLAN_RULES = {"S1"}
REPORT_RULES = {"S2", "S3", "S4", "S5", "S6"}
LIVE = (SubmissionStatus.submitted, SubmissionStatus.accepted)


# --- who may review -------------------------------------------------------------------------


def is_county_officer(user: User) -> bool:
    return user.role == Role.officer and bool(user.region_code) and \
        level_of(user.region_code) == Level.county


def may_review(user: User) -> bool:
    """Plans and reports are confirmed, approved or returned by the county (or an admin)."""
    return user.role == Role.admin or is_county_officer(user)


def may_submit(user: User, county_code: str) -> bool:
    """A county's week table is sent up by that county (or an admin)."""
    return user.role == Role.admin or (is_county_officer(user) and user.region_code == county_code)


def may_decide(user: User, county_code: str) -> bool:
    """County submissions are accepted or returned above the county: by its city or province
    (SPEC "Who uses it"), the national office and admins."""
    scope = scope_of(user)
    if user.role == Role.admin or scope.everything:
        return True
    return (user.role == Role.officer and level_of(user.region_code) in (Level.province, Level.city)
            and scope.contains_code(county_code))


def require_county_reviewer(user: User) -> None:
    if not may_review(user):
        raise Forbidden("只有县扶贫办工作人员可以审核计划书和周报")


def require_province_reviewer(user: User, county_code: str) -> None:
    if not may_decide(user, county_code):
        raise Forbidden("只有市、省扶贫办（或国务院扶贫办）可以接收或退回县级上报")


# --- flags ----------------------------------------------------------------------------------


def _sync(session: Session, actor: User | None, pairing_id: int, county_code: str, week: str | None,
          rules: set[str], findings: list[Finding]) -> None:
    """Make the stored flags of one plan or report agree with what the rules find now."""
    existing = session.scalars(
        select(Flag).where(Flag.pairing_id == pairing_id, Flag.rule.in_(rules),
                           Flag.week.is_(None) if week is None else Flag.week == week)
        .order_by(Flag.id)
    ).all()
    found = {f.rule: f for f in findings}
    now = utcnow()
    for flag in existing:
        if flag.status != FlagStatus.open:
            continue
        finding = found.get(flag.rule)
        if finding is None or finding.values != flag.values:
            # The figures changed: the open question is answered by the new figures.
            before = snapshot(flag)
            flag.status, flag.resolved_at, flag.resolved_by = FlagStatus.corrected, now, getattr(actor, "id", None)
            flag.note = "数据已修改，" + ("此规则不再触发" if finding is None else "按新数据重新核查")
            record(session, actor, "state", "flag", flag.id, before=before, after=snapshot(flag),
                   region_code=county_code)
    for finding in findings:
        same = [f for f in existing if f.rule == finding.rule and f.values == finding.values]
        if any(f.status in (FlagStatus.open, FlagStatus.verified) for f in same):
            continue  # still open, or already verified as it stands
        flag = Flag(pairing_id=pairing_id, week=week, rule=finding.rule, message=finding.message,
                    values=finding.values, columns=finding.columns, county_code=county_code)
        session.add(flag)
        session.flush()
        record(session, actor, "create", "flag", flag.id, after=snapshot(flag), region_code=county_code)


def check_plan(session: Session, settings: Settings, actor: User | None, plan: Plan,
               county_code: str) -> None:
    """S1 on the plan itself, and S5 again on every report, since it measures them by the plan."""
    _sync(session, actor, plan.pairing_id, county_code, None, PLAN_RULES, plan_findings(plan))
    pairing = session.get(Pairing, plan.pairing_id)
    village = session.get(Village, pairing.village_id)
    previous = None
    for report in session.scalars(select(Report).where(Report.pairing_id == pairing.id).order_by(Report.week)):
        findings = report_findings(settings, report, plan, village.registered_poor, previous)
        _sync(session, actor, pairing.id, county_code, report.week, REPORT_RULES, findings)
        previous = report


def check_report(session: Session, settings: Settings, actor: User | None, report: Report) -> None:
    """Check the saved report, and the pairing's next report too: S6 compares that one with this
    one, so a back-filled or corrected earlier week can open or close the next week's S6."""
    pairing = session.get(Pairing, report.pairing_id)
    village = session.get(Village, pairing.village_id)
    plan = session.scalars(select(Plan).where(Plan.pairing_id == pairing.id)).first()
    previous = session.scalars(
        select(Report).where(Report.pairing_id == pairing.id, Report.week < report.week)
        .order_by(Report.week.desc()).limit(1)
    ).first()
    following = session.scalars(
        select(Report).where(Report.pairing_id == pairing.id, Report.week > report.week)
        .order_by(Report.week).limit(1)
    ).first()
    for current, before in ((report, previous), (following, report)):
        if current is None:
            continue
        findings = report_findings(settings, current, plan, village.registered_poor, before)
        _sync(session, actor, pairing.id, village.county_code, current.week, REPORT_RULES, findings)


def flag_out(flag: Flag) -> FlagOut:
    out = FlagOut.model_validate(flag, from_attributes=True)
    # SQLite hands back naive datetimes; the answer always carries UTC.
    out.created_at = as_utc(out.created_at)
    out.resolved_at = out.resolved_at and as_utc(out.resolved_at)
    return out


def flags_for(session: Session, pairing_id: int, week: str | None, open_only: bool = False) -> list[Flag]:
    stmt = select(Flag).where(Flag.pairing_id == pairing_id,
                              Flag.week.is_(None) if week is None else Flag.week == week)
    if open_only:
        stmt = stmt.where(Flag.status == FlagStatus.open)
    return list(session.scalars(stmt.order_by(Flag.rule, Flag.id)))


def _flag_query(scope: Scope):
    return (select(Flag).join(Pairing, Flag.pairing_id == Pairing.id)
            .join(Village, Pairing.village_id == Village.id).where(pairing_clause(scope)))


def list_flags(session: Session, scope: Scope, county_code: str | None, status: FlagStatus | None,
               pairing_id: int | None, week: str | None, limit: int, offset: int) -> tuple[list[Flag], int]:
    stmt = _flag_query(scope).order_by(Flag.county_code, Flag.created_at.desc(), Flag.id.desc())
    if county_code is not None:
        stmt = stmt.where(Flag.county_code == county_code)
    if status is not None:
        stmt = stmt.where(Flag.status == status)
    if pairing_id is not None:
        stmt = stmt.where(Flag.pairing_id == pairing_id)
    if week is not None:
        stmt = stmt.where(Flag.week == week)
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total


def open_flags_by_pairing(session: Session, county_code: str, week: str) -> dict[int, list[Flag]]:
    """Open flags on the county's pairings that bear on week W's table: the plan's and those of
    the reports up to W."""
    flags = session.scalars(
        select(Flag).where(Flag.county_code == county_code, Flag.status == FlagStatus.open,
                           (Flag.week.is_(None)) | (Flag.week <= week))
    )
    out: dict[int, list[Flag]] = {}
    for flag in flags:
        out.setdefault(flag.pairing_id, []).append(flag)
    return out


def resolve_flag(session: Session, actor: User, flag_id: int, data: FlagResolve) -> Flag:
    scope = scope_of(actor)
    flag = session.scalars(_flag_query(scope).where(Flag.id == flag_id)).first()
    if flag is None:
        raise NotFound(f"存疑数据 {flag_id} 不存在或不在您的管辖范围内")
    require_county_reviewer(actor)
    if flag.status != FlagStatus.open:
        raise Conflict(f"存疑数据 {flag_id} 已处理（{flag.status}），不能重复处理")
    before = snapshot(flag)
    flag.status, flag.note = data.resolution, data.note
    flag.resolved_at, flag.resolved_by = utcnow(), actor.id
    session.flush()
    record(session, actor, "state", "flag", flag.id, before=before, after=snapshot(flag),
           region_code=flag.county_code)
    return flag


# --- the week lock --------------------------------------------------------------------------


def live_submission(session: Session, county_code: str, week: str) -> Submission | None:
    return session.scalars(
        select(Submission).where(Submission.county_code == county_code, Submission.week == week,
                                 Submission.status.in_(LIVE))
    ).first()


def check_unlocked(session: Session, county_code: str, week: str) -> None:
    """Reports of a submitted week stay as submitted until the province returns the week."""
    submission = live_submission(session, county_code, week)
    if submission is not None:
        raise Conflict(
            f"{week} 的县统计表已上报（上报编号 {submission.id}，"
            f"{SUBMISSION_STATUS_LABELS[SubmissionStatus(submission.status)]}），本周周报已锁定；"
            "如需修改，请联系省扶贫办退回"
        )


# --- reviewing reports ----------------------------------------------------------------------


def _report_in_scope(session: Session, actor: User, pairing_id: int, week: str) -> tuple[Report, Village]:
    row = session.execute(
        select(Report, Village).join(Pairing, Report.pairing_id == Pairing.id)
        .join(Village, Pairing.village_id == Village.id)
        .where(Report.pairing_id == pairing_id, Report.week == week, pairing_clause(scope_of(actor)))
    ).first()
    if row is None:
        raise NotFound(f"结对 {pairing_id} 在 {week} 没有周报，或不在您的管辖范围内")
    return row.Report, row.Village


def _review_report(session: Session, actor: User, pairing_id: int, week: str,
                   allowed: tuple[str, ...], to: ReportStatus, reason: str | None = None,
                   now: datetime | None = None) -> Report:
    report, village = _report_in_scope(session, actor, pairing_id, week)
    require_county_reviewer(actor)
    check_unlocked(session, village.county_code, week)
    if report.status not in allowed:
        raise Conflict(f"周报当前状态为“{report.status}”，不能变为“{to}”")
    before = snapshot(report)
    report.status, report.reviewed_at = to, now or utcnow()
    report.return_reason = reason if to == ReportStatus.returned else None
    session.flush()
    record(session, actor, "state", "report", report.id, before=before, after=snapshot(report),
           region_code=village.county_code)
    return report


def approve_report(session: Session, actor: User, pairing_id: int, week: str) -> Report:
    return _review_report(session, actor, pairing_id, week, (ReportStatus.submitted,),
                          ReportStatus.approved)


def return_report(session: Session, actor: User, pairing_id: int, week: str, reason: str) -> Report:
    return _review_report(session, actor, pairing_id, week,
                          (ReportStatus.submitted, ReportStatus.approved), ReportStatus.returned, reason)


# --- county submissions ---------------------------------------------------------------------


def _county(session: Session, scope: Scope, code: str) -> Region:
    county = session.scalars(select(Region).where(Region.code == code, Region.level == Level.county)).first()
    if county is None or scope.role == Role.liaison or not scope.contains_code(code):
        raise NotFound(f"县 {code} 不存在或不在您的管辖范围内")
    return county


def submit_week(session: Session, settings: Settings, actor: User, county_code: str, week: str) -> Submission:
    scope = scope_of(actor)
    _county(session, scope, county_code)
    if not may_submit(actor, county_code):
        raise Forbidden("只有本县扶贫办可以上报本县统计表")
    table = county_table(session, settings, scope, county_code, week)
    current = live_submission(session, county_code, table.week)
    if current is not None:
        raise Conflict(f"{table.week} 的县统计表已上报（上报编号 {current.id}，"
                       f"{SUBMISSION_STATUS_LABELS[SubmissionStatus(current.status)]}），不能重复上报")
    submission = Submission(county_code=county_code, week=table.week, snapshot=table.json(),
                            submitted_by=actor.id, submitted_at=clock_now(settings))
    session.add(submission)
    session.flush()
    record(session, actor, "create", "submission", submission.id,
           after={k: v for k, v in snapshot(submission).items() if k != "snapshot"},
           region_code=county_code)
    return submission


def current_submission(session: Session, scope: Scope, county_code: str, week: str) -> Submission:
    _county(session, scope, county_code)
    submission = session.scalars(
        select(Submission).where(Submission.county_code == county_code, Submission.week == week)
        .order_by(Submission.id.desc()).limit(1)
    ).first()
    if submission is None:
        raise NotFound(f"县 {county_code} 尚未上报 {week} 的统计表")
    return submission


def list_submissions(session: Session, scope: Scope, county_code: str) -> list[Submission]:
    _county(session, scope, county_code)
    return list(session.scalars(select(Submission).where(Submission.county_code == county_code)
                                .order_by(Submission.week.desc(), Submission.id.desc())))


def _decide(session: Session, actor: User, county_code: str, week: str, to: SubmissionStatus,
            reason: str | None = None) -> Submission:
    submission = current_submission(session, scope_of(actor), county_code, week)
    require_province_reviewer(actor, county_code)
    # A waiting submission is accepted or returned; an accepted one can still be returned when
    # an error turns up later, which unlocks the week again.
    allowed = (SubmissionStatus.submitted,) if to == SubmissionStatus.accepted else LIVE
    if submission.status not in allowed:
        raise Conflict(f"{week} 的上报当前为“{SUBMISSION_STATUS_LABELS[SubmissionStatus(submission.status)]}”，"
                       f"不能{'接收' if to == SubmissionStatus.accepted else '退回'}")
    before = {k: v for k, v in snapshot(submission).items() if k != "snapshot"}
    submission.status, submission.decided_at, submission.decided_by = to, utcnow(), actor.id
    submission.return_reason = reason
    session.flush()
    record(session, actor, "state", "submission", submission.id, before=before,
           after={k: v for k, v in snapshot(submission).items() if k != "snapshot"},
           region_code=county_code)
    return submission


def accept_week(session: Session, actor: User, county_code: str, week: str) -> Submission:
    return _decide(session, actor, county_code, week, SubmissionStatus.accepted)


def return_week(session: Session, actor: User, county_code: str, week: str, reason: str) -> Submission:
    return _decide(session, actor, county_code, week, SubmissionStatus.returned, reason)


def county_week_status(session: Session, county_codes: list[str], week: str) -> dict[str, Submission]:
    """The latest submission of each county for the week."""
    rows = session.scalars(
        select(Submission).where(Submission.county_code.in_(county_codes), Submission.week == week)
        .order_by(Submission.id)
    )
    return {row.county_code: row for row in rows}
