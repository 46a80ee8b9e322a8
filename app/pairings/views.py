"""The five-measure plan form of annex 2: edit with live checks, submit, confirm or return, print."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.catalogue import MEASURES
from app.common import ReasonIn, format_decimal
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid
from app.pairings import flows, service
from app.pairings.deps import PagePairing
from app.pairings.models import PLAN_STATUS_LABELS, Plan, PlanIn, PlanStatus, plan_out
from app.pairings.policy import PLAN_WRITE, PairingAccess
from app.regions.service import places
from app.units.models import KIND_LABELS, UnitKind
from app.web.forms import FormSection, error_map, form_field, nested, raw_values, validate
from app.web.pages import csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

# Fields shown only while a yes/no above them says yes.
SHOWN_WHEN = {"project_plan": "industry.has_project=true",
              **dict.fromkeys(("stationed_target", "members", "start_date"), "stationing.will_station=true")}
PLAN_FORM = [
    FormSection(m.key, f"{m.number}　{m.name}",
                [form_field(f"{m.key}.{name}", SHOWN_WHEN.get(name)) for name in m.fields])
    for m in MEASURES
]
ALL_FIELDS = [f for section in PLAN_FORM for f in section.fields]


def plan_values(plan: Plan | None) -> dict[str, str]:
    """The form's values for a stored plan (or the blank form: zeros, 无, 否)."""
    if plan is None:
        return {"industry.has_project": "false", "stationing.will_station": "false"}
    out = plan_out(plan).model_dump()
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


def _page(request: Request, session: Session, access: PairingAccess, *,
          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          notice: str | None = None, status_code: int = 200) -> Response:
    plan, unit = access.plan, access.unit
    context: dict[str, Any] = {
        "title": f"结对帮扶计划书 · {access.village.name}", "access": access, "pairing": access.pairing,
        "village": access.village, "unit": unit, "unit_kind": KIND_LABELS.get(UnitKind(unit.kind), unit.kind),
        "places": places(session, access.village), "plan": plan,
        "status_label": PLAN_STATUS_LABELS[PlanStatus(plan.status)] if plan else "未填写",
        "sections": PLAN_FORM, "values": values if values is not None else plan_values(plan),
        "errors": errors or {}, "notice": notice,
        "may_confirm": access.may_review and plan is not None and plan.status == PlanStatus.submitted,
    }
    return render(request, "pairings/plan.html", context, block="content", status_code=status_code)


@router.get("/pairings/{pairing_id}/plan")
def plan_page(request: Request, session: SessionDep, pairing: PagePairing) -> Response:
    return _page(request, session, pairing)


@router.post("/pairings/{pairing_id}/plan")
async def plan_save(request: Request, session: SessionDep, settings: SettingsDep,
                    pairing: PagePairing) -> Response:
    pairing.require_write(PLAN_WRITE)  # a reader is refused whatever the form holds
    form = await request.form()
    action = form.get("action", "save")
    try:
        data = validate(PlanIn, nested(form, ALL_FIELDS))
        plan, _created = flows.save_plan(session, settings, pairing, data)
        if action == "submit" and plan.status in (PlanStatus.draft, PlanStatus.returned):
            service.submit_plan(session, _with_plan(pairing, plan))
        session.commit()  # in the thread that took the county's rollup rows (see reports.api.put_report)
    except Invalid as exc:
        # Nothing is stored: the form comes back with what was typed and why it was refused.
        session.rollback()
        return _page(request, session, pairing, values=raw_values(form), errors=error_map(exc.errors),
                     status_code=422)
    notice = "计划书已保存并提交，等待县扶贫办确认" if action == "submit" else "计划书已保存"
    return _page(request, session, _with_plan(pairing, plan), notice=notice)


def _with_plan(access: PairingAccess, plan: Plan) -> PairingAccess:
    """The access after the plan was first saved: the same pairing, now with its plan."""
    return PairingAccess(access.principal, access.pairing, access.village, access.unit, plan)


@router.post("/pairings/{pairing_id}/plan/check")
async def plan_check(request: Request, pairing: PagePairing) -> Response:
    """Live checks while typing: every field's message slot, swapped out of band."""
    form = await request.form()
    try:
        data = validate(PlanIn, nested(form, ALL_FIELDS))
        errors = error_map(service.plan_errors(data))
    except Invalid as exc:
        errors = error_map(exc.errors)
    return render(request, "pairings/plan.html", {"fields": ALL_FIELDS, "errors": errors},
                  block="checks")


@router.post("/pairings/{pairing_id}/plan/confirm")
def plan_confirm(request: Request, session: SessionDep, pairing: PagePairing) -> Response:
    service.confirm_plan(session, pairing)
    return _page(request, session, pairing, notice="计划书已确认")


@router.post("/pairings/{pairing_id}/plan/return")
def plan_return(request: Request, session: SessionDep, settings: SettingsDep, pairing: PagePairing,
                reason: Annotated[str, Form()] = "") -> Response:
    try:
        data = validate(ReasonIn, {"reason": reason})
    except Invalid as exc:
        return _page(request, session, pairing, errors=error_map(exc.errors), status_code=422)
    service.return_plan(session, settings, pairing, data.reason)
    return _page(request, session, pairing, notice="计划书已退回联络员修改")


@router.get("/pairings/{pairing_id}/plan/print")
def plan_print(request: Request, session: SessionDep, pairing: PagePairing) -> Response:
    plan, unit = service.require_plan(pairing), pairing.unit
    return render(request, "pairings/plan_print.html", {
        "title": "结对帮扶计划书（打印）", "pairing_id": pairing.id, "village": pairing.village, "unit": unit,
        "plan": plan_out(plan), "unit_kind": KIND_LABELS.get(UnitKind(unit.kind), unit.kind),
        "places": places(session, pairing.village),
    })
