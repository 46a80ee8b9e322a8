"""The weekly report form: last week's values beside each field, live percentages against the
plan, a warning before a decrease, the story, the late mark, and the county's review."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.policy import Principal
from app.auth.service import get_user
from app.common import (
    COUNT_UNITS,
    WAN_UNITS,
    ReasonIn,
    check_week,
    clock_now,
    local_tz,
    parse_week,
    percentage,
    previous_week,
    today,
    typed_number,
    week_deadline,
    week_of,
)
from app.config import Settings
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid
from app.pairings.models import Plan
from app.pairings.policy import REPORT_WRITE
from app.regions.service import places
from app.reports import flows, service
from app.reports.deps import PageReport
from app.reports.models import (
    REPORT_STATUS_LABELS,
    Report,
    ReportIn,
    ReportStatus,
    decreases,
    is_featured,
    shown,
)
from app.reports.policy import ReportAccess
from app.review import service as review
from app.review.models import FLAG_STATUS_LABELS
from app.web.forms import error_map, form_field, nested, raw_values, validate
from app.web.pages import csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

# (field, the plan's field it is measured against)
REPORT_FORM = [(form_field(name), plan) for name, plan in [
    ("funds_arrived_wan", "planned_funds_wan"), ("materials_arrived_wan", "planned_materials_wan"),
    ("industry_plan_done", None), ("sales_done_wan", "sales_target_wan"), ("jobs_done", "jobs_target"),
    ("trained_done", "trainees_target"), ("stationed_now", "stationed_target"), ("beneficiaries", None),
]]
TEXT_FIELDS = [form_field(name) for name in ("progress", "story.title", "story.body", "correction_note")]
ALL_FIELDS = [f for f, _plan in REPORT_FORM] + TEXT_FIELDS


def _body(form: Any) -> dict[str, Any]:
    body = nested(form, ALL_FIELDS)
    story = body.get("story") or {}
    if not story.get("title") and not story.get("body"):
        body.pop("story", None)  # no story this week
    if not body.get("correction_note"):
        body.pop("correction_note", None)
    saved_at = form.get("client_saved_at")
    if isinstance(saved_at, str) and saved_at.strip():
        body["client_saved_at"] = saved_at  # set by the page's script when the save is pressed
    return body


def figure_values(report: Report | None) -> dict[str, str]:
    """The cumulative figures and yes/no answers as the form shows them."""
    if report is None:
        return {"industry_plan_done": "false"}
    values = {}
    for f, _plan in REPORT_FORM:
        value = getattr(report, f.name)
        if f.kind == "choice":
            values[f.name] = "true" if value else "false"
        else:
            values[f.name] = "" if value is None else shown(value)
    return values


def report_values(report: Report | None) -> dict[str, str]:
    values = figure_values(report)
    if report is not None:
        values["progress"] = report.progress
        values["story.title"] = report.story_title or ""
        values["story.body"] = report.story_body or ""
        values["correction_note"] = report.correction_note or ""
    return values


def _number(text: str | None, kind: str) -> Decimal | None:
    """What the save would accept as a number, as typed ("１２０", "1,000", "55万"), or None: live
    figures never show what saving refuses."""
    if not text:
        return None
    plain = typed_number(text, WAN_UNITS if kind == "wan" else COUNT_UNITS)
    if not plain.isascii():
        return None
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value < Decimal("1e12") else None


def live_figures(values: dict[str, str], plan: Plan | None, previous: Report | None) -> dict[str, Any]:
    """Percentages against the plan and the decreases, from what is typed so far."""
    pcts: dict[str, str] = {}
    typed: dict[str, Decimal | bool | None] = {}
    for f, plan_field in REPORT_FORM:
        if f.kind == "choice":
            typed[f.name] = {"true": True, "false": False}.get(values.get(f.name, ""))
            continue
        number = _number(values.get(f.name), f.kind)
        typed[f.name] = number
        if plan_field and plan is not None and number is not None:
            pcts[f.name] = f"{percentage(number, getattr(plan, plan_field)):.2f}"
    down = decreases(previous, SimpleNamespace(**typed)) if previous is not None else []
    return {"pcts": pcts, "decreases": [str(d) for d in down]}


def _context(session: Session, settings: Settings, access: ReportAccess) -> dict[str, Any]:
    week, pairing = access.week, access.pairing
    check_week(settings, week)
    report = access.report
    deadline = week_deadline(settings, week)
    now = clock_now(settings)
    next_week = week_of(parse_week(week) + timedelta(days=7))
    filed_by = get_user(session, report.submitted_by) if report and report.submitted_by else None
    return {
        "title": f"每周项目进展 · {pairing.village.name} · {week}", "access": access,
        "pairing": pairing.pairing, "village": pairing.village, "unit": pairing.unit,
        "places": places(session, pairing.village), "plan": pairing.plan, "report": report,
        "previous": service.previous_report(session, pairing.id, week), "week": week,
        "week_start": parse_week(week), "deadline_local": deadline.astimezone(local_tz(settings)),
        "past_deadline": now > deadline,
        "prev_week": previous_week(week) if parse_week(week) > settings.campaign_start else None,
        "next_week": next_week if parse_week(next_week) <= today(settings, now) else None,
        "status_label": REPORT_STATUS_LABELS[ReportStatus(report.status)] if report else "未报送",
        "number_fields": REPORT_FORM, "text_fields": TEXT_FIELDS,
        # The unit's liaisons file; whoever filed on the unit's behalf is named.
        "filed_by": filed_by if filed_by is not None and Principal.of(filed_by).files_on_behalf(
            pairing.pairing.unit_id) else None,
        "locked": access.lock, "flags": review.flags_for(session, pairing.id, week),
        "FLAG_STATUS_LABELS": FLAG_STATUS_LABELS, "featured": is_featured(report),
    }


def report_page(request: Request, session: Session, settings: Settings, access: ReportAccess, *,
                values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                notice: str | None = None, status_code: int = 200) -> Response:
    ctx = _context(session, settings, access)
    previous = ctx["previous"]
    # A week not yet filed opens with the latest report's figures: only what moved is retyped.
    carried = values is None and access.report is None and previous is not None
    if values is None:
        values = figure_values(previous) if carried else report_values(access.report)
    ctx.update(values=values, errors=errors or {}, notice=notice, carried=carried,
               live=live_figures(values, access.pairing.plan, previous))
    return render(request, "reports/report.html", ctx, status_code=status_code)


def _again(access: ReportAccess, report: Report) -> ReportAccess:
    """The access after a save or a review: the same week, with the report as it stands now."""
    return ReportAccess(access.pairing, access.week, report, access.lock)


@router.get("/pairings/{pairing_id}/reports/{week}")
def report_get(request: Request, session: SessionDep, settings: SettingsDep, report: PageReport) -> Response:
    return report_page(request, session, settings, report)


@router.post("/pairings/{pairing_id}/reports/{week}")
async def report_save(request: Request, session: SessionDep, settings: SettingsDep,
                      report: PageReport) -> Response:
    report.pairing.require_write(REPORT_WRITE)  # a reader is refused whatever the form holds
    form = await request.form()
    try:
        body = _body(form)
        if form.get("action") == UNCHANGED:
            body = _unchanged(session, report, body)
        data = validate(ReportIn, body)
        saved, created, _flags = flows.save_report(session, settings, report, data)
        session.commit()  # in the thread that took the county's rollup rows (see api.put_report)
    except Invalid as exc:
        session.rollback()
        return report_page(request, session, settings, report, values=raw_values(form),
                           errors=error_map(exc.errors), status_code=422)
    notice = "本周进展已报送" + ("（已过截止时间，标记为逾期）" if saved.late else "")
    if not created:
        notice = "本周进展已更新，等待县扶贫办审核"
    return report_page(request, session, settings, _again(report, saved), notice=notice)


UNCHANGED = "unchanged"  # the form's 本周无新进展 button


def _unchanged(session: Session, access: ReportAccess, body: dict[str, Any]) -> dict[str, Any]:
    """本周无新进展: the latest report's figures again, with this week's progress text (required as
    always) and story; whatever was typed into the figures is not used."""
    previous = service.previous_report(session, access.pairing.id, access.week)
    if previous is None:
        raise Invalid.one(["body", "progress"], "此前没有报送过周报，请填写本周的累计数后报送")
    figures = {f.name: getattr(previous, f.name) for f, _plan in REPORT_FORM}
    return {**{k: v for k, v in body.items() if k not in figures and k != "correction_note"}, **figures}


@router.post("/pairings/{pairing_id}/reports/{week}/approve")
def report_approve(request: Request, session: SessionDep, settings: SettingsDep,
                   report: PageReport) -> Response:
    service.approve_report(session, report)
    return report_page(request, session, settings, report, notice="周报已审核通过")


@router.post("/pairings/{pairing_id}/reports/{week}/return")
def report_return(request: Request, session: SessionDep, settings: SettingsDep, report: PageReport,
                  reason: Annotated[str, Form()] = "") -> Response:
    try:
        data = validate(ReasonIn, {"reason": reason})
    except Invalid as exc:
        return report_page(request, session, settings, report, errors=error_map(exc.errors), status_code=422)
    service.return_report(session, settings, report, data.reason)
    return report_page(request, session, settings, report, notice="周报已退回联络员修改")


@router.post("/pairings/{pairing_id}/reports/{week}/check")
async def report_check(request: Request, session: SessionDep, settings: SettingsDep,
                       report: PageReport) -> Response:
    check_week(settings, report.week)
    form = await request.form()
    values = raw_values(form)
    try:
        validate(ReportIn, _body(form))
        errors = {}
    except Invalid as exc:
        # While typing, an empty progress text is not yet a mistake; saving still requires it.
        errors = error_map([e for e in exc.errors if e["loc"][-1] != "progress"])
    previous = service.previous_report(session, report.pairing.id, report.week)
    live = live_figures(values, report.pairing.plan, previous)
    if live["decreases"] and not values.get("correction_note", "").strip():
        # The same rule the save applies, so a live check never hides the reason a save gave.
        errors["correction_note"] = "累计数比上次报送减少，请填写更正说明"
    return render(request, "reports/report.html",
                  {"fields": ALL_FIELDS, "number_fields": REPORT_FORM, "errors": errors, "live": live},
                  block="checks", fragment=True)
