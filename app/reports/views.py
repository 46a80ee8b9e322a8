"""The weekly report form: last week's values beside each field, live percentages against the
plan, a warning before a decrease, the story, and the late mark."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from app.common import (
    check_week,
    clock_now,
    format_decimal,
    local_tz,
    parse_week,
    percentage,
    previous_week,
    today,
    week_deadline,
    week_of,
)
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid
from app.pairings.models import Plan
from app.pairings.service import get_pairing_row
from app.pairings.views import places
from app.public.service import is_featured
from app.reports import service
from app.reports.models import REPORT_STATUS_LABELS, Report, ReportIn, ReportStatus
from app.review import service as review
from app.review.models import FLAG_STATUS_LABELS
from app.web.forms import FormField, error_map, nested, raw_values, validate
from app.web.pages import PageScope, PageUser, csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

# (field, the plan's field it is measured against)
REPORT_FORM = [
    (FormField("funds_arrived_wan", "资金已到位总投入（万元）", "wan", "累计数"), "planned_funds_wan"),
    (FormField("materials_arrived_wan", "物资已到位（万元）", "wan", "累计数"), "planned_materials_wan"),
    (FormField("industry_plan_done", "是否已完成产业扶贫计划", "choice",
               choices=(("true", "是"), ("false", "否"))), None),
    (FormField("sales_done_wan", "已完成销售（万元）", "wan", "累计数"), "sales_target_wan"),
    (FormField("jobs_done", "已解决就业人数", "int", "累计数"), "jobs_target"),
    (FormField("trained_done", "已完成培训人数", "int", "累计数"), "trainees_target"),
    (FormField("stationed_now", "已驻村人数", "int", "当前在村人数，可以减少"), "stationed_target"),
    (FormField("beneficiaries", "带动贫困人口数", "int", "选填"), None),
]
TEXT_FIELDS = [
    FormField("progress", "本周项目进展", "text", "必填，不超过 2000 字", wide=True),
    FormField("story.title", "案例故事标题", "line", "选填"),
    FormField("story.body", "案例故事正文", "text", "选填：本周值得宣传的帮扶故事", wide=True),
    FormField("correction_note", "更正说明", "text", "累计数比上次减少时必须填写原因", wide=True),
]
ALL_FIELDS = [f for f, _plan in REPORT_FORM] + TEXT_FIELDS
NUMBER_FIELDS = [f for f, _plan in REPORT_FORM if f.kind in ("wan", "int")]


def _body(form) -> dict:
    body = nested(form, ALL_FIELDS)
    story = body.get("story") or {}
    if not story.get("title") and not story.get("body"):
        body.pop("story", None)  # no story this week
    if not body.get("correction_note"):
        body.pop("correction_note", None)
    return body


def report_values(report: Report | None) -> dict[str, str]:
    if report is None:
        return {"industry_plan_done": "false"}
    values = {}
    for f, _plan in REPORT_FORM:
        value = getattr(report, f.name)
        if f.kind == "choice":
            values[f.name] = "true" if value else "false"
        elif value is None:
            values[f.name] = ""
        else:
            values[f.name] = format_decimal(value) if f.kind == "wan" else str(value)
    values["progress"] = report.progress
    values["story.title"] = report.story_title or ""
    values["story.body"] = report.story_body or ""
    values["correction_note"] = report.correction_note or ""
    return values


def _number(text: str | None) -> Decimal | None:
    """What the save would accept as a number, or None: live figures never show what saving refuses."""
    if not text or not text.strip().isascii():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value < Decimal("1e12") else None


def live_figures(values: dict[str, str], plan: Plan | None, previous: Report | None) -> dict:
    """Percentages against the plan and the decreases, from what is typed so far."""
    pcts, down = {}, []
    for f, plan_field in REPORT_FORM:
        typed = _number(values.get(f.name))
        if plan_field and plan is not None and typed is not None:
            pcts[f.name] = f"{percentage(typed, getattr(plan, plan_field)):.2f}"
        if previous is not None and typed is not None and f.name in service.CUMULATIVE_FIELDS:
            before = getattr(previous, f.name)
            if before is not None and typed < before:
                down.append(f"{f.label}由 {format_decimal(Decimal(before))} 减为 {format_decimal(typed)}")
    done_before = previous is not None and previous.industry_plan_done
    if done_before and values.get("industry_plan_done") == "false":
        down.append("是否已完成计划由“是”改为“否”")
    return {"pcts": pcts, "decreases": down}


def _context(session, settings, scope, user, pairing_id: int, week: str):
    check_week(settings, week)
    pairing, village, unit = get_pairing_row(session, scope, pairing_id)
    plan = session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()
    report = session.scalars(
        select(Report).where(Report.pairing_id == pairing_id, Report.week == week)).first()
    previous = service.previous_report(session, pairing_id, week)
    deadline = week_deadline(settings, week)
    now = clock_now(settings)
    locked = review.live_submission(session, village.county_code, week)
    next_week = week_of(parse_week(week) + timedelta(days=7))
    return {
        "title": f"每周项目进展 · {village.name} · {week}", "pairing": pairing, "village": village,
        "unit": unit, "places": places(session, village), "plan": plan, "report": report,
        "previous": previous, "week": week, "week_start": parse_week(week),
        "deadline_local": deadline.astimezone(local_tz(settings)),
        "past_deadline": now > deadline,
        "prev_week": previous_week(week) if parse_week(week) > settings.campaign_start else None,
        "next_week": next_week if parse_week(next_week) <= today(settings, now) else None,
        "status_label": REPORT_STATUS_LABELS[ReportStatus(report.status)] if report else "未报送",
        "number_fields": REPORT_FORM, "text_fields": TEXT_FIELDS,
        "may_edit": (user.role != "liaison" or user.unit_id == pairing.unit_id) and locked is None,
        "locked": locked, "flags": review.flags_for(session, pairing_id, week),
        "FLAG_STATUS_LABELS": FLAG_STATUS_LABELS,
        "may_review": report is not None and locked is None and review.may_review(user),
        # 典型案例: featuring a story changes no figure, so a locked week may still be featured.
        "may_feature": report is not None and bool(report.story_body) and review.may_review(user),
        "featured": is_featured(report),
    }


def _page(request, session, settings, scope, user, pairing_id, week, *, values=None, errors=None,
          notice=None, status_code=200):
    ctx = _context(session, settings, scope, user, pairing_id, week)
    values = values if values is not None else report_values(ctx["report"])
    ctx.update(values=values, errors=errors or {}, notice=notice,
               live=live_figures(values, ctx["plan"], ctx["previous"]))
    return render(request, "reports/report.html", ctx, status_code=status_code)


@router.get("/pairings/{pairing_id}/reports/{week}")
def report_page(pairing_id: int, week: str, request: Request, session: SessionDep,
                settings: SettingsDep, scope: PageScope, user: PageUser):
    return _page(request, session, settings, scope, user, pairing_id, week)


@router.post("/pairings/{pairing_id}/reports/{week}")
async def report_save(pairing_id: int, week: str, request: Request, session: SessionDep,
                      settings: SettingsDep, scope: PageScope, user: PageUser):
    form = await request.form()
    try:
        data = validate(ReportIn, _body(form))
        report, created = service.put_report(session, settings, user, pairing_id, week, data)
    except Invalid as exc:
        session.rollback()
        return _page(request, session, settings, scope, user, pairing_id, week,
                     values=raw_values(form), errors=error_map(exc.errors), status_code=422)
    notice = "本周进展已报送" + ("（已过截止时间，标记为逾期）" if report.late else "")
    if not created:
        notice = "本周进展已更新，等待县扶贫办审核"
    return _page(request, session, settings, scope, user, pairing_id, week, notice=notice)


@router.post("/pairings/{pairing_id}/reports/{week}/approve")
def report_approve(pairing_id: int, week: str, request: Request, session: SessionDep,
                   settings: SettingsDep, scope: PageScope, user: PageUser):
    review.approve_report(session, user, pairing_id, week)
    return _page(request, session, settings, scope, user, pairing_id, week, notice="周报已审核通过")


@router.post("/pairings/{pairing_id}/reports/{week}/return")
def report_return(pairing_id: int, week: str, request: Request, session: SessionDep,
                  settings: SettingsDep, scope: PageScope, user: PageUser,
                  reason: Annotated[str, Form()] = ""):
    if not reason.strip():
        return _page(request, session, settings, scope, user, pairing_id, week,
                     errors={"reason": "请填写退回原因"}, status_code=422)
    review.return_report(session, user, pairing_id, week, reason.strip())
    return _page(request, session, settings, scope, user, pairing_id, week, notice="周报已退回联络员修改")


@router.post("/pairings/{pairing_id}/reports/{week}/check")
async def report_check(pairing_id: int, week: str, request: Request, session: SessionDep,
                       settings: SettingsDep, scope: PageScope, user: PageUser):
    ctx = _context(session, settings, scope, user, pairing_id, week)
    form = await request.form()
    values = raw_values(form)
    try:
        validate(ReportIn, _body(form))
        errors = {}
    except Invalid as exc:
        # While typing, an empty progress text is not yet a mistake; saving still requires it.
        errors = error_map([e for e in exc.errors if e["loc"][-1] != "progress"])
    live = live_figures(values, ctx["plan"], ctx["previous"])
    if live["decreases"] and not values.get("correction_note", "").strip():
        # The same rule the save applies, so a live check never hides the reason a save gave.
        errors["correction_note"] = "累计数比上次报送减少，请填写更正说明"
    return render(request, "reports/report_check.html",
                  {"fields": ALL_FIELDS, "number_fields": REPORT_FORM, "errors": errors, "live": live},
                  block=None)
