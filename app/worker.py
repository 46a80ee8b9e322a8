"""`bangfu worker`: the task queue's consumer, with every domain's tasks declared.

It runs the import jobs and the periodic tasks (app/queue.py): every hour, the pruning of what no
longer matters; every minute, the reminders of the calendar and the look for interrupted jobs. On start it schedules a look for
jobs that a killed worker left open (app.imports.jobs.recover), once their heartbeat is stale."""

import logging

from sqlmodel import Session

from app.auth import service as auth_service
from app.common import clock_now, utcnow
from app.config import Settings
from app.imports import jobs as import_jobs
from app.notices import jobs as notice_jobs
from app.notices import service as notice_service
from app.queue import Context, Queue, crontab, periodic
from app.stats import flows as stats_flows

log = logging.getLogger(__name__)
TASK_MODULES = (import_jobs, notice_jobs)  # imported for their task declarations


@periodic("reminders.by-the-calendar", crontab())
def calendar_reminders(context: Context) -> list[int]:
    """Every minute: the reminders of the calendar that are due and have not run (each runs once
    per county and week, whatever the clock), sent after their commit."""
    settings = context.settings
    now = clock_now(settings)
    with Session(context.engine, info={notice_service.QUEUE: context.queue}) as session:
        queued = stats_flows.calendar_reminders(session, settings, now)
        session.commit()  # and its deliveries go to the queue (app.notices.jobs)
    return queued


@periodic("prune-every-hour", crontab(minute="7"))
def prune(context: Context) -> dict[str, int]:
    """Forget what no longer matters: old tokens, sessions and throttle rows, ended import jobs
    and uploads nobody reads."""
    now = utcnow()
    with Session(context.engine) as session:
        gone = {**auth_service.prune(session, now), **import_jobs.prune(session, context.settings, now)}
        session.commit()
    log.info("pruned %s", gone)
    return gone


def threads_for(settings: Settings, requested: int | None) -> int:
    """Worker threads: on SQLite one (an import holds the one write lock while it runs), on
    PostgreSQL as asked, by default two."""
    if settings.database_url.startswith("sqlite"):
        return 1
    return requested or 2


def run(settings: Settings, threads: int | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = Queue(settings)
    queue.enqueue(import_jobs.RECOVER, delay=settings.job_stale_seconds)
    try:
        queue.consumer(threads_for(settings, threads)).run()
    finally:
        queue.close()
