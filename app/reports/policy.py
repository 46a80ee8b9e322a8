"""A week's report of a pairing as its caller may see it, and what the caller may do with it. A
report of a week the county has sent up is locked until the province returns that week."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.common import chunked
from app.errors import Conflict, NotFound
from app.pairings.policy import PairingAccess
from app.reports.models import Report
from app.stats.models import LIVE, SUBMISSION_STATUS_LABELS, Submission, SubmissionStatus


def week_lock(session: Session, county_code: str, week: str) -> Submission | None:
    """The county's live submission of the week, which locks the week's reports."""
    return session.exec(
        select(Submission).where(Submission.county_code == county_code, Submission.week == week,
                                 col(Submission.status).in_(LIVE))
    ).first()


def week_locks(session: Session, county_weeks: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Submission]:
    """`week_lock` of many (county, week) pairs: those locked, by pair."""
    wanted = set(county_weeks)
    locks: dict[tuple[str, str], Submission] = {}
    for counties in chunked(sorted({county for county, _week in wanted})):
        weeks = sorted({week for county, week in wanted if county in counties})
        for lock in session.exec(select(Submission).where(
                col(Submission.county_code).in_(counties), col(Submission.week).in_(weeks),
                col(Submission.status).in_(LIVE)).order_by(col(Submission.id))):
            key = (lock.county_code, lock.week)
            if key in wanted:
                locks.setdefault(key, lock)
    return locks


def lock_message(lock: Submission, week: str) -> str:
    return (f"{week} 的县统计表已上报（上报编号 {lock.id}，"
            f"{SUBMISSION_STATUS_LABELS[SubmissionStatus(lock.status)]}），本周周报已锁定；"
            "如需修改，请联系省扶贫办退回")


@dataclass(frozen=True)
class ReportAccess:
    pairing: PairingAccess
    week: str
    report: Report | None
    lock: Submission | None

    @property
    def may_write(self) -> bool:
        return self.pairing.may_write and self.lock is None

    @property
    def may_review(self) -> bool:
        return self.report is not None and self.pairing.may_review and self.lock is None

    @property
    def may_feature(self) -> bool:
        # 典型案例: featuring a story changes no figure, so a locked week may still be featured.
        return self.report is not None and bool(self.report.story_body) and self.pairing.may_review

    def require_report(self) -> Report:
        if self.report is None:
            raise NotFound(f"结对 {self.pairing.id} 在 {self.week} 没有周报，或不在您的管辖范围内")
        return self.report

    def require_unlocked(self) -> None:
        if self.lock is not None:
            raise Conflict(lock_message(self.lock, self.week))


def write_access(session: Session, pairing: PairingAccess, week: str) -> ReportAccess:
    """The access a save needs: the pairing and the week's lock; `report` is left unread (None),
    as the save reads the report under lock."""
    return ReportAccess(pairing, week, None, week_lock(session, pairing.county_code, week))


def report_access(session: Session, pairing: PairingAccess, week: str) -> ReportAccess:
    report = session.exec(select(Report).where(Report.pairing_id == pairing.id, Report.week == week)).first()
    return ReportAccess(pairing, week, report, week_lock(session, pairing.county_code, week))
