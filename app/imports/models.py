"""Bulk imports from the templates the system hands out: a job per uploaded file."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.common import UtcDateTime, utcnow


class ImportKind(StrEnum):
    villages = "villages"
    units = "units"
    pairings = "pairings"
    plans = "plans"
    reports = "reports"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"  # stored (or, for a dry run, checked) without a bad row
    rejected = "rejected"  # bad rows: nothing stored
    failed = "failed"  # the file could not be read at all


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    filename: str = Field(max_length=255)
    dry_run: bool = False
    status: str = Field(default=JobStatus.queued, max_length=10, index=True)
    total_rows: int | None = None
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    # The first bad rows (app.imports.service.ERRORS_KEPT), and how many there were in all.
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    error_count: int = 0
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Run by the task queue's workers (app/imports/jobs.py): how many tries began, the last one's
    # start, and the uploaded file the job reads (removed when the job ends).
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    upload_path: str | None = Field(default=None, max_length=500)
