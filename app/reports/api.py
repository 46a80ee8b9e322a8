"""Weekly progress reports."""

from fastapi import APIRouter, Response, status

from app.api_common import PageDep
from app.common import Page
from app.deps import CurrentUser, ScopeDep, SessionDep, SettingsDep
from app.pairings.models import ReasonIn
from app.reports import service
from app.reports.models import ReportIn, ReportOut
from app.review import service as review

router = APIRouter(tags=["reports"])


@router.put("/pairings/{pairing_id}/reports/{week}", response_model=ReportOut,
            responses={201: {"model": ReportOut, "description": "周报已创建"}})
def put_report(pairing_id: int, week: str, data: ReportIn, session: SessionDep,
               settings: SettingsDep, user: CurrentUser, response: Response):
    report, created = service.put_report(session, settings, user, pairing_id, week, data)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return service.report_out(session, report)


@router.get("/pairings/{pairing_id}/reports", response_model=Page[ReportOut])
def list_reports(pairing_id: int, session: SessionDep, scope: ScopeDep, page: PageDep):
    reports, total = service.list_reports(session, scope, pairing_id, page.limit, page.offset)
    return Page(items=[service.report_out(session, r) for r in reports], total=total)


@router.post("/pairings/{pairing_id}/reports/{week}/approve", response_model=ReportOut)
def approve_report(pairing_id: int, week: str, session: SessionDep, user: CurrentUser):
    return service.report_out(session, review.approve_report(session, user, pairing_id, week))


@router.post("/pairings/{pairing_id}/reports/{week}/return", response_model=ReportOut)
def return_report(pairing_id: int, week: str, data: ReasonIn, session: SessionDep, user: CurrentUser):
    return service.report_out(session, review.return_report(session, user, pairing_id, week, data.reason))


@router.get("/pairings/{pairing_id}/reports/{week}", response_model=ReportOut)
def get_report(pairing_id: int, week: str, session: SessionDep, scope: ScopeDep):
    return service.report_out(session, service.get_report(session, scope, pairing_id, week))
