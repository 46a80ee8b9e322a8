"""Pages of public disclosure: the public page (no login) with its tables and bar charts, the
featured cases, the officers' publish page, and the county's feature button on a weekly report."""

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import MaybePrincipal, PagePrincipal
from app.auth.policy import Principal
from app.common import LIMIT_DEFAULT
from app.config import Settings
from app.deps import PathId, SessionDep, SettingsDep
from app.errors import Conflict, Invalid
from app.public import service
from app.public.models import Publication, PublicationCreate, WithdrawIn
from app.public.policy import publisher_region
from app.regions.service import region_names
from app.reports.deps import PageReport
from app.reports.policy import ReportAccess
from app.reports.views import report_page
from app.web.forms import error_map, validate
from app.web.pages import csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

CASES_PER_PAGE = 12
CASES_ON_SUMMARY = 6

# --- bar charts as plain SVG geometry (the CSP allows no script and no style attributes) ------

CHART_WIDTH = 640
LABEL_WIDTH = 150
VALUE_WIDTH = 110
ROW_HEIGHT = 24
BAR_HEIGHT = 16


def bar_chart(rows: list[dict[str, Any]], key: str, title: str) -> dict[str, Any]:
    """Horizontal bars of rows[key], scaled to the largest; the numbers stay in the table too."""
    values = [Decimal(str(row[key])) for row in rows]
    top = max(values, default=Decimal(0)) or Decimal(1)
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        width = int(value / top * span) if value > 0 else 0
        y = i * ROW_HEIGHT
        name = row["name"]
        # Ten characters fit beside the bar; the whole name is in the bar's tooltip and the table.
        bars.append({"label": name if len(name) <= 10 else name[:9] + "…", "name": name,
                     "text": str(row[key]), "y": y,
                     "text_y": y + BAR_HEIGHT - 3, "width": max(width, 1 if value > 0 else 0),
                     "value_x": LABEL_WIDTH + width + 6})
    return {"title": title, "bars": bars, "width": CHART_WIDTH, "label_width": LABEL_WIDTH,
            "bar_height": BAR_HEIGHT, "height": max(len(rows), 1) * ROW_HEIGHT}


def month_label(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:])}月"


CHARTED = {key: text for key, text, _kind in service.FIGURES if key in ("funds_arrived_wan", "jobs_done")}


def _charts(rows: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    return [bar_chart(rows, key, f"{what}{text}") for key, text in CHARTED.items()]


# --- the public pages -----------------------------------------------------------------------


def summary_context(summary: dict[str, Any] | None) -> dict[str, Any]:
    """What templates/public/_summary.html draws a summary with: on the public page, and as the
    publish page's preview of it."""
    context: dict[str, Any] = {"summary": summary, "figures": service.FIGURES, "month_label": month_label}
    if summary is not None:
        context["charts"] = _charts(summary["provinces"], "各省")
        context["county_charts"] = {p["code"]: _charts(p["counties"], "各县") for p in summary["provinces"]}
    return context


@router.get("/public")
def public_page(request: Request, session: SessionDep, _principal: MaybePrincipal) -> Response:
    cases, total = service.public_cases(session, CASES_ON_SUMMARY)
    return render(request, "public/summary.html", {
        "title": "信息公开", "cases": cases, "cases_total": total,
        **summary_context(service.public_summary(session)),
    })


@router.get("/public/cases")
def cases_page(request: Request, session: SessionDep, _principal: MaybePrincipal,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    cases, total = service.public_cases(session, CASES_PER_PAGE, (page - 1) * CASES_PER_PAGE)
    return render(request, "public/cases.html", {
        "title": "典型案例", "cases": cases, "total": total, "page": page,
        "pages": max(1, -(-total // CASES_PER_PAGE)),
    })


# --- publishing (national and province officers) --------------------------------------------


def _preview(session: Session, publication: Publication, publications: list[Publication]) -> dict[str, Any]:
    """The preview of a publication not yet stored: its figures drawn as the public page draws
    them, the week they come from, and what publishing it would replace or not."""
    instead = service.shown_instead(session, publication)
    if instead is None:
        summary = service.public_summary(session, publication)
    else:  # the public page would go on showing a newer month: the preview shows its own figures
        alone = publication.region_code is not None
        summary = service.summary_of(None if alone else publication, [publication] if alone else [])
    earlier = next((p for p in publications if p.month == publication.month and p.withdrawn_at is None
                    and p.region_code == publication.region_code), None)
    return {"preview": publication, "digest": service.figures_digest(publication), "earlier": earlier,
            "instead": instead, "open_code": publication.region_code, **summary_context(summary)}


def _publish_page(request: Request, session: Session, settings: Settings, principal: Principal, *,
                  values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                  notice: str | None = None, warning: str | None = None, preview: Publication | None = None,
                  withdraw: tuple[int, str, str] | None = None, status_code: int = 200) -> Response:
    """The publish page: the month to publish, its preview and confirmation, and the record of
    publications with their withdrawal. `withdraw`: (publication id, reason typed, its error)."""
    region = publisher_region(principal)  # 403 for anyone who may not publish
    publications, _total = service.list_publications(session, principal, LIMIT_DEFAULT, 0)
    names = region_names(session, {p.region_code for p in publications if p.region_code}
                         | ({region} if region else set()))
    months = service.publishable_months(settings)
    if not values:
        values = {"month": preview.month if preview is not None else (months[0][0] if months else "")}
    context: dict[str, Any] = {
        "title": "信息公开发布", "months": months, "region": region,
        "region_name": names.get(region) if region else None, "names": names,
        "people": service.publishers(session, publications),
        "publications": publications, "values": values, "errors": errors or {},
        "notice": notice, "warning": warning, "month_label": month_label,
        "withdraw": withdraw or (0, "", ""),
    }
    if preview is not None:
        context.update(_preview(session, preview, publications))
    return render(request, "public/publish.html", context, status_code=status_code)


def _month_form(session: Session, settings: Settings, principal: Principal, month: str) -> Publication:
    data = validate(PublicationCreate, {"month": month.strip()})
    return service.preview_month(session, settings, principal, data.month)


@router.get("/publications")
def publish_page(request: Request, session: SessionDep, settings: SettingsDep,
                 principal: PagePrincipal) -> Response:
    return _publish_page(request, session, settings, principal)


@router.get("/publications/preview")
def preview_page(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
                 month: Annotated[str, Query(max_length=20)] = "") -> Response:
    publisher_region(principal)  # 403 before a month is looked at
    try:
        preview = _month_form(session, settings, principal, month)
    except Invalid as exc:
        return _publish_page(request, session, settings, principal, values={"month": month},
                             errors=error_map(exc.errors), status_code=422)
    return _publish_page(request, session, settings, principal, preview=preview)


@router.post("/publications")
def publish(request: Request, session: SessionDep, settings: SettingsDep, principal: PagePrincipal,
            month: Annotated[str, Form()] = "", digest: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Publishes only what was previewed: a form without the preview's digest gets the preview."""
    publisher_region(principal)
    try:
        if not digest:
            return _publish_page(request, session, settings, principal,
                                 preview=_month_form(session, settings, principal, month),
                                 warning="请核对以下预览，确认无误后再点击“确认发布”")
        data = validate(PublicationCreate, {"month": month.strip()})
        publication = service.publish_month(session, settings, principal, data.month, digest=digest)
    except Invalid as exc:
        session.rollback()
        return _publish_page(request, session, settings, principal, values={"month": month},
                             errors=error_map(exc.errors), status_code=422)
    except Conflict as exc:
        session.rollback()
        return _publish_page(request, session, settings, principal, warning=str(exc), status_code=409,
                             preview=_month_form(session, settings, principal, month))
    return _publish_page(request, session, settings, principal, notice=(
        f"已发布 {month_label(publication.month)} 信息公开数据（按 {publication.week} 周统计表）"))


@router.post("/publications/{publication_id}/withdraw")
def withdraw(publication_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
             principal: PagePrincipal, reason: Annotated[str, Form()] = "") -> Response:
    try:
        data = validate(WithdrawIn, {"reason": reason})
    except Invalid as exc:
        return _publish_page(request, session, settings, principal, status_code=422,
                             withdraw=(publication_id, reason, error_map(exc.errors).get("reason", "")))
    publication = service.withdraw_publication(session, settings, principal, publication_id, data.reason)
    return _publish_page(request, session, settings, principal, notice=(
        f"已撤回 {month_label(publication.month)} 的发布，公开页面改为显示此前的发布"))


# --- the county's feature button on the weekly report page ----------------------------------


def _feature(request: Request, session: Session, settings: Settings, report: ReportAccess,
             featured: bool) -> Response:
    # A refusal (no story, a phone number in it, out of scope) shows as the page's message, as
    # the review buttons beside it do.
    service.feature_story(session, settings, report, featured)
    notice = "已设为典型案例，将在信息公开页面展示" if featured else "已取消典型案例，信息公开页面不再展示"
    return report_page(request, session, settings, report, notice=notice)


@router.post("/pairings/{pairing_id}/reports/{week}/feature")
def feature(request: Request, session: SessionDep, settings: SettingsDep, report: PageReport) -> Response:
    return _feature(request, session, settings, report, True)


@router.post("/pairings/{pairing_id}/reports/{week}/unfeature")
def unfeature(request: Request, session: SessionDep, settings: SettingsDep, report: PageReport) -> Response:
    return _feature(request, session, settings, report, False)
