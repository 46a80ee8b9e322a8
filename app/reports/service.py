"""Weekly reports: the week rules, the cumulative-decrease rule, lateness, idempotent replace and
the county's review states."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlmodel import Session, and_, col, func, or_, select

from app.audit.service import record, snapshot
from app.auth.policy import Principal
from app.common import check_week, chunked, clock_now, page_of, parse_week, utcnow, week_deadline
from app.config import Settings
from app.errors import Conflict, Invalid
from app.notices import service as notices
from app.pairings.models import Pairing
from app.pairings.policy import REPORT_WRITE, not_found, pairing_accesses
from app.regions.models import Village
from app.reports.models import Report, ReportIn, ReportStatus, decreases
from app.reports.policy import ReportAccess, lock_message, week_lock
from app.review.models import Flag, FlagStatus
from app.rollups.service import Mark, mark
from app.stats.models import Submission, SubmissionStatus
from app.units.service import liaisons_of


def previous_report(session: Session, pairing_id: int, week: str) -> Report | None:
    return session.exec(
        select(Report).where(Report.pairing_id == pairing_id, col(Report.week) < week)
        .order_by(col(Report.week).desc()).limit(1)
    ).first()


def reports_around(session: Session, pairing_ids: Iterable[int], first: str, last: str) -> list[Report]:
    """The pairings' reports from week `first` to `last`, locked as `reports_at` locks them, and each
    pairing's report just before and just after that span: what writing any of those weeks
    compares against."""
    found: list[Report] = []
    for ids in chunked(sorted(set(pairing_ids))):
        of = col(Report.pairing_id).in_(ids)
        found.extend(session.exec(
            select(Report).where(of, col(Report.week) >= first, col(Report.week) <= last)
            .with_for_update().execution_options(populate_existing=True)))
        for edge, week in ((func.max, col(Report.week) < first), (func.min, col(Report.week) > last)):
            nearest = (select(col(Report.pairing_id).label("pairing_id"), edge(Report.week).label("week"))
                       .where(of, week).group_by(col(Report.pairing_id)).subquery())
            found.extend(session.exec(select(Report).join(nearest, and_(
                col(Report.pairing_id) == nearest.c.pairing_id, col(Report.week) == nearest.c.week))))
    return found


def _require_note_for_decreases(data: ReportIn, previous: Any, following: Any) -> None:
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


def check_write(settings: Settings, access: ReportAccess, data: ReportIn, previous: Any, following: Any,
                now: datetime) -> None:
    """Whether the week's report may be written with `data`: who writes, the week, the lock, the
    agreement's dates and the cumulative-decrease rule. Raises what the API answers. `previous` and
    `following`: the reports around the week (Report, or any object with a report's figures)."""
    pairing, week = access.pairing, access.week
    pairing.require_write(REPORT_WRITE)
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


def stored_values(data: ReportIn) -> dict[str, Any]:
    """The request's fields as the report's columns."""
    values: dict[str, Any] = data.model_dump(exclude={"story", "client_saved_at"})
    values["story_title"] = data.story.title if data.story else None
    values["story_body"] = data.story.body if data.story else None
    return values


def new_row(settings: Settings, access: ReportAccess, values: dict[str, Any], now: datetime,
            client_saved_at: datetime | None = None) -> dict[str, Any]:
    """Every column of a new report but its id."""
    week = access.week
    return {"pairing_id": access.pairing.id, "week": week, "week_start": parse_week(week), **values,
            "status": ReportStatus.submitted, "return_reason": None, "late": now > week_deadline(settings, week),
            "first_submitted_at": now, "submitted_at": now, "submitted_by": access.pairing.principal.id,
            "reviewed_at": None, "featured_at": None, "featured_by": None, "client_saved_at": client_saved_at}


def replace_report(report: Report, access: ReportAccess, values: dict[str, Any],
                   now: datetime, client_saved_at: datetime | None = None) -> dict[str, Any] | None:
    """Give a stored report the new values: its snapshot before, or None when nothing changed (the
    same PUT twice, whenever the client says it saved it). A changed (or, after a return, re-sent)
    report goes back to the county for review; lateness stays that of the first filing. Audited by
    the caller."""
    before = snapshot(report)
    report.sqlmodel_update(values)
    if snapshot(report) == before and report.status != ReportStatus.returned:
        return None
    report.status, report.return_reason, report.reviewed_at = ReportStatus.submitted, None, None
    report.submitted_at, report.submitted_by = now, access.pairing.principal.id
    report.client_saved_at = client_saved_at
    return before


def write_report(
    session: Session, settings: Settings, access: ReportAccess, data: ReportIn, around: "Around",
    now: datetime | None = None,
) -> tuple[Report, bool, bool, Mark | None]:
    """Create or replace the week's report: (report, created, changed, the report replaced as
    the rollup saw it). `around`: the week's report and its neighbours as `reports_at` read
    them, under lock."""
    pairing = access.pairing
    now = now or clock_now(settings)
    check_write(settings, access, data, around.previous, around.following, now)
    values = stored_values(data)
    actor = pairing.principal
    report = around.current
    if report is None:
        # No other writer can be inserting it: every writer of the pairing's reports holds the
        # pairing's lock (app.pairings.policy._locking), and SQLite has one writer.
        created = Report(**new_row(settings, access, values, now, data.client_saved_at))
        session.add(created)
        session.flush()
        record(session, actor, "create", "report", created.id, after=snapshot(created),
               region_code=pairing.county_code)
        return created, True, True, None

    replaced = mark(report)
    before = replace_report(report, access, values, now, data.client_saved_at)
    if before is None:
        return report, False, False, replaced
    session.flush()
    record(session, actor, "update", "report", report.id, before=before, after=snapshot(report),
           region_code=pairing.county_code)
    return report, False, True, replaced


@dataclass(frozen=True)
class Around:
    """A week's report of a pairing and the pairing's reports just before and after it."""

    previous: Report | None
    current: Report | None
    following: Report | None


def reports_at(session: Session, pairing_id: int, week: str) -> Around:
    """The week's report and its neighbours in one query, locked (and read again under the lock)
    until the transaction ends: what writing the week compares against."""
    of = Report.pairing_id == pairing_id
    before = select(func.max(Report.week)).where(of, col(Report.week) < week).scalar_subquery()
    after = select(func.min(Report.week)).where(of, col(Report.week) > week).scalar_subquery()
    found = {report.week: report for report in session.exec(
        select(Report).where(of, or_(col(Report.week) == week, col(Report.week) == before,
                                     col(Report.week) == after))
        .with_for_update().execution_options(populate_existing=True))}
    earlier = [w for w in found if w < week]
    later = [w for w in found if w > week]
    return Around(found[max(earlier)] if earlier else None, found.get(week),
                  found[min(later)] if later else None)


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


def approve_report(session: Session, access: ReportAccess, now: datetime | None = None) -> Report:
    return _review(session, access, (ReportStatus.submitted,), ReportStatus.approved, now=now)


class Skip(NamedTuple):
    """A pairing a bulk approve left as it was, and why; `waiting`: its report still waits for
    review (open flags, or re-sent since the page was shown), rather than having nothing to
    approve."""

    pairing_id: int
    reason: str
    waiting: bool = False


@dataclass
class BulkApproval:
    """What approving many reports at once did: the reports approved, and each pairing left as it
    was with the reason, in the order asked."""

    approved: list[Report] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def _county_candidates(session: Session, county_code: str, week: str) -> list[int]:
    """Every pairing a county's "approve all" looks at: those in force (a missing report is
    skipped as such) and any ended pairing that reported the week."""
    reported = select(Report.pairing_id).where(Report.week == week)
    return [pid for pid in session.exec(
        select(col(Pairing.id)).join(Village, col(Pairing.village_id) == col(Village.id))
        .where(Village.county_code == county_code,
               or_(col(Pairing.active), col(Pairing.id).in_(reported)))
        .order_by(col(Village.code), col(Pairing.signed_on), col(Pairing.id))) if pid is not None]


def approve_many(session: Session, principal: Principal, county_code: str, week: str,
                 pairing_ids: Sequence[int] | None, as_of: datetime | None = None,
                 now: datetime | None = None) -> BulkApproval:
    """Approve the county's reports of `week` for the pairings named (None: every pairing of the
    county), each as `approve_report` approves one (the same checks, each audited), in the
    caller's one transaction. Skipped, with the reason: a pairing not found in the caller's scope
    or not of this county, a report missing, already approved or returned, one with an open
    flag, and one re-sent after `as_of`. A submitted (locked) week is refused whole (409).

    The pairings are locked first, as a liaison's save locks its pairing (and on SQLite the
    request holds the one write lock), so each report and its flags are read as the last save
    left them: a report re-sent while this runs is judged by its new figures and flags, never
    approved on what was read before."""
    principal.require(principal.reviews, "只有县扶贫办工作人员可以审核计划书和周报")
    lock = week_lock(session, county_code, week)
    if lock is not None:
        raise Conflict(lock_message(lock, week))
    wanted = list(dict.fromkeys(pairing_ids)) if pairing_ids is not None else \
        _county_candidates(session, county_code, week)
    accesses = pairing_accesses(session, principal, wanted, lock=True)
    mine = [pid for pid, access in accesses.items() if access.county_code == county_code]
    reports: dict[int, Report] = {}
    flagged: dict[int, list[str]] = {}
    for ids in chunked(sorted(mine)):
        reports.update((r.pairing_id, r) for r in session.exec(
            select(Report).where(col(Report.pairing_id).in_(ids), Report.week == week)
            .with_for_update().execution_options(populate_existing=True)))
        for pid, rule in session.exec(
                select(Flag.pairing_id, Flag.rule).where(col(Flag.pairing_id).in_(ids), Flag.week == week,
                                                        Flag.status == FlagStatus.open).order_by(col(Flag.rule))):
            flagged.setdefault(pid, []).append(rule)
    done = BulkApproval()
    for pid in wanted:
        access = accesses.get(pid)
        report = reports.get(pid)
        if access is None:
            done.skipped.append(Skip(pid, not_found(pid).message))
        elif access.county_code != county_code:
            done.skipped.append(Skip(pid, f"结对 {pid} 不在本县（{county_code}）"))
        elif report is None:
            done.skipped.append(Skip(pid, f"{week} 本周未报"))
        elif report.status == ReportStatus.approved:
            done.skipped.append(Skip(pid, "已审核通过"))
        elif report.status == ReportStatus.returned:
            done.skipped.append(Skip(pid, "已退回，待联络员重新报送"))
        elif pid in flagged:
            rules = "、".join(dict.fromkeys(flagged[pid]))
            done.skipped.append(Skip(pid, f"有 {len(flagged[pid])} 条待核实的存疑数据（{rules}），请先核实", True))
        elif as_of is not None and report.submitted_at > as_of:
            done.skipped.append(Skip(pid, "打开审核页面之后又重新报送过，请查看新数据后再审核", True))
        else:
            done.approved.append(approve_report(session, ReportAccess(access, week, report, lock), now))
    return done


def return_report(session: Session, settings: Settings, access: ReportAccess, reason: str) -> Report:
    """Returned to the unit, whose liaisons are told why (they must act)."""
    report = _review(session, access, (ReportStatus.submitted, ReportStatus.approved), ReportStatus.returned,
                     reason)
    pairing = access.pairing
    notices.notify(session, settings, liaisons_of(session, [pairing.pairing.unit_id]).get(pairing.pairing.unit_id, []),
                   "returned",
                   f"周报被退回：{pairing.village.name} {report.week}",
                   f"{pairing.principal.display_name}退回了{pairing.village.name}（{pairing.unit.name}）{report.week} "
                   f"的周报。退回原因：{reason}。请修改后重新报送。", clock_now(settings),
                   url=f"/pairings/{pairing.id}/reports/{report.week}", county_code=pairing.county_code,
                   week=report.week, wecom=pairing.unit.wecom_webhook)
    return report


def list_reports(session: Session, pairing_id: int, limit: int, offset: int) -> tuple[list[Report], int]:
    stmt = select(Report).where(Report.pairing_id == pairing_id).order_by(col(Report.week))
    return page_of(session, stmt, limit, offset)


def accepted_weeks(session: Session, county_code: str) -> set[str]:
    """The weeks whose table the province has accepted: their values stand as province_accepted."""
    return set(session.exec(select(Submission.week).where(
        Submission.county_code == county_code, Submission.status == SubmissionStatus.accepted)))
