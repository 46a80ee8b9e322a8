"""The worklist every user opens on, and the county's review queue with its one-click actions."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import PagePrincipal
from app.auth.policy import Principal
from app.common import ReasonIn, clock_now, local_tz, week_deadline
from app.config import Settings
from app.deps import PathId, SessionDep, SettingsDep, WeekPath
from app.errors import Invalid
from app.pairings.policy import pairing_access
from app.reports import service as reports
from app.reports.policy import report_access
from app.review import service as review
from app.review.models import FLAG_STATUS_LABELS, RULE_NAMES, FlagResolve, FlagStatus
from app.review.policy import flag_access
from app.stats import service as stats
from app.stats.models import SUBMISSION_STATUS_LABELS
from app.stats.service import resolve_week
from app.web.forms import error_map, validate
from app.web.pages import csrf_protect, render
from app.worklist import service

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/")
def home(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal) -> Response:
    week = resolve_week(settings, None)
    kind = principal.home
    context: dict[str, Any] = {"week": week, "kind": kind, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS}
    if kind == "unit":
        context["tasks"] = service.liaison_tasks(session, principal, week)
        deadline = week_deadline(settings, week)
        context.update(deadline_local=deadline.astimezone(local_tz(settings)),
                       past_deadline=clock_now(settings) > deadline)
    elif kind == "county":
        context.update(service.county_tasks(session, settings, principal, week))
    else:
        context.update(service.region_tasks(session, settings, principal, week))
    return render(request, "worklist.html", context)


def _queue_page(request: Request, session: Session, settings: Settings, principal: Principal,
                week: str | None = None, notice: str | None = None, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    principal.require(principal.reviews, "只有县扶贫办工作人员可以审核计划书和周报")
    if not principal.region_code:
        return render(request, "error.html", {"status": 403, "title": "无权操作",
                                              "message": "审核队列按县划分，请以县扶贫办账号登录"},
                      status_code=403)
    week = resolve_week(settings, week)
    county = principal.region_code
    return render(request, "review/queue.html", {
        "title": "审核", "week": week, "notice": notice, "errors": errors or {}, "county": county,
        "rule_names": RULE_NAMES, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS,
        "submission": stats.county_week_status(session, [county], week).get(county),
        **service.review_queue(session, county, week)}, status_code=status_code)


@router.get("/review")
def review_page(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
                week: str | None = None) -> Response:
    return _queue_page(request, session, settings, principal, week)


@router.post("/review/flags/{flag_id}/resolve")
def resolve_flag(flag_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
                 principal: PagePrincipal, resolution: Annotated[str, Form()] = "",
                 note: Annotated[str, Form()] = "") -> Response:
    try:
        data = validate(FlagResolve, {"resolution": resolution, "note": note})
    except Invalid as exc:
        errors = {f"flag-{flag_id}": "；".join(error_map(exc.errors).values())}
        return _queue_page(request, session, settings, principal, errors=errors, status_code=422)
    flag = review.resolve_flag(session, flag_access(session, principal, flag_id), data)
    return _queue_page(request, session, settings, principal,
                       notice=f"存疑数据 {flag.rule} 已处理：{FLAG_STATUS_LABELS[FlagStatus(flag.status)]}")


@router.post("/review/reports/{pairing_id}/{week}/{action}")
def review_report(pairing_id: PathId, week: WeekPath, action: str, request: Request, session: SessionDep,
                  settings: SettingsDep, principal: PagePrincipal,
                  reason: Annotated[str, Form()] = "") -> Response:
    if action not in ("approve", "return"):
        return render(request, "error.html", {"status": 404, "title": "未找到", "message": "没有这个操作"},
                      status_code=404)
    if action == "return":
        try:
            data = validate(ReasonIn, {"reason": reason})
        except Invalid as exc:
            return _queue_page(request, session, settings, principal, status_code=422,
                               errors={f"report-{pairing_id}-{week}": exc.errors[0]["msg"]})
    access = report_access(session, pairing_access(session, principal, pairing_id), week)
    if action == "approve":
        reports.approve_report(session, access)
        notice = f"{week} 周报已审核通过"
    else:
        reports.return_report(session, settings, access, data.reason)
        notice = f"{week} 周报已退回联络员"
    return _queue_page(request, session, settings, principal, notice=notice)
