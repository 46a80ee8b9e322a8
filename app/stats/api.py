"""The annex-3 tables (county, province, national) and completeness, as JSON, CSV or xlsx."""

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from app.deps import ScopeDep, SessionDep, SettingsDep
from app.stats import export, service

router = APIRouter(tags=["stats"])

WeekQuery = Annotated[str | None, Query(description="ISO 周次，如 2020-W27；缺省为本周",
                                        examples=["2020-W27"])]
FormatQuery = Annotated[Literal["json", "csv", "xlsx"], Query(description="json、csv 或 xlsx")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, filename: str, ascii_name: str, fmt: str) -> Response:
    """An attachment named in Chinese for browsers that read filename*, in ASCII for the rest."""
    media = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    disposition = f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(filename)}.{fmt}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/counties/{code}/weekly-table")
def county_weekly_table(code: str, session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                        week: WeekQuery = None, format: FormatQuery = "json"):
    table = service.county_table(session, settings, scope, code, week)
    if format == "json":
        # Only JSON-native values inside: skip FastAPI's generic re-encoding of 300 rows.
        return JSONResponse(table.json())
    names = (f"{table.county.name}_{table.week}_结对帮扶项目进展统计表",
             f"county-{table.county.code}-{table.week}")
    if format == "csv":
        return download(export.to_csv(export.county_sheet(table)), *names, "csv")
    liaisons = service.liaisons_of(session, {row.unit_id for row in table.missing})
    content = export.to_xlsx(export.county_sheet(table), export.missing_rows(table, liaisons))
    return download(content, *names, "xlsx")


def _rollup_answer(rollup, names: tuple[str, str], fmt: str):
    if fmt == "json":
        return JSONResponse(rollup.json())
    sheet = export.rollup_sheet(rollup)
    if fmt == "csv":
        return download(export.to_csv(sheet), *names, "csv")
    return download(export.to_xlsx(sheet), *names, "xlsx")


@router.get("/provinces/{code}/weekly-table")
def province_weekly_table(code: str, session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                          week: WeekQuery = None, format: FormatQuery = "json"):
    rollup = service.province_table(session, settings, scope, code, week)
    names = (f"{rollup.province.name}_{rollup.week}_分县汇总表",
             f"province-{rollup.province.code}-{rollup.week}")
    return _rollup_answer(rollup, names, format)


@router.get("/national/weekly-table")
def national_weekly_table(session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                          week: WeekQuery = None, format: FormatQuery = "json"):
    rollup = service.national_table(session, settings, scope, week)
    return _rollup_answer(rollup, (f"全国_{rollup.week}_分省汇总表", f"national-{rollup.week}"), format)


@router.get("/counties/{code}/completeness")
def county_completeness(code: str, session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                        week: WeekQuery = None):
    return service.county_completeness(session, settings, scope, code, week)


@router.get("/provinces/{code}/completeness")
def province_completeness(code: str, session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                          week: WeekQuery = None):
    return service.province_completeness(session, settings, scope, code, week)


@router.get("/national/completeness")
def national_completeness(session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                          week: WeekQuery = None):
    return service.national_completeness(session, settings, scope, week)


@router.get("/counties/{code}/candidates")
def county_candidates(code: str, session: SessionDep, settings: SettingsDep, scope: ScopeDep,
                      week: WeekQuery = None):
    """Demonstration candidates (示范点) of the county, judged on each pairing's latest report."""
    county, week, found = service.candidates(session, settings, scope, code, week)
    return {"county": {"code": county.code, "name": county.name}, "week": week,
            "items": [c.json() for c in found], "total": len(found)}
