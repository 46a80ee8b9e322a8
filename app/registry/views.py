"""Registration pages for county officers (and officers above, in their scope): villages, units,
pairings (ending one names the unit that takes over, 接力帮扶) and the liaisons of units paired in
the region. Every form posts to the API's own request models and services: the same checks, the
same messages, the same audit trail; a refused form comes back with what was typed and why."""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth import service as users
from app.auth.deps import PagePrincipal
from app.auth.flows import hashing
from app.auth.models import Role, User, UserCreate, UserUpdate
from app.auth.policy import Principal
from app.common import format_decimal
from app.deps import CodePath, PathId, SessionDep, SettingsDep
from app.errors import DomainError, Invalid, NotFound
from app.pairings import service as pairings
from app.pairings.deps import PagePairing
from app.pairings.models import PLAN_STATUS_LABELS, PairingCreate, PairingUpdate, PlanStatus
from app.pairings.policy import PairingAccess
from app.regions import service as regions
from app.regions.models import VillageCreate, VillageUpdate
from app.regions.policy import village_access
from app.registry import api as exports
from app.registry import flows
from app.units import service as unit_service
from app.units.models import KIND_LABELS, UnitCreate, UnitKind, UnitUpdate
from app.web.forms import FormField, error_map, form_field, nested, validate
from app.web.pages import csrf_protect, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


async def posted(request: Request) -> FormData:
    """The posted form, read before a sync route (which then runs in a worker thread, where
    hashing a password may wait for its slot) takes over."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]
T = TypeVar("T")
YES_NO = (("true", "是"), ("false", "否"))


def _field(name: str, label: str, kind: str = "line", hint: str = "", **more: Any) -> FormField:
    return FormField(name, label, kind, hint, **more)


VILLAGE_FIELDS = [
    _field("code", "村代码", hint="12 位统计用区划代码，所属乡镇须已登记"),
    _field("name", "村名称"),
    _field("listed", "是否挂牌督战村", "choice", choices=YES_NO),
    _field("registered_poor", "是否建档立卡贫困村", "choice", choices=YES_NO),
    form_field("poor_households"),
    form_field("poor_population"),
]
UNIT_FIELDS = [
    _field("name", "单位名称"),
    _field("kind", "单位类型", "select", choices=tuple((k.value, v) for k, v in KIND_LABELS.items())),
    _field("credit_code", "统一社会信用代码", hint="18 位，含校验位（GB 32100-2015）"),
    form_field("home_province"), form_field("home_city"), form_field("contact_name"), form_field("contact_phone"),
]
PAIRING_FIELDS = [
    _field("village_code", "帮扶村", "select"),
    _field("unit_id", "结对帮扶单位", "select"),
    form_field("signed_on"),
    form_field("committed_funds_wan"),
    _field("valid_until", "有效期至", "date", hint="不填则为活动结束日"),
]
END_FIELDS = [
    _field("end_reason", "终止原因", "text", hint="例如：企业经营困难无法继续帮扶"),
    _field("successor_unit_id", "接力帮扶单位", "select", hint="接力帮扶（004 §五(五)4）：由哪家单位接替帮扶该村"),
    _field("successor_committed_funds_wan", "接力单位至少投入扶贫资金（万元）", "wan",
           hint="接力单位尚未与该村结对时填写：将以终止日期签订新的结对"),
]
LIAISON_FIELDS = [
    _field("display_name", "姓名"),
    _field("username", "用户名", hint="3–50 位字母、数字、_ . -，用于登录"),
    _field("password", "初始密码", "password", hint="至少 8 位；请当面或电话告知联络员"),
    _field("phone", "手机号码"),
    _field("email", "电子邮箱"),
]
CONTACT_FIELDS = [_field("phone", "手机号码"), _field("email", "电子邮箱")]

NOTICES = {
    "village": "村已登记", "village-saved": "村的信息已保存", "unit": "帮扶单位已登记",
    "unit-saved": "帮扶单位的信息已保存", "pairing": "结对已登记", "ended": "结对已终止",
    "liaison": "信息联络员已创建", "password": "密码已重置，该联络员的登录已全部退出",
    "deactivated": "账号已停用，该联络员的登录已全部退出", "activated": "账号已启用", "contacts": "联系方式已保存",
}


def _body(form: FormData, fields: Sequence[FormField]) -> dict[str, Any]:
    """The request body the form stands for: empty numbers, dates and choices left out (the
    model's default applies, as when the API's caller leaves a field out)."""
    kinds = [f if f.kind not in ("select", "password") else FormField(f.name, f.label, "line") for f in fields]
    body = nested(form, kinds)
    for f in fields:
        if body.get(f.name) == "" and (f.kind in ("select", "choice") or f.name in OPTIONAL_TEXTS):
            body.pop(f.name)
    return body


OPTIONAL_TEXTS = {"end_reason"}  # left empty: as if the API's caller had left it out


def _values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in ("password", "csrf_token")}


def _refused(exc: DomainError) -> dict[str, str]:
    """A refusal as the form shows it: beside each field named, or above the form."""
    if isinstance(exc, Invalid):
        return error_map(exc.errors)
    return {"__all__": exc.message}


def _attempt(session: Session, work: Callable[[], T]) -> tuple[T | None, dict[str, str] | None]:
    """Run a change and commit it (in this thread, as the API does: the rollup's rows); its
    result, or the messages of its refusal (nothing stored). Not found stays a 404: the page is
    about a record the caller does not see."""
    try:
        result = work()
        session.commit()
    except NotFound:
        raise
    except DomainError as exc:
        session.rollback()
        return None, _refused(exc)
    return result, None


def _page(request: Request, template: str, context: dict[str, Any], *, block: str = "content",
          errors: dict[str, str] | None = None, refused: bool = False) -> Response:
    """The page, or its `block` for htmx; 422 when it comes back with a refused form."""
    refused = refused or bool(errors)
    notice = None if refused else NOTICES.get(request.query_params.get("done", ""))
    return render(request, f"registry/{template}", {
        "errors": errors or {}, "notice": notice, "YES_NO": YES_NO, **context,
    }, block=block, status_code=422 if refused else 200)


# --- the register ------------------------------------------------------------------------------


@router.get("/registry")
def registry_home(request: Request, session: SessionDep, principal: PagePrincipal) -> Response:
    units = flows.unit_rows(session, principal)
    villages = flows.villages(session, principal)
    return _page(request, "index.html", {
        "title": "结对登记", "villages": villages, "units": units,
        "active_pairings": flows.active_pairing_count(session, principal),
        "short": [u for u in units if u.short_of_liaisons], "MIN_LIAISONS": unit_service.MIN_LIAISONS,
        "region": "" if principal.everything else principal.region_code or "",
    })


# --- villages ----------------------------------------------------------------------------------


def _villages_page(request: Request, session: Session, principal: Principal, *,
                   values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Response:
    counties = flows.counties(session, principal)
    defaults = {"listed": "true", "registered_poor": "false",
                "county_code": principal.region_code if principal.is_county_officer else ""}
    return _page(request, "villages.html", {
        "title": "村登记", "rows": flows.villages(session, principal), "counties": counties,
        "fields": VILLAGE_FIELDS, "values": values if values is not None else defaults,
        "MAX": pairings.MAX_UNITS_PER_VILLAGE,
    }, block="form", errors=errors)


@router.get("/registry/villages")
def villages_page(request: Request, session: SessionDep, principal: PagePrincipal) -> Response:
    return _villages_page(request, session, principal)


@router.post("/registry/villages")
def village_create(request: Request, session: SessionDep, principal: PagePrincipal, form: Posted) -> Response:
    body = _body(form, [*VILLAGE_FIELDS, _field("county_code", "县", "select")])
    village, errors = _attempt(session, lambda: regions.create_village(session, principal, validate(VillageCreate, body)))
    if village is None:
        return _villages_page(request, session, principal, values=_values(form), errors=errors)
    return redirect(request, f"/registry/villages/{village.code}?done=village")


def _village_page(request: Request, session: Session, principal: Principal, code: str, *,
                  values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Response:
    village = village_access(session, principal, code).village
    shown = values if values is not None else {
        "name": village.name, "listed": str(village.listed).lower(),
        "registered_poor": str(village.registered_poor).lower(),
        "poor_households": str(village.poor_households), "poor_population": str(village.poor_population)}
    return _page(request, "village.html", {
        "title": f"村 · {village.name}", "village": village, "places": regions.places(session, village),
        "fields": VILLAGE_FIELDS[1:], "values": shown,
        "pairings": [p for p in flows.pairings_of(session, principal, county_code=village.county_code)
                     if p.village_code == village.code],
        "MAX": pairings.MAX_UNITS_PER_VILLAGE,
    }, block="form", errors=errors)


@router.get("/registry/villages/{code}")
def village_page(request: Request, code: CodePath, session: SessionDep, principal: PagePrincipal) -> Response:
    return _village_page(request, session, principal, code)


@router.post("/registry/villages/{code}")
def village_update(request: Request, code: CodePath, session: SessionDep, principal: PagePrincipal,
                   form: Posted) -> Response:
    access = village_access(session, principal, code)  # 404 before the form is read
    body = _body(form, VILLAGE_FIELDS[1:])
    _saved, errors = _attempt(session, lambda: regions.update_village(session, access, validate(VillageUpdate, body)))
    if errors is not None:
        return _village_page(request, session, principal, code, values=_values(form), errors=errors)
    return redirect(request, f"/registry/villages/{code}?done=village-saved")


# --- units -------------------------------------------------------------------------------------


def _units_page(request: Request, session: Session, principal: Principal, *,
                values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Response:
    return _page(request, "units.html", {
        "title": "帮扶单位登记", "rows": flows.unit_rows(session, principal), "fields": UNIT_FIELDS,
        "values": values if values is not None else {"kind": UnitKind.private_enterprise.value},
        "KIND_LABELS": KIND_LABELS, "MIN_LIAISONS": unit_service.MIN_LIAISONS,
    }, block="form", errors=errors)


@router.get("/registry/units")
def units_page(request: Request, session: SessionDep, principal: PagePrincipal) -> Response:
    return _units_page(request, session, principal)


@router.post("/registry/units")
def unit_create(request: Request, session: SessionDep, principal: PagePrincipal, form: Posted) -> Response:
    body = _body(form, UNIT_FIELDS)
    unit, errors = _attempt(session, lambda: unit_service.create_unit(session, principal, validate(UnitCreate, body)))
    if unit is None:
        return _units_page(request, session, principal, values=_values(form), errors=errors)
    return redirect(request, f"/registry/units/{unit.id}?done=unit")


def _unit_page(request: Request, session: Session, principal: Principal, unit_id: int, *,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               liaison_values: dict[str, str] | None = None, liaison_errors: dict[str, str] | None = None,
               row_errors: dict[int, dict[str, str]] | None = None, block: str = "content") -> Response:
    unit = flows.unit_in_register(session, principal, unit_id).unit
    liaisons = flows.liaisons_of(session, unit_id)
    active = sum(1 for u in liaisons if u.active)
    shown = values if values is not None else {f.name: str(getattr(unit, f.name)) for f in UNIT_FIELDS}
    return _page(request, "unit.html", {
        "title": f"帮扶单位 · {unit.name}", "unit": unit, "fields": UNIT_FIELDS, "values": shown,
        "liaisons": liaisons, "active_liaisons": active, "MIN_LIAISONS": unit_service.MIN_LIAISONS,
        "liaison_fields": LIAISON_FIELDS, "contact_fields": CONTACT_FIELDS,
        "liaison_values": liaison_values or {}, "liaison_errors": liaison_errors or {},
        "row_errors": row_errors or {}, "pairings": flows.pairings_of(session, principal, unit_id),
        "KIND_LABELS": KIND_LABELS,
    }, block=block, errors=errors, refused=bool(liaison_errors or row_errors))


@router.get("/registry/units/{unit_id}")
def unit_page(request: Request, unit_id: PathId, session: SessionDep, principal: PagePrincipal) -> Response:
    return _unit_page(request, session, principal, unit_id)


@router.post("/registry/units/{unit_id}")
def unit_update(request: Request, unit_id: PathId, session: SessionDep, principal: PagePrincipal,
                form: Posted) -> Response:
    access = flows.unit_in_register(session, principal, unit_id)
    body = _body(form, UNIT_FIELDS)
    _saved, errors = _attempt(session, lambda: unit_service.update_unit(session, access, validate(UnitUpdate, body)))
    if errors is not None:
        return _unit_page(request, session, principal, unit_id, values=_values(form), errors=errors, block="form")
    return redirect(request, f"/registry/units/{unit_id}?done=unit-saved")


# --- liaisons ----------------------------------------------------------------------------------


@router.post("/registry/units/{unit_id}/liaisons")
def liaison_create(request: Request, unit_id: PathId, session: SessionDep, principal: PagePrincipal,
                   form: Posted) -> Response:
    flows.unit_in_register(session, principal, unit_id)
    body = {**_body(form, LIAISON_FIELDS), "role": Role.liaison.value, "unit_id": unit_id}

    def work() -> User:
        data = validate(UserCreate, body)
        with hashing(request):
            return users.create_user(session, principal, data)

    _created, errors = _attempt(session, work)
    if errors is not None:
        return _unit_page(request, session, principal, unit_id, liaison_values=_values(form),
                          liaison_errors=errors, block="liaisons")
    return redirect(request, f"/registry/units/{unit_id}?done=liaison#liaisons")


def _liaison_change(request: Request, session: Session, principal: Principal, user_id: int,
                    body: dict[str, Any], done: str) -> Response:
    """One change to a liaison's account through PATCH /users/{id}'s own service; the unit's page
    comes back with it, or with the messages beside that liaison's form."""
    user = flows.liaison_in_scope(session, principal, user_id)
    assert user.unit_id is not None
    unit_id = user.unit_id

    def work() -> User:
        update = validate(UserUpdate, body)
        with hashing(request, needed=update.password is not None):
            return users.update_user(session, principal, user_id, update)

    _saved, errors = _attempt(session, work)
    if errors is not None:
        return _unit_page(request, session, principal, unit_id, row_errors={user_id: errors}, block="liaisons")
    return redirect(request, f"/registry/units/{unit_id}?done={done}#liaison-{user_id}")


@router.post("/registry/liaisons/{user_id}/password")
def liaison_password(request: Request, user_id: PathId, session: SessionDep, principal: PagePrincipal,
                     form: Posted) -> Response:
    return _liaison_change(request, session, principal, user_id,
                           {"password": form.get("password", "")}, "password")


@router.post("/registry/liaisons/{user_id}/active")
def liaison_active(request: Request, user_id: PathId, session: SessionDep, principal: PagePrincipal,
                   form: Posted) -> Response:
    active = form.get("active", "")
    return _liaison_change(request, session, principal, user_id, {"active": active},
                           "activated" if active == "true" else "deactivated")


@router.post("/registry/liaisons/{user_id}/contacts")
def liaison_contacts(request: Request, user_id: PathId, session: SessionDep, principal: PagePrincipal,
                     form: Posted) -> Response:
    body = {name: str(form.get(name, "")).strip() or None for name in ("phone", "email")}
    return _liaison_change(request, session, principal, user_id, body, "contacts")


# --- pairings ----------------------------------------------------------------------------------


def _pairing_choices(session: Session, principal: Principal) -> dict[str, Any]:
    return {"village_choices": flows.villages(session, principal), "unit_choices": flows.unit_rows(session, principal)}


def _pairings_page(request: Request, session: Session, principal: Principal, *,
                   values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Response:
    return _page(request, "pairings.html", {
        "title": "结对登记", "rows": flows.pairings_of(session, principal), "fields": PAIRING_FIELDS,
        "values": values if values is not None else {"village_code": request.query_params.get("village", ""),
                                                    "unit_id": request.query_params.get("unit", "")},
        "PLAN_STATUS_LABELS": {s.value: t for s, t in PLAN_STATUS_LABELS.items()},
        "MAX": pairings.MAX_UNITS_PER_VILLAGE, **_pairing_choices(session, principal),
    }, block="form", errors=errors)


@router.get("/registry/pairings")
def pairings_page(request: Request, session: SessionDep, principal: PagePrincipal) -> Response:
    return _pairings_page(request, session, principal)


@router.post("/registry/pairings")
def pairing_create(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
                   form: Posted) -> Response:
    body = _body(form, PAIRING_FIELDS)
    pairing, errors = _attempt(session, lambda: pairings.create_pairing(session, settings, principal,
                                                                       validate(PairingCreate, body)))
    if pairing is None:
        return _pairings_page(request, session, principal, values=_values(form), errors=errors)
    return redirect(request, f"/registry/pairings/{pairing.id}?done=pairing")


def _pairing_page(request: Request, session: Session, access: PairingAccess, *, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None) -> Response:
    shown = pairings.access_public(session, access)
    linked = flows.pairings_by_id(session, access.principal,
                                  [pid for pid in (shown.successor_id, shown.predecessor_id) if pid is not None])
    return _page(request, "pairing.html", {
        "title": f"结对 · {shown.village} · {shown.unit}", "p": shown, "fields": END_FIELDS,
        "values": values or {}, "successor": linked.get(shown.successor_id or 0),
        "predecessor": linked.get(shown.predecessor_id or 0),
        "unit_choices": [u for u in flows.unit_rows(session, access.principal) if u.unit.id != shown.unit_id],
        "plan_label": PLAN_STATUS_LABELS[PlanStatus(shown.plan_status)] if shown.plan_status else "未填写",
        "wan": format_decimal,
    }, block="form", errors=errors)


@router.get("/registry/pairings/{pairing_id}")
def pairing_page(request: Request, session: SessionDep, pairing: PagePairing) -> Response:
    pairing.require_edit()
    return _pairing_page(request, session, pairing)


@router.post("/registry/pairings/{pairing_id}/end")
def pairing_end(request: Request, session: SessionDep, settings: SettingsDep, pairing: PagePairing,
                form: Posted) -> Response:
    pairing.require_edit()
    body = {"active": False, **_body(form, END_FIELDS)}
    _ended, errors = _attempt(session, lambda: pairings.update_pairing(session, settings, pairing,
                                                                       validate(PairingUpdate, body)))
    if errors is not None:
        return _pairing_page(request, session, pairing, values=_values(form), errors=errors)
    return redirect(request, f"/registry/pairings/{pairing.id}?done=ended")


# -- registration pages (part A) above this line ------------------------------------------------

# -- download pages of the register's exports (part D) below this line --------------------------


@router.get("/registry/pairing-list.{fmt}")
def pairing_list_download(fmt: exports.FileFormat, session: SessionDep, settings: SettingsDep,
                          principal: PagePrincipal, region: exports.RegionQuery = "") -> Response:
    """The pairing list (004 附件5) of a county or province, or the nation's, as a file."""
    return exports.pairing_list(session, settings, principal, region.strip() or None, fmt)


@router.get("/registry/liaison-roster.{fmt}")
def liaison_roster_download(fmt: exports.FileFormat, session: SessionDep, settings: SettingsDep,
                            principal: PagePrincipal, region: exports.RegionQuery = "") -> Response:
    """The liaison roster with contacts (officers only) of a county or province, or the nation's."""
    return exports.liaison_roster(session, settings, principal, region.strip() or None, fmt)
