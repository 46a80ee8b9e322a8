"""The week's report a route is about, within the caller's scope (the pairing's 404 first)."""

from typing import Annotated

from fastapi import Depends

from app.deps import SessionDep, WeekPath
from app.pairings.deps import CurrentPairing, PagePairing
from app.pairings.policy import REPORT_WRITE
from app.reports.policy import ReportAccess, report_access, write_access


def api_report(week: WeekPath, pairing: CurrentPairing, session: SessionDep) -> ReportAccess:
    return report_access(session, pairing, week)


def page_report(week: WeekPath, pairing: PagePairing, session: SessionDep) -> ReportAccess:
    return report_access(session, pairing, week)


CurrentReport = Annotated[ReportAccess, Depends(api_report)]
PageReport = Annotated[ReportAccess, Depends(page_report)]


def report_writer(week: WeekPath, pairing: CurrentPairing, session: SessionDep) -> ReportAccess:
    """A week whose report the caller may write: 403 before the body is even read. The report
    itself is not read here: the save reads it, with its neighbours, under lock."""
    pairing.require_write(REPORT_WRITE)
    return write_access(session, pairing, week)


ReportWriter = Annotated[ReportAccess, Depends(report_writer)]
