"""Exports of the register: the pairing list (004 附件5 结对帮扶名单) and the liaison roster with
contacts (officers only), for a county, a province and the nation, as JSON, CSV or xlsx."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from app.auth.deps import CurrentPrincipal
from app.auth.policy import Principal
from app.codes import Level
from app.common import today
from app.config import Settings
from app.deps import CodePath, SessionDep, SettingsDep
from app.openapi import answers
from app.registry import export, service
from app.stats.api import FILES, FormatQuery, TableJSON, download

router = APIRouter(tags=["registry"])

# The pages' download links: /registry/pairing-list.xlsx?region=530627000000 (none: the nation).
FileFormat = Literal["csv", "xlsx"]
RegionQuery = Annotated[str, Query(max_length=12, description="县或省的 12 位区划代码；不填为全国")]

LIST: dict[int | str, dict[str, Any]] = {
    200: {"description": "名单：JSON；format=csv 或 xlsx 时为下载的文件", "content": {"application/json": {}, **FILES}},
    **answers(404),
}


def _region(scope: service.Scope) -> dict[str, Any]:
    return {"code": scope.code, "name": scope.name, "level": scope.level.value if scope.level else "national"}


def pairing_file(scope: service.Scope, lines: list[service.PairingLine], fmt: str, as_of: date) -> Response:
    sheet = export.pairing_sheet(scope, lines, as_of)
    body = export.to_csv(sheet) if fmt == "csv" else export.to_xlsx(sheet)
    return download(body, f"{scope.name}_结对帮扶名单", f"pairing-list-{scope.slug}", fmt)


def roster_file(scope: service.Scope, units: list[service.RosterUnit], fmt: str, as_of: date) -> Response:
    sheet = export.roster_sheet(scope, units, as_of)
    body = export.to_csv(sheet) if fmt == "csv" else export.to_xlsx(sheet)
    return download(body, f"{scope.name}_信息联络员名册", f"liaison-roster-{scope.slug}", fmt)


def pairing_list(session: Session, settings: Settings, principal: Principal, code: str | None,
                 fmt: str, level: Level | None = None) -> Response:
    scope = service.export_scope(session, principal, code, level)
    lines = service.pairing_list(session, scope)
    if fmt == "json":
        return TableJSON({"region": _region(scope), "items": [line.json() for line in lines], "total": len(lines)})
    return pairing_file(scope, lines, fmt, today(settings))


def liaison_roster(session: Session, settings: Settings, principal: Principal, code: str | None,
                   fmt: str, level: Level | None = None) -> Response:
    scope = service.export_scope(session, principal, code, level)
    units = service.liaison_roster(session, principal, scope)
    if fmt == "json":
        return TableJSON({"region": _region(scope), "items": [unit.json() for unit in units], "total": len(units),
                          "below_minimum": sum(1 for unit in units if unit.below_minimum)})
    return roster_file(scope, units, fmt, today(settings))


PAIRING_SUMMARY = "结对帮扶名单（004 附件5）：在帮和已结束的结对，含接力帮扶单位"
ROSTER_SUMMARY = "信息联络员名册：各帮扶单位的联络员及其联系方式（仅扶贫办），标出联络员不足两名的单位"


@router.get("/counties/{code}/pairing-list", responses=LIST, summary=PAIRING_SUMMARY)
def county_pairing_list(code: CodePath, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                        format: FormatQuery = "json") -> Response:
    return pairing_list(session, settings, principal, code, format, Level.county)


@router.get("/provinces/{code}/pairing-list", responses=LIST, summary=PAIRING_SUMMARY)
def province_pairing_list(code: CodePath, session: SessionDep, settings: SettingsDep,
                          principal: CurrentPrincipal, format: FormatQuery = "json") -> Response:
    return pairing_list(session, settings, principal, code, format, Level.province)


@router.get("/national/pairing-list", responses=LIST, summary=PAIRING_SUMMARY)
def national_pairing_list(session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                          format: FormatQuery = "json") -> Response:
    return pairing_list(session, settings, principal, None, format)


@router.get("/counties/{code}/liaison-roster", responses=LIST, summary=ROSTER_SUMMARY)
def county_liaison_roster(code: CodePath, session: SessionDep, settings: SettingsDep,
                          principal: CurrentPrincipal, format: FormatQuery = "json") -> Response:
    return liaison_roster(session, settings, principal, code, format, Level.county)


@router.get("/provinces/{code}/liaison-roster", responses=LIST, summary=ROSTER_SUMMARY)
def province_liaison_roster(code: CodePath, session: SessionDep, settings: SettingsDep,
                            principal: CurrentPrincipal, format: FormatQuery = "json") -> Response:
    return liaison_roster(session, settings, principal, code, format, Level.province)


@router.get("/national/liaison-roster", responses=LIST, summary=ROSTER_SUMMARY)
def national_liaison_roster(session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                            format: FormatQuery = "json") -> Response:
    return liaison_roster(session, settings, principal, None, format)
