"""Pages of the imports domain: choose a kind, download its template, upload the filled file
(optionally as a dry run), and read the result. A large file runs as a background job whose
progress the page polls."""

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import PagePrincipal
from app.auth.policy import Principal
from app.common import campaign_weeks, parse_week, today
from app.deps import PathId, SessionDep, SettingsDep
from app.errors import Conflict, Forbidden, Invalid
from app.imports import jobs, service, weekly
from app.imports.api import (
    MAX_UPLOAD_BYTES,
    UPLOAD_BODY_MAX,
    checked_upload,
    checked_uploads,
    import_kind,
    sheet_response,
    template_response,
)
from app.imports.models import ImportJob, ImportKind, JobStatus
from app.imports.policy import allowed_kinds, require_allowed
from app.imports.reading import file_format
from app.imports.templates import COLUMNS, KIND_NAMES
from app.pairings.policy import READ_ONLY
from app.stats import service as stats
from app.stats.api import download
from app.stats.export import FORMULA_STARTS
from app.web.pages import csrf_protect, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

KIND_HINTS = {
    ImportKind.villages: "按 12 位统计用区划代码登记村，所属乡镇须已登记；可填县代码核对村是否属于该县。",
    ImportKind.units: "统一社会信用代码已登记的单位，按文件内容更新；其余登记为新单位。",
    ImportKind.pairings: "帮扶单位可填编号或统一社会信用代码；每村最多 5 家有效结对帮扶单位。",
    ImportKind.plans: "每个结对一行，五项举措展开为列；已有计划书的将被替换，已确认的将变为待确认。",
    ImportKind.reports: "每个结对每周一行，填累计数；结对可填结对编号，也可改填村代码和统一社会信用代码两列；"
                        "同一结对同一周再次导入将替换原周报。",
}
STATUS_LABELS = {
    JobStatus.queued: "排队中", JobStatus.running: "正在检查", JobStatus.done: "已导入",
    JobStatus.rejected: "有错误，未导入", JobStatus.failed: "无法导入",
}
# Colours of the existing report badges: green done, amber in progress, red refused.
BADGES = {JobStatus.queued: "report-due", JobStatus.running: "report-due", JobStatus.done: "report-approved",
          JobStatus.rejected: "report-returned", JobStatus.failed: "report-returned"}

def _status_label(job: ImportJob) -> str:
    if job.status == JobStatus.done and job.dry_run:
        return "检查通过（未保存）"
    return STATUS_LABELS.get(JobStatus(job.status), job.status)


def _index(request: Request, session: Session, user: Principal, *, kind: str | None = None,
           file_error: str | None = None, dry_run: bool = False, status_code: int = 200,
           block: str = "upload", weekly_panel: dict[str, Any] | None = None) -> Response:
    kinds = allowed_kinds(user)
    chosen = kind if kind in {k.value for k in kinds} else (kinds[0].value if kinds else "")
    return render(request, "imports/index.html", {
        "title": "批量导入", "kinds": kinds, "chosen": chosen, "KIND_NAMES": JOB_NAMES,
        "KIND_HINTS": KIND_HINTS, "COLUMNS": COLUMNS, "jobs": service.recent_jobs(session, user),
        "status_label": _status_label, "BADGES": BADGES, "file_error": file_error, "dry_run": dry_run,
        "max_upload_bytes": MAX_UPLOAD_BYTES, **_weekly_panel(request, user, **(weekly_panel or {})),
    }, block=block, status_code=status_code)


@router.get("/imports")
def imports_page(request: Request, session: SessionDep, user: PagePrincipal, kind: str | None = None) -> Response:
    return _index(request, session, user, kind=kind)


# --- the weekly sheet ---------------------------------------------------------------------------

# What a kind is called on the page, the weekly sheet's imports among the template kinds.
JOB_NAMES: dict[str, str] = {**{k.value: v for k, v in KIND_NAMES.items()}, weekly.WEEKLY: weekly.SHEET_NAME}
FIELD_LABELS = {c.field: c.label for c in weekly.INPUT}


def _weekly_panel(request: Request, user: Principal, *, result: weekly.SheetResult | None = None,
                  job: ImportJob | None = None, stored: bool = False, notice: str | None = None,
                  file_error: str | None = None) -> dict[str, Any]:
    settings = request.app.state.settings
    now = today(settings)
    weeks = [w for w in campaign_weeks(settings) if parse_week(w) <= now][::-1]
    weeks_filed = sorted({r["week"] for r in result.rows}) if result is not None else []
    return {"weekly": {
        "weeks": weeks, "week": stats.resolve_week(settings, None),
        # A county officer's own county; officers above name the county; a liaison gets its unit's rows.
        "county": user.region_code if user.is_county_officer else None,
        "ask_county": not user.is_liaison and not user.is_county_officer,
        "may_upload": user.may_import_figures, "result": result, "job": job, "stored": stored,
        "notice": notice, "file_error": file_error, "labels": FIELD_LABELS, "weeks_filed": weeks_filed,
        "text_fields": weekly.TEXT_FIELDS,
        "table_county": user.region_code if user.is_county_officer else None,
    }}


def _weekly(request: Request, session: Session, user: Principal, status_code: int = 200,
            **panel: Any) -> Response:
    return _index(request, session, user, block="weekly", status_code=status_code, weekly_panel=panel)


@router.get("/imports/weekly-sheet.xlsx")
def weekly_sheet_file(session: SessionDep, settings: SettingsDep, user: PagePrincipal,
                      county: Annotated[str | None, Query(max_length=12)] = None,
                      week: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """The sheet to download: the county's (a county officer's own by default), or a liaison's
    unit's rows."""
    if county is None and user.is_county_officer:
        county = user.region_code
    return sheet_response(session, settings, user, county or None, week or None)


@router.post("/imports/weekly-sheet", max_body_size=UPLOAD_BODY_MAX)
def weekly_upload(request: Request, session: SessionDep, settings: SettingsDep, user: PagePrincipal,
                  file: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    """A preview: every change per row, the rows skipped and the bad rows; nothing is stored. The
    files are kept (upload_dir) for the confirmation, which imports exactly them again."""
    if not user.may_import_figures:
        raise Forbidden(READ_ONLY)
    try:
        uploads = checked_uploads([f for f in file or [] if f.filename])
    except Invalid as exc:
        return _weekly(request, session, user, 422, file_error=exc.errors[0]["msg"])
    files = [weekly.SheetFile(u.filename or "", u.file) for u in uploads]
    session.commit()  # the login's transaction: none (on SQLite, no write lock) while the files are read
    result = weekly.import_sheets(session, settings, user, files, dry_run=True)
    directory = weekly.keep_files(settings, files) if result.ok and result.rows else None
    job = weekly.preview_job(session, user, result, directory)
    return _weekly(request, session, user, 200 if result.ok else 422, result=result, job=job)


@router.post("/imports/weekly-sheet/{job_id}/confirm")
def weekly_confirm(job_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
                   user: PagePrincipal, digest: Annotated[str, Form(max_length=64)] = "") -> Response:
    try:
        job, result = weekly.confirm(session, settings, user, job_id, digest)
    except Conflict as exc:
        return _weekly(request, session, user, notice=exc.message)
    if result.stale:
        # Shown again as it now stands, to be confirmed anew.
        return _weekly(request, session, user, result=result, job=job, notice=weekly.STALE)
    if not result.ok:
        return _weekly(request, session, user, 422, result=result, job=job)
    return _weekly(request, session, user, result=result, job=job, stored=True)


@router.get("/imports/{kind}/template")
def template_file(kind: str, user: PagePrincipal,
                  format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx") -> Response:
    return template_response(import_kind(kind), format)


@router.post("/imports", max_body_size=UPLOAD_BODY_MAX)
def upload(request: Request, session: SessionDep, settings: SettingsDep, user: PagePrincipal,
           background: BackgroundTasks, kind: Annotated[str, Form()] = "",
           dry_run: Annotated[bool, Form()] = False,
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    chosen = import_kind(kind)
    require_allowed(user, chosen)
    try:
        upload_file = checked_upload(file)
        file_format(upload_file.filename)
    except Invalid as exc:
        return _index(request, session, user, kind=kind, file_error=exc.errors[0]["msg"],
                      dry_run=dry_run, status_code=422)
    filename = upload_file.filename or ""
    assert user.id is not None
    job = ImportJob(kind=chosen, filename=filename[-255:], dry_run=dry_run, user_id=user.id)
    size = upload_file.size if upload_file.size is not None else 0
    if size <= jobs.BACKGROUND_BYTES:
        session.commit()  # the login's transaction: none (on SQLite, no write lock) while the file is read
        try:
            result = service.import_file(session, settings, user, chosen, upload_file.file,
                                         upload_file.filename, dry_run=dry_run)
        except Invalid as exc:
            return _index(request, session, user, kind=kind, file_error=exc.errors[0]["msg"],
                          dry_run=dry_run, status_code=422)
        service.finish_job(job, result)
        session.add(job)
        session.flush()
        return redirect(request, f"/imports/jobs/{job.id}")
    # The upload's temporary file goes away with the request: the job reads its own copy.
    job = jobs.create(session, settings, user, chosen, upload_file.file, filename, dry_run)
    assert job.id is not None
    # Enqueued once the request's session has committed, so that the worker finds the job.
    background.add_task(jobs.submit, request.app.state.queue, job.id)
    return redirect(request, f"/imports/jobs/{job.id}")


@router.get("/imports/jobs/{job_id}")
def job_page(job_id: PathId, request: Request, session: SessionDep, user: PagePrincipal) -> Response:
    job = service.get_job(session, user, job_id)
    processed, total = jobs.progress_of(request.app.state.queue, job)
    return render(request, "imports/job.html", {
        "title": "导入结果", "job": job, "KIND_NAMES": JOB_NAMES, "BADGES": BADGES, "status_label": _status_label(job),
        "finished": job.status not in (JobStatus.queued, JobStatus.running),
        "processed": processed, "total": total, "errors": job.errors,
        "error_count": max(job.error_count, len(job.errors)),
    }, block="job")


def _text(value: str) -> str:
    """A header from the uploaded file must open in Excel as text, never run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@router.get("/imports/jobs/{job_id}/errors.csv")
def job_errors(job_id: PathId, session: SessionDep, user: PagePrincipal) -> Response:
    job = service.get_job(session, user, job_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["行号", "列", "错误原因"])
    for err in job.errors:
        writer.writerow([err.get("row") or "", _text(err.get("column") or ""), _text(err.get("msg", ""))])
    content = "\ufeff".encode() + out.getvalue().encode("utf-8")
    return download(content, f"导入错误_{job.filename}", f"import-{job.id}-errors", "csv")
