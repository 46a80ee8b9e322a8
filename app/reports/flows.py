"""A weekly report with what follows from it: saving runs the suspicious-data rules on the report
and on the pairing's next one (whose S6 compares against it), and the report as the API shows it
carries its flags and where its values stand."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from app.config import Settings
from app.pairings.policy import PairingAccess
from app.reports import service
from app.reports.models import Report, ReportIn, ReportOut, StoryOut, stage
from app.reports.policy import ReportAccess
from app.review import service as review
from app.review.models import Flag


def save_report(session: Session, settings: Settings, access: ReportAccess, data: ReportIn,
                now: datetime | None = None) -> tuple[Report, bool]:
    """Create or replace the week's report; (report, created)."""
    pairing = access.pairing
    previous = service.previous_report(session, pairing.id, access.week)
    following = service.following_report(session, pairing.id, access.week)
    report, created, changed = service.write_report(session, settings, access, data, previous, following, now)
    if changed:
        registered_poor = pairing.village.registered_poor
        review.check_report(session, settings, pairing.principal, report, previous, pairing.plan,
                            registered_poor, pairing.county_code)
        if following is not None:
            # S6 of the next week compares it with this one: a back-filled or corrected earlier
            # week can open or close it.
            review.check_report(session, settings, pairing.principal, following, report, pairing.plan,
                                registered_poor, pairing.county_code)
    return report, created


def reports_out(session: Session, pairing: PairingAccess, reports: Sequence[Report]) -> list[ReportOut]:
    """Reports of one pairing as the API shows them, with their flags and stage: three queries
    however many reports."""
    if not reports:
        return []
    accepted = service.accepted_weeks(session, pairing.county_code)
    flags = review.flags_by_week(session, pairing.id, [r.week for r in reports])
    return [_out(report, report.week in accepted, flags.get(report.week, [])) for report in reports]


def report_out(session: Session, pairing: PairingAccess, report: Report) -> ReportOut:
    return reports_out(session, pairing, [report])[0]


def _out(report: Report, accepted: bool, flags: Sequence[Flag]) -> ReportOut:
    story = StoryOut(title=report.story_title, body=report.story_body) if report.story_body else None
    return ReportOut(
        **report.model_dump(exclude={"story_title", "story_body"}), story=story,
        stage=stage(report.status, accepted) or "reported",
        flags=[review.flag_out(f).model_dump(mode="json") for f in flags],
    )
