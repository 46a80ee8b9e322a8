"""The week's report a route is about, within the caller's scope (the pairing's 404 first)."""

from typing import Annotated

from fastapi import Depends

from app.deps import SessionDep
from app.pairings.deps import CurrentPairing, PagePairing
from app.reports.policy import ReportAccess, report_access


def api_report(week: str, pairing: CurrentPairing, session: SessionDep) -> ReportAccess:
    return report_access(session, pairing, week)


def page_report(week: str, pairing: PagePairing, session: SessionDep) -> ReportAccess:
    return report_access(session, pairing, week)


CurrentReport = Annotated[ReportAccess, Depends(api_report)]
PageReport = Annotated[ReportAccess, Depends(page_report)]
