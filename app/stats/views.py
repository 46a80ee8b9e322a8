"""The annex-3 table pages: county, province and national, with a week picker and downloads."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from app.common import campaign_weeks, parse_week, today
from app.config import Settings
from app.deps import SessionDep, SettingsDep
from app.review import service as review
from app.review.models import SUBMISSION_STATUS_LABELS
from app.stats import export, service
from app.stats.api import download
from app.stats.models import COLUMNS, GROUPS, INCREASE_KEYS, LEGEND, TITLE
from app.web.pages import PageScope, PageUser, csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

WeekQuery = Annotated[str | None, Query()]


def _weeks(settings: Settings) -> list[str]:
    """The campaign's weeks up to this one, newest first, for the picker."""
    now = today(settings)
    return [w for w in campaign_weeks(settings) if parse_week(w) <= now][::-1]


def _common(settings: Settings) -> dict:
    return {"columns": COLUMNS, "groups": GROUPS, "legend": LEGEND, "annex_title": TITLE,
            "increase_keys": INCREASE_KEYS, "weeks": _weeks(settings)}


def flagged_cells(flags_by_pairing: dict) -> dict[int, dict[str, str]]:
    """{pairing_id: {column: "S3 …message…"}} for marking the table's cells."""
    cells: dict[int, dict[str, str]] = {}
    for pairing_id, flags in flags_by_pairing.items():
        for flag in flags:
            for column in flag.columns or ["__row__"]:
                note = f"{flag.rule} {flag.message}"
                mine = cells.setdefault(pairing_id, {})
                mine[column] = f"{mine[column]}\n{note}" if column in mine else note
    return cells


@router.get("/counties/{code}/table")
def county_page(code: str, request: Request, session: SessionDep, settings: SettingsDep,
                scope: PageScope, user: PageUser, week: WeekQuery = None):
    table = service.county_table(session, settings, scope, code, week)
    submission = review.county_week_status(session, [code], table.week).get(code)
    live = submission is not None and submission.status in review.LIVE
    return render(request, "stats/county.html", {
        **_common(settings), "title": f"{table.county.name} 结对帮扶项目进展统计表", "table": table.json(),
        "base": f"/counties/{code}/table",
        "flags": flagged_cells(review.open_flags_by_pairing(session, code, table.week)),
        "submission": submission, "SUBMISSION_STATUS_LABELS": SUBMISSION_STATUS_LABELS,
        "may_submit": not live and review.may_submit(user, code),
    }, block="annex")


@router.get("/counties/{code}/table.{fmt}")
def county_download(code: str, fmt: Literal["csv", "xlsx"], session: SessionDep,
                    settings: SettingsDep, scope: PageScope, _user: PageUser, week: WeekQuery = None):
    table = service.county_table(session, settings, scope, code, week)
    names = (f"{table.county.name}_{table.week}_结对帮扶项目进展统计表", f"county-{code}-{table.week}")
    sheet = export.county_sheet(table)
    if fmt == "csv":
        return download(export.to_csv(sheet), *names, "csv")
    liaisons = service.liaisons_of(session, {row.unit_id for row in table.missing})
    return download(export.to_xlsx(sheet, export.missing_rows(table, liaisons)), *names, "xlsx")


def _rollup_page(request: Request, settings: Settings, rollup, title: str, base: str):
    return render(request, "stats/rollup.html", {
        **_common(settings), "title": title, "table": rollup.json(), "kind": rollup.kind,
        "base": base,
    }, block="annex")


@router.get("/provinces/{code}/table")
def province_page(code: str, request: Request, session: SessionDep, settings: SettingsDep,
                  scope: PageScope, _user: PageUser, week: WeekQuery = None):
    rollup = service.province_table(session, settings, scope, code, week)
    return _rollup_page(request, settings, rollup, f"{rollup.province.name} 分县汇总表",
                        f"/provinces/{code}/table")


@router.get("/national/table")
def national_page(request: Request, session: SessionDep, settings: SettingsDep, scope: PageScope,
                  _user: PageUser, week: WeekQuery = None):
    rollup = service.national_table(session, settings, scope, week)
    return _rollup_page(request, settings, rollup, "全国分省汇总表", "/national/table")


@router.get("/provinces/{code}/table.{fmt}")
def province_download(code: str, fmt: Literal["csv", "xlsx"], session: SessionDep,
                      settings: SettingsDep, scope: PageScope, _user: PageUser, week: WeekQuery = None):
    rollup = service.province_table(session, settings, scope, code, week)
    sheet = export.rollup_sheet(rollup)
    names = (f"{rollup.province.name}_{rollup.week}_分县汇总表", f"province-{code}-{rollup.week}")
    content = export.to_csv(sheet) if fmt == "csv" else export.to_xlsx(sheet)
    return download(content, *names, fmt)


@router.get("/national/table.{fmt}")
def national_download(fmt: Literal["csv", "xlsx"], session: SessionDep, settings: SettingsDep,
                      scope: PageScope, _user: PageUser, week: WeekQuery = None):
    rollup = service.national_table(session, settings, scope, week)
    sheet = export.rollup_sheet(rollup)
    names = (f"全国_{rollup.week}_分省汇总表", f"national-{rollup.week}")
    content = export.to_csv(sheet) if fmt == "csv" else export.to_xlsx(sheet)
    return download(content, *names, fmt)


@router.get("/counties/{code}/candidates")
def candidates_page(code: str, request: Request, session: SessionDep, settings: SettingsDep,
                    scope: PageScope, _user: PageUser, week: WeekQuery = None):
    county, week, found = service.candidates(session, settings, scope, code, week)
    return render(request, "stats/candidates.html", {
        "title": f"{county.name} 示范点候选", "county": county, "week": week, "candidates": found,
        "weeks": _weeks(settings), "settings": settings,
    })
