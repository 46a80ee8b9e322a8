"""Large imports as background jobs: a thread of its own with its own session, the job's row
kept up to date so that the page can poll it."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.auth.models import User
from app.auth.policy import Principal
from app.common import utcnow
from app.config import Settings
from app.errors import DomainError, Invalid
from app.imports import service
from app.imports.models import ImportJob, ImportKind, JobStatus

log = logging.getLogger(__name__)

# One import at a time per process: on SQLite a second would wait on the first's write lock.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bangfu-import")
# Progress of the jobs of this process: (rows done, rows in the file). On SQLite the import's open
# write transaction keeps every other connection from writing the job's row, so the page reads
# the progress from here; on PostgreSQL it is written to the row as well.
_progress: dict[int, tuple[int, int | None]] = {}


def progress_of(job: ImportJob) -> tuple[int, int | None]:
    if job.status in (JobStatus.queued, JobStatus.running) and job.id in _progress:
        return _progress[job.id]
    return job.processed_rows, job.total_rows


def start(engine: Engine, settings: Settings, job_id: int, path: str) -> None:
    """Queue the job whose file is at `path` (the job deletes it). Call it once the job's row
    is committed: the job's own session must find it."""
    _progress[job_id] = (0, None)
    _executor.submit(run, engine, settings, job_id, path)


def _set(engine: Engine, job_id: int, **values: Any) -> None:
    """A short transaction of its own, so the page sees it while the import's is still open."""
    with Session(engine) as session:
        session.execute(update(ImportJob).where(col(ImportJob.id) == job_id).values(**values))
        session.commit()


def run(engine: Engine, settings: Settings, job_id: int, path: str) -> None:
    sqlite = engine.dialect.name == "sqlite"

    def progress(done: int, total: int | None) -> None:
        _progress[job_id] = (done, total)
        if not sqlite:
            _set(engine, job_id, processed_rows=done, total_rows=total)

    try:
        _set(engine, job_id, status=JobStatus.running)
        with Session(engine, expire_on_commit=False) as session, open(path, "rb") as raw:
            job = session.get(ImportJob, job_id)
            user = session.get(User, job.user_id) if job is not None else None
            if job is None or user is None:
                raise LookupError(f"import job {job_id} or its user is gone")
            session.commit()  # no transaction (on SQLite, no write lock) while the file is read
            try:
                result = service.import_file(session, settings, Principal.of(user), ImportKind(job.kind), raw,
                                             job.filename, dry_run=job.dry_run, progress=progress)
            except DomainError as exc:
                session.rollback()
                message = exc.errors[0]["msg"] if isinstance(exc, Invalid) else exc.message
                _set(engine, job_id, status=JobStatus.failed, finished_at=utcnow(), error_count=1,
                     errors=[{"row": None, "column": "file", "msg": message}])
                return
            # The job's outcome is kept in the same transaction as the rows it stored.
            service.finish_job(job, result)
            session.commit()
    except Exception:
        log.exception("import job %s failed", job_id)
        _set(engine, job_id, status=JobStatus.failed, finished_at=utcnow(), error_count=1,
             errors=[{"row": None, "column": "file", "msg": "导入时发生内部错误，未保存任何数据；请稍后重试"}])
    finally:
        _progress.pop(job_id, None)
        try:
            os.unlink(path)
        except OSError:
            pass
