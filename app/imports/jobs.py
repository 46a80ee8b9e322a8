"""Large imports as jobs on the task queue (app/queue.py): the web process keeps the upload in
the upload directory, commits the job's row and enqueues it; a worker (`bangfu worker`) claims
the row, imports the file in a transaction of its own and keeps the outcome in that transaction.

While a job runs, its progress and a heartbeat go to the queue's key-value storage, which every
process reads (on SQLite the import's open write transaction keeps anyone from writing the job's
row). A job whose heartbeat stops — its worker killed — is found by `recover`: tried again while
it has tries left, else ended failed with the reason; its data is all or nothing either way, as
the database rolls back the killed transaction, and its file is removed when the job ends."""

import logging
import os
import shutil
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, col, select

from app.auth.models import User
from app.auth.policy import Principal
from app.common import utcnow
from app.config import Settings
from app.errors import DomainError, Invalid, Unavailable
from app.imports import service
from app.imports.models import ImportJob, ImportKind, JobStatus
from app.queue import Context, Queue, crontab, periodic, task

log = logging.getLogger(__name__)

RUN, RECOVER = "imports.run", "imports.recover"
# An upload through the page larger than this (about a thousand report rows) always runs as a job;
# a smaller one is checked while the browser waits. The API runs a job when asked (?async=true).
BACKGROUND_BYTES = 128 * 1024
OPEN = (JobStatus.queued, JobStatus.running)
INTERNAL = "导入时发生内部错误，未保存任何数据；请稍后重试"
UNREACHABLE = "数据库暂时无法连接，导入未完成，未保存任何数据；请稍后重新上传"
FINISHED_KEPT = timedelta(days=30)  # an ended job's result stays this long on the import page
ORPHAN_AFTER = timedelta(days=1)  # an upload no open job reads (its request failed) goes then


def _key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def progress_of(queue: Queue, job: ImportJob) -> tuple[int, int | None]:
    """Rows checked so far and rows in the file: from the worker while the job is open."""
    if job.status in OPEN:
        seen = queue.peek(_key(job.id or 0))
        if seen is not None:
            return seen[0], seen[1]
    return job.processed_rows, job.total_rows


def keep_upload(settings: Settings, source: IO[bytes], suffix: str) -> str:
    """A copy of the upload in the upload directory, where the worker reads it; its path."""
    directory = Path(settings.upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix="import-", suffix=suffix, delete=False) as copy:
        source.seek(0)
        shutil.copyfileobj(source, copy, length=1 << 20)
    return copy.name


def create(session: Session, settings: Settings, actor: Principal, kind: ImportKind, source: IO[bytes],
           filename: str, dry_run: bool) -> ImportJob:
    """A queued job for the upload, its file kept for the worker: `submit` it once committed."""
    assert actor.id is not None
    job = ImportJob(kind=kind, filename=filename[-255:], dry_run=dry_run, user_id=actor.id,
                    upload_path=keep_upload(settings, source, os.path.splitext(filename)[1].lower()))
    session.add(job)
    session.flush()
    return job


# What the API answers for a job's status (API.md "Imports"): a job with bad rows stored nothing.
API_STATUS = {JobStatus.queued: "queued", JobStatus.running: "running", JobStatus.done: "succeeded",
              JobStatus.rejected: "failed", JobStatus.failed: "failed"}


def answer(queue: Queue, job: ImportJob, errors_kept: int = 200) -> dict[str, Any]:
    processed, total = progress_of(queue, job)
    return {"id": job.id, "kind": job.kind, "status": API_STATUS[JobStatus(job.status)],
            "processed_rows": processed, "total_rows": total, "created": job.created, "updated": job.updated,
            "errors": job.errors[:errors_kept], "error_count": max(job.error_count, len(job.errors)),
            "filename": job.filename, "dry_run": job.dry_run, "attempts": job.attempts,
            "created_at": job.created_at, "finished_at": job.finished_at}


def submit(queue: Queue, job_id: int) -> None:
    """Enqueue the job, once its row is committed (the worker must find it)."""
    queue.enqueue(RUN, job_id)


def _set(engine: Engine, job_id: int, *where: Any, **values: Any) -> bool:
    """A short transaction of its own; whether the row matched."""
    with Session(engine) as session:
        done = session.execute(update(ImportJob).where(col(ImportJob.id) == job_id, *where).values(**values))
        session.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]


def _remove(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


class _Beat:
    """The running job's progress and a heartbeat, in the queue's storage, every `every` seconds."""

    def __init__(self, queue: Queue, job_id: int, every: float):
        self.queue, self.key, self.every = queue, _key(job_id), every
        self.state: tuple[int, int | None] = (0, None)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"import-{job_id}-beat", daemon=True)

    def __enter__(self) -> "_Beat":
        self._put()
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def progress(self, done: int, total: int | None) -> None:
        self.state = (done, total)
        self._put()

    def _put(self) -> None:
        self.queue.put(self.key, (*self.state, time.time()))

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self._put()
            except Exception:  # the beat must not end the import; a lost beat only delays it
                log.warning("import heartbeat not written", exc_info=True)


@task(RUN, retries=3, retry_delay=10, retry_backoff=2)
def run(context: Context, attempt: tuple[int, int], job_id: int) -> None:
    engine, settings, queue = context.engine, context.settings, context.queue
    # Claimed once: a job enqueued twice (recovery met it waiting) runs once.
    if not _set(engine, job_id, col(ImportJob.status) == JobStatus.queued,
                status=JobStatus.running, attempts=ImportJob.attempts + 1, started_at=utcnow()):
        return
    path: str | None = None
    ended = True
    try:
        with Session(engine, expire_on_commit=False) as session, _Beat(queue, job_id, settings.job_heartbeat_seconds) as beat:
            job = session.get(ImportJob, job_id)
            user = session.get(User, job.user_id) if job is not None else None
            if job is None or user is None:
                raise LookupError(f"import job {job_id} or its user is gone")
            path = job.upload_path
            session.commit()  # no transaction (on SQLite, no write lock) while the file is read
            try:
                with open(path or "", "rb") as raw:
                    result = service.import_file(session, settings, Principal.of(user), ImportKind(job.kind), raw,
                                                 job.filename, dry_run=job.dry_run, progress=beat.progress)
            except Unavailable:
                raise  # busy or away just now: tried again, below
            except DomainError as exc:
                session.rollback()
                message = exc.errors[0]["msg"] if isinstance(exc, Invalid) else exc.message
                _set(engine, job_id, status=JobStatus.failed, finished_at=utcnow(), error_count=1,
                     errors=[{"row": None, "column": "file", "msg": message}])
                return
            # The job's outcome is kept in the same transaction as the rows it stored.
            service.finish_job(job, result)
            session.commit()
    except (OperationalError, InterfaceError, Unavailable):
        left, _tries = attempt
        if left:  # the database is away: huey tries again later, the job waits as queued
            log.warning("import job %s: database unreachable, retried later", job_id, exc_info=True)
            ended = False
            _set(engine, job_id, status=JobStatus.queued)
            raise
        log.exception("import job %s: database unreachable, no retry left", job_id)
        _fail(engine, job_id, UNREACHABLE)
    except Exception:
        log.exception("import job %s failed", job_id)
        _fail(engine, job_id, INTERNAL)
    finally:
        if ended:
            queue.forget(_key(job_id))
            _remove(path)


def _fail(engine: Engine, job_id: int, message: str) -> None:
    try:
        _set(engine, job_id, status=JobStatus.failed, finished_at=utcnow(), error_count=1,
             errors=[{"row": None, "column": "file", "msg": message}])
    except (OperationalError, InterfaceError):
        log.exception("import job %s: its failure could not be recorded; recovery will end it", job_id)


@task(RECOVER)
def recover_now(context: Context, _attempt: tuple[int, int]) -> list[int]:
    return recover(context)


@periodic("imports.recover-every-minute", crontab())
def recover_every_minute(context: Context) -> None:
    recover(context)


def recover(context: Context) -> list[int]:
    """Open jobs nobody is working on: a running job whose heartbeat is older than
    `job_stale_seconds` (its worker died) is queued again while it has tries left, else ended
    failed with the reason and its file removed; a queued job that is in no queue (its enqueue
    was lost) is enqueued again. The jobs enqueued."""
    settings, queue = context.settings, context.queue
    stale_before = time.time() - settings.job_stale_seconds
    waiting = {args[0] for args in queue.waiting(RUN) if args}
    again: list[int] = []
    with Session(context.engine) as session:
        jobs = list(session.exec(select(ImportJob).where(col(ImportJob.status).in_(OPEN))))
    for job in jobs:
        assert job.id is not None
        seen = queue.peek(_key(job.id))
        last = max(seen[2] if seen is not None else 0.0, (job.started_at or job.created_at).timestamp())
        if last > stale_before or job.id in waiting:
            continue
        if job.status == JobStatus.queued:
            again.append(job.id)
        elif job.attempts < settings.job_attempts:
            if _set(context.engine, job.id, col(ImportJob.status) == JobStatus.running,
                    col(ImportJob.attempts) == job.attempts, status=JobStatus.queued):
                log.warning("import job %s was interrupted (try %s); tried again", job.id, job.attempts)
                again.append(job.id)
        elif _set(context.engine, job.id, col(ImportJob.status) == JobStatus.running,
                  col(ImportJob.attempts) == job.attempts, status=JobStatus.failed, finished_at=utcnow(),
                  error_count=1, errors=[{"row": None, "column": "file",
                                          "msg": f"导入中断（处理进程意外退出），已尝试 {job.attempts} 次，未保存任何数据；请重新上传"}]):
            log.error("import job %s was interrupted %s times; ended failed", job.id, job.attempts)
            queue.forget(_key(job.id))
            _remove(job.upload_path)
    for job_id in again:
        submit(queue, job_id)
    return again


def prune(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Ended jobs older than FINISHED_KEPT, and uploads that no open job reads, a day old (their
    request failed after the file was kept, or a preview's files waited in vain for their
    confirmation). How many of each went."""
    gone = session.execute(delete(ImportJob).where(col(ImportJob.status).not_in(OPEN),
                                                   col(ImportJob.finished_at) < now - FINISHED_KEPT))
    wanted = set(session.scalars(select(ImportJob.upload_path).where(col(ImportJob.status).in_(OPEN))))
    removed = 0
    for path in Path(settings.upload_dir).glob("import-*"):
        try:
            if str(path) not in wanted and path.stat().st_mtime < (now - ORPHAN_AFTER).timestamp():
                if path.is_dir():  # a weekly sheet's preview never confirmed (app.imports.weekly)
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed += 1
        except OSError:
            continue
    return {"import_job": gone.rowcount, "upload": removed}  # type: ignore[attr-defined]
