"""Pages of the imports domain: choose a kind, download its template, upload the filled file
(optionally as a dry run), and read the result. A large file runs as a background job whose
progress the page polls."""

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.deps import PagePrincipal
from app.auth.policy import Principal
from app.deps import PathId, SessionDep, SettingsDep
from app.errors import Invalid
from app.imports import jobs, service
from app.imports.api import MAX_UPLOAD_BYTES, UPLOAD_BODY_MAX, checked_upload, import_kind, template_response
from app.imports.models import ImportJob, ImportKind, JobStatus
from app.imports.policy import allowed_kinds, require_allowed
from app.imports.reading import file_format
from app.imports.templates import COLUMNS, KIND_NAMES
from app.stats.api import download
from app.stats.export import FORMULA_STARTS
from app.web.pages import csrf_protect, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

KIND_HINTS = {
    ImportKind.villages: "按 12 位统计用区划代码登记村，所属乡镇须已登记；可填县代码核对村是否属于该县。",
    ImportKind.units: "统一社会信用代码已登记的单位，按文件内容更新；其余登记为新单位。",
    ImportKind.pairings: "帮扶单位可填编号或统一社会信用代码；每村最多 5 家有效结对帮扶单位。",
    ImportKind.plans: "每个结对一行，五项举措展开为列；已有计划书的将被替换，已确认的将变为待确认。",
    ImportKind.reports: "每个结对每周一行，填累计数；同一结对同一周再次导入将替换原周报。",
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
           file_error: str | None = None, dry_run: bool = False, status_code: int = 200) -> Response:
    kinds = allowed_kinds(user)
    chosen = kind if kind in {k.value for k in kinds} else kinds[0].value
    return render(request, "imports/index.html", {
        "title": "批量导入", "kinds": kinds, "chosen": chosen, "KIND_NAMES": KIND_NAMES,
        "KIND_HINTS": KIND_HINTS, "COLUMNS": COLUMNS, "jobs": service.recent_jobs(session, user),
        "status_label": _status_label, "BADGES": BADGES, "file_error": file_error, "dry_run": dry_run,
        "max_upload_bytes": MAX_UPLOAD_BYTES,
    }, block="upload", status_code=status_code)


@router.get("/imports")
def imports_page(request: Request, session: SessionDep, user: PagePrincipal, kind: str | None = None) -> Response:
    return _index(request, session, user, kind=kind)


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
        "title": "导入结果", "job": job, "KIND_NAMES": KIND_NAMES, "BADGES": BADGES, "status_label": _status_label(job),
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
