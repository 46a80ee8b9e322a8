"""JSON API of the imports domain: the templates, and importing a file all or nothing."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.auth.deps import CurrentPrincipal
from app.auth.policy import Principal
from app.config import Settings
from app.deps import CodePath, SessionDep, SettingsDep
from app.errors import Conflict, Invalid
from app.imports import jobs, service, weekly
from app.imports.models import ImportKind
from app.imports.policy import require_allowed
from app.imports.reading import file_format
from app.imports.templates import KIND_NAMES, template_csv, template_xlsx
from app.stats.api import FILES, XLSX, WeekQuery, download

router = APIRouter(tags=["imports"])

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_BODY_MAX = MAX_UPLOAD_BYTES + (1 << 20)  # the file and the multipart around it; 413 past that
KINDS = [k.value for k in ImportKind]
KindPath = Annotated[str, Path(description="导入类型：" + "、".join(KINDS),
                               json_schema_extra={"enum": KINDS})]


def import_kind(kind: str) -> ImportKind:
    """The kind named in the path. Checked here rather than by an Enum parameter: FastAPI's own
    message would label the parameter by FIELD_LABELS["kind"], which is the unit kind (单位类型)."""
    try:
        return ImportKind(kind)
    except ValueError:
        raise Invalid.one(["path", "kind"], f"导入类型必须是以下之一：{'、'.join(KINDS)}，不能是“{kind}”",
                          "enum") from None


def template_response(kind: ImportKind, fmt: str) -> Response:
    content = template_xlsx(kind) if fmt == "xlsx" else template_csv(kind)
    return download(content, f"{KIND_NAMES[kind]}导入模板", f"import-{kind.value}", fmt)


def checked_upload(file: UploadFile | None) -> UploadFile:
    if file is None or not file.filename:
        raise Invalid.one(["body", "file"], "请选择要导入的文件（.csv 或 .xlsx）", "missing")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise Invalid.one(["body", "file"], f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请拆分后分别导入")
    return file


@router.get("/imports/{kind}/template", summary="下载导入模板", response_class=Response,
            responses={200: {"description": "导入模板文件", "content": FILES}})
def get_template(kind: KindPath, _principal: CurrentPrincipal,
                 format: Annotated[Literal["xlsx", "csv"], Query(description="xlsx 或 csv")] = "xlsx") -> Response:
    return template_response(import_kind(kind), format)


def checked_uploads(files: list[UploadFile] | None) -> list[UploadFile]:
    """One or several files, each checked as one import's file is."""
    if not files:
        return [checked_upload(None)]
    for upload in files:
        checked_upload(upload)
        file_format(upload.filename)
    return files


@router.get("/counties/{code}/weekly-sheet", summary="下载本县预填的每周填报表（xlsx）", response_class=Response,
            responses={200: {"description": "每周填报表：每个有效结对一行，计划书的数只读，已预填最近一次填报的累计数",
                             "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def county_weekly_sheet(code: CodePath, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                        week: WeekQuery = None) -> Response:
    return sheet_response(session, settings, principal, code, week)


def sheet_response(session: Session, settings: Settings, principal: Principal, county_code: str | None,
                   week: str | None) -> Response:
    found = weekly.weekly_sheet(session, settings, principal, county_code, week)
    return download(found.content, found.filename, found.ascii_name, "xlsx")


@router.post("/imports/weekly-sheet", summary="导入填好的每周填报表（可同时上传多个文件）", max_body_size=UPLOAD_BODY_MAX,
             responses={409: {"description": "expect 给出的预览与现在的变化不同：未保存，请重新预览"},
                        422: {"description": "有错误的行：detail 列出每一处（file、row、column、msg），不保存任何数据"}})
def import_weekly_sheet(session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                        file: Annotated[list[UploadFile] | None, File(description="一个或多个 .xlsx / .csv")] = None,
                        dry_run: Annotated[bool, Query(description="只检查并列出变化，不保存")] = False,
                        expect: Annotated[str | None, Query(max_length=64, description="试导入答复的 digest："
                                                            "只有变化与之完全相同时才保存")] = None,
                        ) -> dict[str, Any]:
    uploads = checked_uploads(file)
    session.commit()  # the token's transaction: none (on SQLite, no write lock) while the files are read
    result = weekly.import_sheets(session, settings, principal,
                                  [weekly.SheetFile(u.filename or "", u.file) for u in uploads],
                                  dry_run=dry_run, expect=expect)
    if result.stale:
        raise Conflict(weekly.STALE)
    if not result.ok:
        raise Invalid(result.errors, {"error_count": result.error_count})
    return result.json()


@router.post("/imports/{kind}", summary="导入 .csv 或 .xlsx 文件（全部成功或全部不导入）", max_body_size=UPLOAD_BODY_MAX,
             responses={202: {"description": "作为后台任务排队（async=true）：job_id 与查询进度的 url"},
                        422: {"description": "有错误的行：detail 列出每一处（row、column、msg），不保存任何数据"}})
def import_file(kind: KindPath, request: Request, session: SessionDep, settings: SettingsDep,
                principal: CurrentPrincipal, background: BackgroundTasks,
                file: Annotated[UploadFile | None, File(description=".csv 或 .xlsx")] = None,
                dry_run: Annotated[bool, Query(description="只检查，不保存")] = False,
                as_job: Annotated[bool, Query(alias="async", description="作为后台任务导入，立即答复 202")] = False,
                ) -> Any:
    chosen = import_kind(kind)
    require_allowed(principal, chosen)
    upload = checked_upload(file)
    # Asked for only: a client that waits for its answer keeps the synchronous 200 / 422 (API.md).
    if as_job:
        file_format(upload.filename)
        job = jobs.create(session, settings, principal, chosen, upload.file, upload.filename or "", dry_run)
        assert job.id is not None
        # Enqueued once the request's session has committed, so that the worker finds the job.
        background.add_task(jobs.submit, request.app.state.queue, job.id)
        return JSONResponse({"job_id": job.id, "url": f"/api/v1/imports/jobs/{job.id}"}, status_code=202,
                            headers={"Location": f"/api/v1/imports/jobs/{job.id}"})
    session.commit()  # the token's transaction: none (on SQLite, no write lock) while the file is read
    result = service.import_file(session, settings, principal, chosen, upload.file, upload.filename,
                                 dry_run=dry_run)
    if not result.ok:
        raise Invalid(result.errors, {"error_count": result.error_count})
    return {"created": result.created, "updated": result.updated}


@router.get("/imports/jobs/{job_id}", summary="导入任务的状态与进度（只看自己的）",
            responses={404: {"description": "没有这个任务，或不是自己的"}})
def import_job(job_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, session: SessionDep,
               principal: CurrentPrincipal) -> dict[str, Any]:
    return jobs.answer(request.app.state.queue, service.get_job(session, principal, job_id))
