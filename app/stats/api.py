"""The annex-3 tables (county, province, national), completeness and demonstration candidates as
JSON, CSV or xlsx, and the county's submissions of its weekly table."""

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic_core import to_json

from app.auth.deps import CurrentPrincipal
from app.common import ReasonIn, check_week, clock_now
from app.deps import WEEK_PATTERN, CodePath, SessionDep, SettingsDep, WeekPath
from app.openapi import answers
from app.reports import service as reports
from app.reports.models import BulkApproveIn, BulkApproveOut, BulkSkipped
from app.stats import export, flows, service
from app.stats.deps import CurrentCounty
from app.stats.models import Submission, SubmissionDetail, SubmissionOut, SubmitIn

router = APIRouter(tags=["stats"])


class TableJSON(JSONResponse):
    """A table's JSON encoded by pydantic-core (Rust) rather than the json module: the same
    compact UTF-8 JSON, several times faster for a county's 300 rows."""

    def render(self, content: Any) -> bytes:
        return to_json(content)

WeekQuery = Annotated[str | None, Query(description="ISO 周次，如 2020-W27；缺省为本周",
                                        examples=["2020-W27"], json_schema_extra={"pattern": WEEK_PATTERN})]
FormatQuery = Annotated[Literal["json", "csv", "xlsx"], Query(description="json、csv 或 xlsx")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}}
# A table answers JSON, or with format=csv or xlsx the file to download.
TABLE: dict[int | str, dict[str, Any]] = {200: {"description": "统计表：JSON；format=csv 或 xlsx 时为下载的文件",
               "content": {"application/json": {}, **FILES}}}


def download(content: bytes, filename: str, ascii_name: str, fmt: str) -> Response:
    """An attachment named in Chinese for browsers that read filename*, in ASCII for the rest."""
    media = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    disposition = f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(filename)}.{fmt}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


def county_file(session: SessionDep, table: service.CountyTable, fmt: str) -> Response:
    """The county table as CSV, or as xlsx laid out like annex 3 with a sheet of 本周未报."""
    names = (f"{table.county.name}_{table.week}_结对帮扶项目进展统计表", f"county-{table.county.code}-{table.week}")
    sheet = export.county_sheet(table)
    if fmt == "csv":
        return download(export.to_csv(sheet), *names, "csv")
    liaisons = service.liaison_names(session, {row.unit_id for row in table.missing})
    return download(export.to_xlsx(sheet, export.missing_rows(table, liaisons)), *names, "xlsx")


def rollup_file(rollup: service.Rollup, fmt: str) -> Response:
    if rollup.province is not None:
        names = (f"{rollup.province.name}_{rollup.week}_分县汇总表", f"province-{rollup.province.code}-{rollup.week}")
    else:
        names = (f"全国_{rollup.week}_分省汇总表", f"national-{rollup.week}")
    sheet = export.rollup_sheet(rollup)
    return download(export.to_csv(sheet) if fmt == "csv" else export.to_xlsx(sheet), *names, fmt)


@router.get("/counties/{code}/weekly-table", responses=TABLE)
def county_weekly_table(county: CurrentCounty, session: SessionDep, settings: SettingsDep,
                        week: WeekQuery = None, format: FormatQuery = "json") -> Response:
    table = service.county_table(session, settings, county, week)
    if format == "json":
        # Only JSON-native values inside: skip FastAPI's generic re-encoding of 300 rows.
        return TableJSON(table.json())
    return county_file(session, table, format)


@router.get("/provinces/{code}/weekly-table", responses=TABLE)
def province_weekly_table(code: CodePath, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                          week: WeekQuery = None, format: FormatQuery = "json") -> Response:
    rollup = service.province_table(session, settings, principal, code, week)
    return TableJSON(rollup.json()) if format == "json" else rollup_file(rollup, format)


@router.get("/national/weekly-table", responses=TABLE)
def national_weekly_table(session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                          week: WeekQuery = None, format: FormatQuery = "json") -> Response:
    rollup = service.national_table(session, settings, principal, week)
    return TableJSON(rollup.json()) if format == "json" else rollup_file(rollup, format)


@router.get("/counties/{code}/completeness")
def county_completeness(county: CurrentCounty, session: SessionDep, settings: SettingsDep,
                        week: WeekQuery = None) -> dict[str, Any]:
    return service.county_completeness(session, settings, county, week)


@router.get("/provinces/{code}/completeness")
def province_completeness(code: CodePath, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                          week: WeekQuery = None) -> dict[str, Any]:
    return service.province_completeness(session, settings, principal, code, week)


@router.get("/national/completeness")
def national_completeness(session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                          week: WeekQuery = None) -> dict[str, Any]:
    return service.national_completeness(session, settings, principal, week)


@router.get("/counties/{code}/candidates")
def county_candidates(county: CurrentCounty, session: SessionDep, settings: SettingsDep,
                      week: WeekQuery = None) -> dict[str, Any]:
    """Demonstration candidates (示范点) of the county, judged on each pairing's latest report."""
    region, week, found = service.candidates(session, settings, county, week)
    return {"county": {"code": region.code, "name": region.name}, "week": week,
            "items": [c.json() for c in found], "total": len(found)}


# --- reminders (催报) --------------------------------------------------------------------------


@router.post("/counties/{code}/reminders/{week}", tags=["notifications"], summary="催报：提醒本周未报结对的联络员",
             responses=answers(403, 404, 422))
def remind_county(week: WeekPath, county: CurrentCounty, session: SessionDep,
                  settings: SettingsDep) -> dict[str, int]:
    check_week(settings, week)
    county.principal.require(county.may_submit, "只有本县扶贫办可以催报")
    now = clock_now(settings)
    reminded, _queued = flows.remind_missing(session, settings, county, week, now)  # sent once committed
    return {"queued": reminded}


@router.post("/counties/{code}/reports/{week}/approve", response_model=BulkApproveOut, tags=["reports"],
             summary="批量审核通过本县本周的周报", responses=answers(403, 404, 409, 422))
def approve_reports(week: WeekPath, data: BulkApproveIn, county: CurrentCounty, session: SessionDep,
                    settings: SettingsDep) -> BulkApproveOut:
    """`pairing_ids`, or `all_without_open_flags: true` (exactly one). Pairings not approved are
    listed in `skipped` with the reason, one of: not found in your scope (an id of another county
    is skipped like an unknown one, not answered 404, so one stale id does not undo the rest),
    not reported this week, already approved, returned, open flags, or re-sent after `as_of`."""
    check_week(settings, week)
    done = reports.approve_many(session, county.principal, county.code, week, data.selected(), data.as_of)
    return BulkApproveOut(approved=len(done.approved), approved_pairing_ids=[r.pairing_id for r in done.approved],
                          skipped=[BulkSkipped(pairing_id=skip.pairing_id, reason=skip.reason) for skip in done.skipped])


# --- submissions -----------------------------------------------------------------------------


@router.get("/counties/{code}/submissions/{week}/checklist", tags=["review"], summary="上报前核对清单",
            responses=answers(404, 422))
def submission_checklist(week: WeekPath, county: CurrentCounty, session: SessionDep,
                         settings: SettingsDep) -> dict[str, Any]:
    """Counts over the pairings in force that week: `expected`, `received` (a returned report
    included), `missing`, `unreviewed` (received, not yet approved or returned), `returned`,
    `open_flags` (open flags bearing on the week's table: the plans' and the reports' up to the
    week); `ready` when nothing is missing, unreviewed, returned or flagged. `returned_reports`
    names the pairings whose report of the week waits for the liaison."""
    check_week(settings, week)
    return service.week_checklist(session, settings, county, week).json()


@router.post("/counties/{code}/submissions/{week}", response_model=SubmissionDetail,
             status_code=status.HTTP_201_CREATED, tags=["review"], responses=answers(403, 404, 409, 422))
def submit_week(week: WeekPath, county: CurrentCounty, session: SessionDep, settings: SettingsDep,
                data: Annotated[SubmitIn | None, Body()] = None) -> Submission:
    """Sends the week's table up and locks its reports. 409 while any report of the week is
    returned (the body cannot override it), and while reports are missing or unreviewed or flags
    are open unless the body is `{"confirm_incomplete": true, "note": "..."}`; either 409 carries
    the message in `detail` and the counts in `checklist`. A body that breaks its own rules (say
    `confirm_incomplete` without a `note`, or an unknown field) is 422. No body is needed for a
    complete week. The submission keeps the note and the checklist's counts."""
    check_week(settings, week)
    return service.submit_week(session, settings, county, week, data)


@router.get("/counties/{code}/submissions", response_model=list[SubmissionOut], tags=["review"])
def list_submissions(county: CurrentCounty, session: SessionDep) -> list[Submission]:
    return service.list_submissions(session, county)


@router.get("/counties/{code}/submissions/{week}", response_model=SubmissionDetail, tags=["review"])
def get_submission(week: WeekPath, county: CurrentCounty, session: SessionDep) -> Submission:
    return service.current_submission(session, county, week)


@router.post("/counties/{code}/submissions/{week}/accept", response_model=SubmissionOut, tags=["review"])
def accept_week(week: WeekPath, county: CurrentCounty, session: SessionDep, settings: SettingsDep) -> Submission:
    return service.accept_week(session, settings, county, week)


@router.post("/counties/{code}/submissions/{week}/return", response_model=SubmissionOut, tags=["review"])
def return_week(week: WeekPath, data: ReasonIn, county: CurrentCounty, session: SessionDep,
                settings: SettingsDep) -> Submission:
    return service.return_week(session, settings, county, week, data.reason)
