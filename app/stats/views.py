"""The annex-3 table pages (county, province, national) with a week picker and downloads, the
county's submission of its week, and the province reading a submission to accept or return it."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import PagePrincipal
from app.common import ReasonIn, campaign_weeks, check_week, clock_now, parse_week, today
from app.config import Settings
from app.deps import CodePath, SessionDep, SettingsDep, WeekPath
from app.errors import Conflict, Invalid
from app.notices import service as notices
from app.review import service as review
from app.review.models import Flag
from app.stats import flows, service
from app.stats.api import county_file, rollup_file
from app.stats.deps import PageCounty
from app.stats.models import (
    CHECKLIST_KEYS,
    CHECKLIST_LABELS,
    COLUMNS,
    COUNTY_LEAD,
    GROUPS,
    INCREASE_KEYS,
    LEGEND,
    LIVE,
    SUBMISSION_STATUS_LABELS,
    TITLE,
    Submission,
    SubmissionStatus,
    SubmitIn,
    rollup_lead,
)
from app.stats.policy import CountyAccess
from app.web.forms import error_map, validate
from app.web.pages import csrf_protect, is_htmx, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

WeekQuery = Annotated[str | None, Query()]


def _weeks(settings: Settings) -> list[str]:
    """The campaign's weeks up to this one, newest first, for the picker."""
    now = today(settings)
    return [w for w in campaign_weeks(settings) if parse_week(w) <= now][::-1]


def annex(settings: Settings | None = None) -> dict[str, Any]:
    """What the annex-3 table macro needs besides the table."""
    out: dict[str, Any] = {"columns": COLUMNS, "groups": GROUPS, "legend": LEGEND, "annex_title": TITLE,
                           "increase_keys": INCREASE_KEYS, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS}
    if settings is not None:
        out["weeks"] = _weeks(settings)
    return out


def flagged_cells(flags_by_pairing: dict[int, list[Flag]]) -> dict[int, dict[str, str]]:
    """{pairing_id: {column: "S3 …message…"}} for marking the table's cells."""
    cells: dict[int, dict[str, str]] = {}
    for pairing_id, flags in flags_by_pairing.items():
        for flag in flags:
            for column in flag.columns or ["__row__"]:
                note = f"{flag.rule} {flag.message}"
                mine = cells.setdefault(pairing_id, {})
                mine[column] = f"{mine[column]}\n{note}" if column in mine else note
    return cells


def _table_view(q: str, show: str, sort: str) -> service.TableView:
    """The view asked for; an unknown filter or order is 422 naming it."""
    if show and show not in service.TABLE_FILTERS:
        raise Invalid.one(["query", "filter"], "筛选条件只能是：" + "、".join(
            f"{key}（{text}）" for key, text in service.TABLE_FILTERS.items()))
    if sort and sort not in service.TABLE_SORTS:
        raise Invalid.one(["query", "sort"], "排序只能是：" + "、".join(
            f"{key}（{text}）" for key, text in service.TABLE_SORTS.items()))
    return service.TableView(q=q.strip(), show=show or None, sort=sort or "seq")


@router.get("/counties/{code}/table")
def county_page(request: Request, session: SessionDep, settings: SettingsDep, county: PageCounty,
                week: WeekQuery = None, q: Annotated[str, Query(max_length=50)] = "",
                show: Annotated[str, Query(alias="filter")] = "", sort: Annotated[str, Query()] = "") -> Response:
    """The table, narrowed and ordered by the query (`?filter=missing`, `?q=大坪`, `?sort=unit`)."""
    view = _table_view(q, show, sort)
    table = service.county_table(session, settings, county, week)
    submission = service.county_week_status(session, [county.code], table.week).get(county.code)
    live = submission is not None and submission.status in LIVE
    flags = flagged_cells(review.open_flags_by_pairing(session, county.code, table.week))
    return render(request, "stats/county.html", {
        **annex(settings), "title": f"{table.county.name} {TITLE}", "table": service.county_view(table, flags, view),
        "lead": COUNTY_LEAD, "base": f"/counties/{county.code}/table", "view": view,
        "TABLE_FILTERS": service.TABLE_FILTERS, "TABLE_SORTS": service.TABLE_SORTS,
        "flags": flags,
        "submission": submission, "may_submit": not live and county.may_submit, "may_remind": county.may_submit,
        "checklist": service.table_checklist(session, table),
    }, block="annex")


CHANNELS = {"inbox": "站内信", "email": "电子邮件", "sms": "短信", "wecom": "企业微信"}
DELIVERY_STATUSES = {"queued": "排队中", "sent": "已发送", "failed": "发送失败"}


def _reminded(request: Request, session: Session, county: CountyAccess, week: str, reminded: int | None) -> Response:
    log = notices.delivery_log(session, county.principal, county.code, week)
    return render(request, "stats/_reminded.html", {
        "reminded": reminded, "log": log, "week": week, "county_code": county.code,
        "pending": any(d.status == "queued" for d in log), "CHANNELS": CHANNELS, "STATUSES": DELIVERY_STATUSES,
    }, block=None)


@router.post("/counties/{code}/reminders/{week}")
def remind_page(week: WeekPath, request: Request, session: SessionDep, settings: SettingsDep,
                county: PageCounty) -> Response:
    """催报 from the county table: the missing pairings' liaisons reminded, and who was reached how."""
    check_week(settings, week)
    county.principal.require(county.may_submit, "只有本县扶贫办可以催报")
    now = clock_now(settings)
    reminded, _queued = flows.remind_missing(session, settings, county, week, now)  # sent once committed
    return _reminded(request, session, county, week, reminded)


@router.get("/counties/{code}/reminders/{week}")
def reminded_page(week: WeekPath, request: Request, session: SessionDep, settings: SettingsDep,
                  county: PageCounty) -> Response:
    check_week(settings, week)
    return _reminded(request, session, county, week, None)


@router.get("/counties/{code}/table.{fmt}")
def county_download(fmt: Literal["csv", "xlsx"], session: SessionDep, settings: SettingsDep,
                    county: PageCounty, week: WeekQuery = None) -> Response:
    return county_file(session, service.county_table(session, settings, county, week), fmt)


def _rollup_page(request: Request, settings: Settings, rollup: service.Rollup, title: str, base: str) -> Response:
    return render(request, "stats/rollup.html", {
        **annex(settings), "title": title, "table": rollup.json(), "kind": rollup.kind,
        "lead": rollup_lead(rollup.kind), "base": base,
    }, block="annex")


@router.get("/provinces/{code}/table")
def province_page(code: CodePath, request: Request, session: SessionDep, settings: SettingsDep,
                  principal: PagePrincipal, week: WeekQuery = None) -> Response:
    rollup = service.province_table(session, settings, principal, code, week)
    assert rollup.province is not None
    return _rollup_page(request, settings, rollup, f"{rollup.province.name} 分县汇总表", f"/provinces/{code}/table")


@router.get("/national/table")
def national_page(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
                  week: WeekQuery = None) -> Response:
    rollup = service.national_table(session, settings, principal, week)
    return _rollup_page(request, settings, rollup, "全国分省汇总表", "/national/table")


@router.get("/provinces/{code}/table.{fmt}")
def province_download(code: CodePath, fmt: Literal["csv", "xlsx"], session: SessionDep, settings: SettingsDep,
                      principal: PagePrincipal, week: WeekQuery = None) -> Response:
    return rollup_file(service.province_table(session, settings, principal, code, week), fmt)


@router.get("/national/table.{fmt}")
def national_download(fmt: Literal["csv", "xlsx"], session: SessionDep, settings: SettingsDep,
                      principal: PagePrincipal, week: WeekQuery = None) -> Response:
    return rollup_file(service.national_table(session, settings, principal, week), fmt)


@router.get("/counties/{code}/candidates")
def candidates_page(request: Request, session: SessionDep, settings: SettingsDep, county: PageCounty,
                    week: WeekQuery = None) -> Response:
    region, week, found = service.candidates(session, settings, county, week)
    return render(request, "stats/candidates.html", {
        "title": f"{region.name} 示范点候选", "county": region, "week": week, "candidates": found,
        "weeks": _weeks(settings), "settings": settings,
    })


# --- submissions -----------------------------------------------------------------------------


def _submission_page(request: Request, session: Session, county: CountyAccess, submission: Submission, *,
                     notice: str | None = None, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Response:
    return render(request, "stats/submission.html", {
        **annex(), "title": f"上报统计表 {submission.week}", "submission": submission,
        "table": submission.snapshot, "lead": COUNTY_LEAD,
        "status_label": SUBMISSION_STATUS_LABELS[SubmissionStatus(submission.status)],
        "may_decide": county.may_decide and submission.status == SubmissionStatus.submitted,
        "history": service.list_submissions(session, county), "notice": notice, "errors": errors or {},
        "CHECKLIST_KEYS": CHECKLIST_KEYS, "CHECKLIST_LABELS": CHECKLIST_LABELS,
    }, status_code=status_code)


def _checklist_part(request: Request, session: Session, settings: Settings, county: CountyAccess, week: str, *,
                    form: dict[str, Any], errors: dict[str, str] | None = None, message: str | None = None,
                    status_code: int) -> Response:
    """The table page's checklist and submit form again, with what the county typed and why the
    week did not go up."""
    submission = service.county_week_status(session, [county.code], week).get(county.code)
    return render(request, "stats/_checklist.html", {
        "checklist": service.week_checklist(session, settings, county, week), "submission": submission,
        "may_submit": county.may_submit and (submission is None or submission.status not in LIVE),
        "form": form, "errors": errors or {}, "message": message,
    }, block=None, status_code=status_code)


@router.post("/counties/{code}/submissions/{week}")
def submit_week(week: WeekPath, request: Request, session: SessionDep, settings: SettingsDep,
                county: PageCounty, confirm_incomplete: Annotated[str, Form()] = "",
                note: Annotated[str, Form()] = "") -> Response:
    """The table page's submit form (htmx; without it an error is a page of its own): refused in
    place while reports are returned, and for an incomplete week without the box ticked and a note."""
    check_week(settings, week)
    form = {"confirm_incomplete": confirm_incomplete == "true", "note": note}
    try:
        data = validate(SubmitIn, form)
        submission = service.submit_week(session, settings, county, week, data)
    except Invalid as exc:
        if not is_htmx(request):
            raise
        return _checklist_part(request, session, settings, county, week, form=form,
                               errors=error_map(exc.errors), status_code=422)
    except Conflict as exc:
        checklist = exc.extra.get("checklist")
        if checklist is None or not is_htmx(request):
            raise  # already submitted: the message where every page shows one
        if checklist["returned"]:  # nothing the form can change
            return _checklist_part(request, session, settings, county, week, form=form, message=exc.message,
                                   status_code=409)
        # The box left unticked: the form refused as a form is, beside the box.
        return _checklist_part(request, session, settings, county, week, form=form, message=exc.message,
                               errors={"confirm_incomplete": "请勾选“确认带缺项上报”，并填写说明"}, status_code=422)
    response = _submission_page(request, session, county, submission,
                                notice=f"{week} 统计表已上报省扶贫办（上报编号 {submission.id}），本周周报已锁定")
    response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#main", "innerHTML"
    return response


@router.get("/counties/{code}/submissions/{week}")
def submission_page(week: WeekPath, request: Request, session: SessionDep, county: PageCounty) -> Response:
    return _submission_page(request, session, county, service.current_submission(session, county, week))


@router.post("/counties/{code}/submissions/{week}/{action}")
def decide_submission(week: WeekPath, action: str, request: Request, session: SessionDep, settings: SettingsDep,
                      county: PageCounty, reason: Annotated[str, Form()] = "") -> Response:
    if action == "accept":
        submission = service.accept_week(session, settings, county, week)
        notice = "已接收该县本周统计表"
    elif action == "return":
        try:
            data = validate(ReasonIn, {"reason": reason})
        except Invalid as exc:
            current = service.current_submission(session, county, week)
            return _submission_page(request, session, county, current, status_code=422,
                                    errors=error_map(exc.errors))
        submission = service.return_week(session, settings, county, week, data.reason)
        notice = "已退回该县本周统计表，县级周报已解锁"
    else:
        return render(request, "error.html", {"status": 404, "title": "未找到", "message": "没有这个操作"},
                      status_code=404)
    return _submission_page(request, session, county, submission, notice=notice)
