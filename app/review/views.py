"""Review pages: the county's review queue, resolving flags, approving reports, submitting the
week's table, and the province reading a submission to accept or return it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from app.auth.scope import scope_of
from app.common import check_week
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid
from app.pairings.models import Pairing, Plan, PlanStatus
from app.regions.models import Village
from app.reports.models import Report, ReportStatus
from app.review import service
from app.review.models import (
    FLAG_STATUS_LABELS,
    SUBMISSION_STATUS_LABELS,
    Flag,
    FlagResolve,
    FlagStatus,
    SubmissionStatus,
)
from app.stats.models import COLUMNS, GROUPS, INCREASE_KEYS, LEGEND
from app.stats.service import resolve_week
from app.units.models import Unit
from app.web.forms import error_map, validate
from app.web.pages import PageScope, PageUser, csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

RULE_NAMES = {"S1": "计划全为零", "S2": "帮扶人数过多", "S3": "到位资金过大", "S4": "人均投入异常",
              "S5": "完成数远超计划", "S6": "累计数减少"}


def queue(session, settings, user, week: str) -> dict:
    """What the county has to review: open flags, reports awaiting approval, plans to confirm."""
    county = user.region_code
    base = (select(Pairing, Village, Unit).join(Village, Pairing.village_id == Village.id)
            .join(Unit, Pairing.unit_id == Unit.id).where(Village.county_code == county))
    flags = session.execute(
        base.add_columns(Flag).join(Flag, Flag.pairing_id == Pairing.id)
        .where(Flag.status == FlagStatus.open).order_by(Flag.week.desc(), Village.code, Flag.rule)
    ).all()
    reports = session.execute(
        base.add_columns(Report).join(Report, Report.pairing_id == Pairing.id)
        .where(Report.status == ReportStatus.submitted, Report.week <= week)
        .order_by(Report.week.desc(), Village.code)
    ).all()
    plans = session.execute(
        base.add_columns(Plan).join(Plan, Plan.pairing_id == Pairing.id)
        .where(Plan.status == PlanStatus.submitted).order_by(Village.code)
    ).all()
    return {"flags": flags, "reports": reports, "plans": plans, "county": county,
            "submission": service.county_week_status(session, [county], week).get(county)}


def _queue_page(request, session, settings, user, week=None, notice=None, errors=None, status_code=200):
    service.require_county_reviewer(user)
    if not user.region_code:
        return render(request, "error.html", {"status": 403, "title": "无权操作",
                                              "message": "审核队列按县划分，请以县扶贫办账号登录"},
                      status_code=403)
    week = resolve_week(settings, week)
    return render(request, "review/queue.html", {
        "title": "审核", "week": week, "notice": notice, "errors": errors or {},
        "rule_names": RULE_NAMES, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS,
        **queue(session, settings, user, week)}, status_code=status_code)


@router.get("/review")
def review_page(request: Request, session: SessionDep, settings: SettingsDep, user: PageUser,
                week: str | None = None):
    return _queue_page(request, session, settings, user, week)


@router.post("/review/flags/{flag_id}/resolve")
def resolve_flag(flag_id: int, request: Request, session: SessionDep, settings: SettingsDep,
                 user: PageUser, resolution: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""):
    try:
        data = validate(FlagResolve, {"resolution": resolution, "note": note})
    except Invalid as exc:
        errors = {f"flag-{flag_id}": "；".join(error_map(exc.errors).values())}
        return _queue_page(request, session, settings, user, errors=errors, status_code=422)
    flag = service.resolve_flag(session, user, flag_id, data)
    return _queue_page(request, session, settings, user,
                       notice=f"存疑数据 {flag.rule} 已处理：{FLAG_STATUS_LABELS[FlagStatus(flag.status)]}")


@router.post("/review/reports/{pairing_id}/{week}/{action}")
def review_report(pairing_id: int, week: str, action: str, request: Request, session: SessionDep,
                  settings: SettingsDep, user: PageUser, reason: Annotated[str, Form()] = ""):
    if action == "approve":
        service.approve_report(session, user, pairing_id, week)
        notice = f"{week} 周报已审核通过"
    elif action == "return":
        if not reason.strip():
            return _queue_page(request, session, settings, user, status_code=422,
                               errors={f"report-{pairing_id}-{week}": "请填写退回原因"})
        service.return_report(session, user, pairing_id, week, reason.strip())
        notice = f"{week} 周报已退回联络员"
    else:
        return render(request, "error.html", {"status": 404, "title": "未找到", "message": "没有这个操作"},
                      status_code=404)
    return _queue_page(request, session, settings, user, notice=notice)


@router.post("/counties/{code}/submissions/{week}")
def submit_week(code: str, week: str, request: Request, session: SessionDep, settings: SettingsDep,
                user: PageUser):
    check_week(settings, week)
    submission = service.submit_week(session, settings, user, code, week)
    return _submission_page(request, session, user, submission,
                            notice=f"{week} 统计表已上报省扶贫办（上报编号 {submission.id}），本周周报已锁定")


def _submission_page(request, session, user, submission, notice=None, errors=None, status_code=200):
    history = service.list_submissions(session, scope_of(user), submission.county_code)
    return render(request, "review/submission.html", {
        "title": f"上报统计表 {submission.week}", "submission": submission, "table": submission.snapshot,
        "status_label": SUBMISSION_STATUS_LABELS[SubmissionStatus(submission.status)],
        "may_decide": service.may_decide(user, submission.county_code)
                      and submission.status == SubmissionStatus.submitted,
        "history": history, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS,
        "columns": COLUMNS, "groups": GROUPS, "legend": LEGEND, "increase_keys": INCREASE_KEYS,
        "notice": notice, "errors": errors or {},
    }, status_code=status_code)


@router.get("/counties/{code}/submissions/{week}")
def submission_page(code: str, week: str, request: Request, session: SessionDep, scope: PageScope,
                    user: PageUser):
    return _submission_page(request, session, user, service.current_submission(session, scope, code, week))


@router.post("/counties/{code}/submissions/{week}/{action}")
def decide_submission(code: str, week: str, action: str, request: Request, session: SessionDep,
                      scope: PageScope, user: PageUser, reason: Annotated[str, Form()] = ""):
    if action == "accept":
        submission = service.accept_week(session, user, code, week)
        notice = "已接收该县本周统计表"
    elif action == "return":
        if not reason.strip():
            current = service.current_submission(session, scope, code, week)
            return _submission_page(request, session, user, current, status_code=422,
                                    errors={"reason": "请填写退回原因"})
        submission = service.return_week(session, user, code, week, reason.strip())
        notice = "已退回该县本周统计表，县级周报已解锁"
    else:
        return render(request, "error.html", {"status": 404, "title": "未找到", "message": "没有这个操作"},
                      status_code=404)
    return _submission_page(request, session, user, submission, notice=notice)

