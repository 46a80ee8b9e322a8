"""Weekly progress reports."""

from fastapi import APIRouter, Response, status

from app.common import Page, ReasonIn
from app.deps import PageDep, SessionDep, SettingsDep
from app.pairings.deps import CurrentPairing
from app.reports import flows, service
from app.reports.deps import CurrentReport, ReportWriter
from app.reports.models import ReportIn, ReportOut

router = APIRouter(tags=["reports"])


@router.put("/pairings/{pairing_id}/reports/{week}", response_model=ReportOut,
            responses={201: {"model": ReportOut, "description": "周报已创建"}})
def put_report(data: ReportIn, report: ReportWriter, session: SessionDep, settings: SettingsDep,
               response: Response) -> ReportOut:
    saved = flows.save_report(session, settings, report, data)
    # Committed here, in the thread that took the county's rollup rows (app.rollups): handing the
    # commit to another worker thread would hold them while every thread waits for them.
    session.commit()
    response.status_code = status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK
    return flows.saved_out(saved)


@router.get("/pairings/{pairing_id}/reports", response_model=Page[ReportOut])
def list_reports(pairing: CurrentPairing, session: SessionDep, page: PageDep) -> Page[ReportOut]:
    reports, total = service.list_reports(session, pairing.id, page.limit, page.offset)
    return Page(items=flows.reports_out(session, pairing, reports), total=total)


@router.post("/pairings/{pairing_id}/reports/{week}/approve", response_model=ReportOut)
def approve_report(report: CurrentReport, session: SessionDep) -> ReportOut:
    return flows.report_out(session, report.pairing, service.approve_report(session, report))


@router.post("/pairings/{pairing_id}/reports/{week}/return", response_model=ReportOut)
def return_report(data: ReasonIn, report: CurrentReport, session: SessionDep, settings: SettingsDep) -> ReportOut:
    return flows.report_out(session, report.pairing, service.return_report(session, settings, report, data.reason))


@router.get("/pairings/{pairing_id}/reports/{week}", response_model=ReportOut)
def get_report(report: CurrentReport, session: SessionDep) -> ReportOut:
    return flows.report_out(session, report.pairing, report.require_report())
