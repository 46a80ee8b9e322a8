"""Weekly reports: the week rules, the cumulative-decrease rule, lateness, idempotent replace and
the county's review states."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.audit.service import record, snapshot
from app.common import check_week, clock_now, page_of, parse_week, utcnow, week_deadline
from app.config import Settings
from app.db import insert_unless_exists
from app.errors import Conflict, Invalid
from app.pairings.policy import REPORT_WRITE
from app.reports.models import Report, ReportIn, ReportStatus, decreases
from app.reports.policy import ReportAccess
from app.stats.models import Submission, SubmissionStatus


def previous_report(session: Session, pairing_id: int, week: str) -> Report | None:
    return session.exec(
        select(Report).where(Report.pairing_id == pairing_id, col(Report.week) < week)
        .order_by(col(Report.week).desc()).limit(1)
    ).first()


def following_report(session: Session, pairing_id: int, week: str) -> Report | None:
    return session.exec(
        select(Report).where(Report.pairing_id == pairing_id, col(Report.week) > week)
        .order_by(col(Report.week)).limit(1)
    ).first()


def _require_note_for_decreases(data: ReportIn, previous: Report | None, following: Report | None) -> None:
    """Cumulative figures only grow: lower than the report before, or higher than the report
    after (a back-filled or corrected earlier week), needs a correction note."""
    if previous is not None and (down := decreases(previous, data)):
        raise Invalid.one(
            ["body", "correction_note"],
            f"累计数比上一次填报（{previous.week}）减少：{'；'.join(map(str, down))}。请填写更正说明", "missing",
        )
    if following is not None and (down := decreases(data, following)):
        raise Invalid.one(
            ["body", "correction_note"],
            f"填报的累计数高于之后一周（{following.week}）的数，{following.week} 将变为减少："
            f"{'；'.join(map(str, down))}。请核对，或填写更正说明", "missing",
        )


def write_report(
    session: Session, settings: Settings, access: ReportAccess, data: ReportIn,
    previous: Report | None, following: Report | None, now: datetime | None = None,
) -> tuple[Report, bool, bool]:
    """Create or replace the week's report: (report, created, changed). `previous` and `following`
    are the pairing's reports just before and after the week."""
    pairing, week = access.pairing, access.week
    pairing.require_write(REPORT_WRITE)
    now = now or clock_now(settings)
    check_week(settings, week, now)
    access.require_unlocked()
    agreement = pairing.pairing
    if not agreement.active:
        raise Conflict(f"结对 {pairing.id} 已终止，不能再填报周报")
    monday = parse_week(week)
    if monday + timedelta(days=6) < agreement.signed_on:
        raise Invalid.one(["path", "week"], f"周次 {week} 早于结对签订日期 {agreement.signed_on}")
    if monday > agreement.valid_until:
        raise Invalid.one(["path", "week"], f"周次 {week} 晚于结对有效期 {agreement.valid_until}")
    if not (data.correction_note or "").strip():
        _require_note_for_decreases(data, previous, following)

    values = data.model_dump(exclude={"story"})
    values["story_title"] = data.story.title if data.story else None
    values["story_body"] = data.story.body if data.story else None
    actor = pairing.principal
    report = _locked(session, pairing.id, week)
    if report is None:
        new = Report(pairing_id=pairing.id, week=week, week_start=monday, first_submitted_at=now,
                     submitted_at=now, submitted_by=actor.id, late=now > week_deadline(settings, week),
                     **values)
        # The same PUT sent twice at once: one inserts, the other finds its row and replaces it.
        created = insert_unless_exists(session, new, ["pairing_id", "week"])
        report = _locked(session, pairing.id, week)
        assert report is not None
        if created:
            record(session, actor, "create", "report", report.id, after=snapshot(report),
                   region_code=pairing.county_code)
            return report, True, True

    before = snapshot(report)
    report.sqlmodel_update(values)
    if snapshot(report) == before and report.status != ReportStatus.returned:
        return report, False, False  # the same PUT twice stores one report, unchanged
    # A changed (or, after a return, re-sent) report goes back to the county for review; lateness
    # stays that of the first filing.
    report.status, report.return_reason, report.reviewed_at = ReportStatus.submitted, None, None
    report.submitted_at, report.submitted_by = now, actor.id
    session.flush()
    record(session, actor, "update", "report", report.id, before=before, after=snapshot(report),
           region_code=pairing.county_code)
    return report, False, True


def _locked(session: Session, pairing_id: int, week: str) -> Report | None:
    """The week's report, locked, and read again under the lock: the access loaded it before
    another writer (the county returning it, a second PUT) may have changed it."""
    return session.exec(
        select(Report).where(Report.pairing_id == pairing_id, Report.week == week).with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _review(session: Session, access: ReportAccess, allowed: tuple[ReportStatus, ...], to: ReportStatus,
            reason: str | None = None, now: datetime | None = None) -> Report:
    report = access.require_report()
    access.pairing.require_review()
    access.require_unlocked()
    if report.status not in allowed:
        raise Conflict(f"周报当前状态为“{report.status}”，不能变为“{to}”")
    before = snapshot(report)
    report.status, report.reviewed_at = to, now or utcnow()
    report.return_reason = reason if to == ReportStatus.returned else None
    session.flush()
    record(session, access.pairing.principal, "state", "report", report.id, before=before,
           after=snapshot(report), region_code=access.pairing.county_code)
    return report


def approve_report(session: Session, access: ReportAccess) -> Report:
    return _review(session, access, (ReportStatus.submitted,), ReportStatus.approved)


def return_report(session: Session, access: ReportAccess, reason: str) -> Report:
    return _review(session, access, (ReportStatus.submitted, ReportStatus.approved), ReportStatus.returned,
                   reason)


def list_reports(session: Session, pairing_id: int, limit: int, offset: int) -> tuple[list[Report], int]:
    stmt = select(Report).where(Report.pairing_id == pairing_id).order_by(col(Report.week))
    return page_of(session, stmt, limit, offset)


def accepted_weeks(session: Session, county_code: str) -> set[str]:
    """The weeks whose table the province has accepted: their values stand as province_accepted."""
    return set(session.exec(select(Submission.week).where(
        Submission.county_code == county_code, Submission.status == SubmissionStatus.accepted)))
