"""The worklist every user opens on, and the county's review queue with its one-click actions."""

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import PagePrincipal
from app.auth.policy import Principal
from app.common import ReasonIn, check_week, clock_now, local_tz, week_deadline
from app.config import Settings
from app.deps import PathId, SessionDep, SettingsDep, WeekPath
from app.errors import Invalid
from app.pairings.policy import pairing_access
from app.reports import service as reports
from app.reports.models import REPORT_STATUS_LABELS, BulkApproveIn
from app.reports.policy import report_access
from app.review import service as review
from app.review.models import FLAG_STATUS_LABELS, RULE_NAMES, FlagResolve, FlagsResolve, FlagStatus
from app.review.policy import flag_access
from app.stats import service as stats
from app.stats.models import SUBMISSION_STATUS_LABELS
from app.stats.policy import county_access
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
                status_code: int = 200, at: str | None = None, keep_reports: Iterable[int] = (),
                keep_flags: Iterable[int] = (), skipped: dict[int, str] | None = None) -> Response:
    """The queue; after an action (htmx), only its #queue part. `at`: where the action's notice
    shows, beside what was acted on ("flags-S3", "week-2020-W29", "report-12-2020-W29");
    `skipped`: why each pairing of a bulk approve was left, shown in its row."""
    principal.require(principal.reviews, "只有县扶贫办工作人员可以审核计划书和周报")
    if not principal.region_code:
        return render(request, "error.html", {"status": 403, "title": "无权操作",
                                              "message": "审核队列按县划分，请以县扶贫办账号登录"},
                      status_code=403)
    week = resolve_week(settings, week)
    county = principal.region_code
    return render(request, "review/queue.html", {
        "title": "审核", "week": week, "notice": notice, "notice_at": at, "errors": errors or {},
        "skipped": skipped or {}, "county": county, "as_of": clock_now(settings).isoformat(),
        "rule_names": RULE_NAMES, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS,
        "REPORT_STATUS_LABELS": REPORT_STATUS_LABELS, "FLAG_STATUS_LABELS": FLAG_STATUS_LABELS,
        "submission": stats.county_week_status(session, [county], week).get(county),
        **service.review_queue(session, county, week, keep_reports, keep_flags)},
        block="queue", status_code=status_code)


@router.get("/review")
def review_page(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
                week: str | None = None) -> Response:
    return _queue_page(request, session, settings, principal, week)


@router.post("/review/flags/resolve")
def resolve_flags(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
                  flag_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
                  resolution: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                  rule: Annotated[str, Form()] = "") -> Response:
    """Flags of one rule, ticked on the queue, resolved with one note (POST /api/v1/flags/resolve)."""
    at = f"flags-{rule}"
    try:
        data = validate(FlagsResolve, {"flag_ids": flag_ids, "resolution": resolution, "note": note})
        resolved, skipped = review.resolve_flags(session, principal, data)
    except Invalid as exc:
        message = "；".join(error_map(exc.errors).values())
        if "flag_ids" in error_map(exc.errors):
            message = "请先勾选要处理的存疑数据" if not flag_ids else message
        return _queue_page(request, session, settings, principal, errors={at: message}, at=at, status_code=422)
    label = FLAG_STATUS_LABELS[FlagStatus(data.resolution)]
    notice = f"已处理 {len(resolved)} 条 {rule} 存疑数据：{label}" + (
        f"；{len(skipped)} 条此前已被处理" if skipped else "")
    return _queue_page(request, session, settings, principal, notice=notice, at=at,
                       keep_flags=[f.id for f in resolved if f.id is not None])


@router.post("/review/flags/{flag_id}/resolve")
def resolve_flag(flag_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
                 principal: PagePrincipal, resolution: Annotated[str, Form()] = "",
                 note: Annotated[str, Form()] = "") -> Response:
    access = flag_access(session, principal, flag_id)
    at = f"flags-{access.flag.rule}"
    try:
        data = validate(FlagResolve, {"resolution": resolution, "note": note})
    except Invalid as exc:
        return _queue_page(request, session, settings, principal, at=at, status_code=422,
                           errors={at: "；".join(error_map(exc.errors).values())})
    flag = review.resolve_flag(session, access, data)
    return _queue_page(request, session, settings, principal, at=at, keep_flags=[flag_id],
                       notice=f"存疑数据 {flag.rule} 已处理：{FLAG_STATUS_LABELS[FlagStatus(flag.status)]}")


@router.post("/review/reports/{week}/approve")
def approve_reports(week: WeekPath, request: Request, session: SessionDep, settings: SettingsDep,
                    principal: PagePrincipal, pairing_ids: Annotated[list[str], Form()] = [],  # noqa: B006
                    all_without_open_flags: Annotated[str, Form()] = "",
                    as_of: Annotated[str, Form()] = "") -> Response:
    """"通过所选" or "通过本周全部无存疑的周报" (POST /api/v1/counties/{code}/reports/{week}/approve)."""
    at = f"week-{week}"
    principal.require(principal.reviews, "只有县扶贫办工作人员可以审核计划书和周报")
    county = county_access(session, principal, principal.region_code or "")
    try:
        check_week(settings, week)
        data = validate(BulkApproveIn, {
            "pairing_ids": None if all_without_open_flags else pairing_ids,
            "all_without_open_flags": True if all_without_open_flags else None, "as_of": as_of or None})
        chosen = data.selected()
    except Invalid as exc:
        message = "请先勾选要通过的周报" if not all_without_open_flags and not pairing_ids \
            else "；".join(error_map(exc.errors).values())
        return _queue_page(request, session, settings, principal, errors={at: message}, at=at, status_code=422)
    done = reports.approve_many(session, principal, county.code, week, chosen, data.as_of)
    # "All" also looks at pairings with nothing to approve (not reported, approved, returned): the
    # table's business, not the queue's. Those ticked are each answered.
    skipped = {skip.pairing_id: skip.reason for skip in done.skipped if chosen is not None or skip.waiting}
    notice = f"{week}：已审核通过 {len(done.approved)} 份周报" + (f"；{len(skipped)} 份未通过，原因见各行" if skipped else "")
    return _queue_page(request, session, settings, principal, notice=notice, at=at, skipped=skipped,
                       keep_reports=[r.id for r in done.approved if r.id is not None])


@router.post("/review/reports/{pairing_id}/{week}/{action}")
def review_report(pairing_id: PathId, week: WeekPath, action: str, request: Request, session: SessionDep,
                  settings: SettingsDep, principal: PagePrincipal,
                  reason: Annotated[str, Form()] = "") -> Response:
    if action not in ("approve", "return"):
        return render(request, "error.html", {"status": 404, "title": "未找到", "message": "没有这个操作"},
                      status_code=404)
    at = f"report-{pairing_id}-{week}"
    if action == "return":
        try:
            data = validate(ReasonIn, {"reason": reason})
        except Invalid as exc:
            return _queue_page(request, session, settings, principal, status_code=422, at=at,
                               errors={at: exc.errors[0]["msg"]})
    # Locked as the API's approve locks it: a liaison's save of the pairing waits, or is waited for.
    access = report_access(session, pairing_access(session, principal, pairing_id, lock=True), week)
    if action == "approve":
        report = reports.approve_report(session, access)
        notice = f"{week} 周报已审核通过"
    else:
        report = reports.return_report(session, settings, access, data.reason)
        notice = f"{week} 周报已退回联络员"
    return _queue_page(request, session, settings, principal, notice=notice, at=at,
                       keep_reports=[report.id] if report.id is not None else [])
