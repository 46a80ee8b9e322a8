"""The five-measure plan form of annex 2: edit with live checks, submit, confirm or return, print."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from app.auth.models import Role
from app.common import format_decimal
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid
from app.pairings import service
from app.pairings.models import PLAN_STATUS_LABELS, Plan, PlanIn, PlanStatus
from app.regions.models import Level, Region, ancestor_code
from app.units.models import KIND_LABELS, UnitKind
from app.web.forms import (
    FormField,
    FormSection,
    error_map,
    nested,
    raw_values,
    validate,
)
from app.web.pages import PageScope, PageUser, csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

YES_NO = (("true", "有"), ("false", "无"))
SHI_FOU = (("true", "是"), ("false", "否"))

PLAN_FORM = [
    FormSection("industry", "举措一　加大资金投入，促进产业扶贫", [
        FormField("industry.planned_funds_wan", "计划投入资金（万元）", "wan"),
        FormField("industry.planned_materials_wan", "计划投入物资（万元，市场价值）", "wan"),
        FormField("industry.usage_plan", "资金、物资用途规划", "text", "请写资金使用计划", wide=True),
        FormField("industry.has_project", "有无相关项目", "choice", choices=YES_NO),
        FormField("industry.project_plan", "促进产业扶贫计划", "text", "如有，请写初步计划",
                  when="industry.has_project=true", wide=True),
    ]),
    FormSection("consumption", "举措二　消费扶贫", [
        FormField("consumption.sales_target_wan", "计划销售收入（万元）", "wan"),
        FormField("consumption.self_purchase_wan", "其中：帮扶单位自购（万元）", "wan"),
        FormField("consumption.market_link_wan", "其中：链接市场销售（万元）", "wan"),
    ]),
    FormSection("employment", "举措三　促进就业", [
        FormField("employment.jobs_target", "计划解决就业（人）", "int"),
        FormField("employment.unit_jobs", "其中：帮扶单位用工（人）", "int"),
        FormField("employment.outside_jobs", "其中：外出就业（不含帮扶单位用工）（人）", "int"),
        FormField("employment.entrepreneurship_jobs", "其中：创业就业（人）", "int"),
        FormField("employment.public_welfare_jobs", "其中：公益岗位（人）", "int"),
    ]),
    FormSection("training", "举措四　技能培训", [
        FormField("training.trainees_target", "计划培训（人）", "int"),
        FormField("training.training_plan", "培训计划", "text", "如有，请写初步计划", wide=True),
    ]),
    FormSection("stationing", "举措五　派驻力量", [
        FormField("stationing.will_station", "是否派驻村力量", "choice", choices=SHI_FOU),
        FormField("stationing.stationed_target", "计划驻村人数", "int", when="stationing.will_station=true"),
        FormField("stationing.start_date", "驻村人员入村时间（以第一个人为准）", "date",
                  when="stationing.will_station=true"),
        FormField("stationing.members", "驻村人员名单", "lines", "每行一人",
                  when="stationing.will_station=true", wide=True),
    ]),
]
ALL_FIELDS = [f for section in PLAN_FORM for f in section.fields]


def plan_values(plan: Plan | None) -> dict[str, str]:
    """The form's values for a stored plan (or the blank form: zeros, 无, 否)."""
    if plan is None:
        return {"industry.has_project": "false", "stationing.will_station": "false"}
    out = service.plan_out(plan).model_dump()
    values = {}
    for f in ALL_FIELDS:
        section, name = f.name.split(".")
        value = out[section][name]
        if f.kind == "choice":
            values[f.name] = "true" if value else "false"
        elif f.kind == "lines":
            values[f.name] = "\n".join(value)
        elif value is None:
            values[f.name] = ""
        elif f.kind == "wan":
            values[f.name] = format_decimal(value)
        else:
            values[f.name] = str(value)
    return values


def places(session, village) -> list[str]:
    """Names of the village's province, city, county and township, as the form's head shows."""
    levels = (Level.province, Level.city, Level.county, Level.township)
    codes = [ancestor_code(village.code, level) for level in levels]
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    return [names.get(code, "") for code in codes]


def _page(request: Request, session, scope, user, pairing_id: int, *, values=None, errors=None,
          notice=None, status_code=200):
    pairing, village, unit = service.get_pairing_row(session, scope, pairing_id)
    plan = session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()
    may_review = user.role in (Role.admin, Role.officer)
    may_edit = user.role != Role.liaison or user.unit_id == pairing.unit_id
    context = {
        "title": f"结对帮扶计划书 · {village.name}", "pairing": pairing, "village": village,
        "unit": unit, "unit_kind": KIND_LABELS.get(UnitKind(unit.kind), unit.kind),
        "places": places(session, village), "plan": plan, "status_label": PLAN_STATUS_LABELS[PlanStatus(plan.status)] if plan else "未填写",
        "sections": PLAN_FORM, "values": values if values is not None else plan_values(plan),
        "errors": errors or {}, "notice": notice, "may_edit": may_edit,
        "may_confirm": may_review and plan is not None and plan.status == PlanStatus.submitted,
    }
    return render(request, "pairings/plan.html", context, block="content", status_code=status_code)


@router.get("/pairings/{pairing_id}/plan")
def plan_page(pairing_id: int, request: Request, session: SessionDep, scope: PageScope, user: PageUser):
    return _page(request, session, scope, user, pairing_id)


@router.post("/pairings/{pairing_id}/plan")
async def plan_save(pairing_id: int, request: Request, session: SessionDep, settings: SettingsDep,
                    scope: PageScope, user: PageUser):
    form = await request.form()
    action = form.get("action", "save")
    try:
        data = validate(PlanIn, nested(form, ALL_FIELDS))
        plan, _created = service.put_plan(session, settings, user, pairing_id, data)
        if action == "submit" and plan.status in (PlanStatus.draft, PlanStatus.returned):
            service.submit_plan(session, user, pairing_id)
    except Invalid as exc:
        # Nothing is stored: the form comes back with what was typed and why it was refused.
        session.rollback()
        return _page(request, session, scope, user, pairing_id, values=raw_values(form),
                     errors=error_map(exc.errors), status_code=422)
    notice = "计划书已保存并提交，等待县扶贫办确认" if action == "submit" else "计划书已保存"
    return _page(request, session, scope, user, pairing_id, notice=notice)


@router.post("/pairings/{pairing_id}/plan/check")
async def plan_check(pairing_id: int, request: Request, session: SessionDep, scope: PageScope):
    """Live checks while typing: every field's message slot, swapped out of band."""
    service.get_pairing(session, scope, pairing_id)
    form = await request.form()
    errors = {}
    try:
        data = validate(PlanIn, nested(form, ALL_FIELDS))
        errors = error_map(service.plan_errors(data))
    except Invalid as exc:
        errors = error_map(exc.errors)
    return render(request, "pairings/plan_check.html", {"fields": ALL_FIELDS, "errors": errors},
                  block=None)


@router.post("/pairings/{pairing_id}/plan/confirm")
def plan_confirm(pairing_id: int, request: Request, session: SessionDep, scope: PageScope,
                 user: PageUser):
    service.confirm_plan(session, user, pairing_id)
    return _page(request, session, scope, user, pairing_id, notice="计划书已确认")


@router.post("/pairings/{pairing_id}/plan/return")
def plan_return(pairing_id: int, request: Request, session: SessionDep, scope: PageScope,
                user: PageUser, reason: Annotated[str, Form()] = ""):
    if not reason.strip():
        return _page(request, session, scope, user, pairing_id, errors={"reason": "请填写退回原因"},
                     status_code=422)
    service.return_plan(session, user, pairing_id, reason.strip())
    return _page(request, session, scope, user, pairing_id, notice="计划书已退回联络员修改")


@router.get("/pairings/{pairing_id}/plan/print")
def plan_print(pairing_id: int, request: Request, session: SessionDep, scope: PageScope,
               user: PageUser):
    pairing, village, unit = service.get_pairing_row(session, scope, pairing_id)
    plan = service.get_plan(session, scope, pairing_id)
    return render(request, "pairings/plan_print.html", {
        "title": "结对帮扶计划书（打印）", "pairing_id": pairing_id, "village": village, "unit": unit, "plan": service.plan_out(plan),
        "unit_kind": KIND_LABELS.get(UnitKind(unit.kind), unit.kind),
        "places": places(session, village),
    })
