"""Suspicious-data flags (存疑数据) and county submissions of the weekly table."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel

from app.common import StrictModel, utcnow


class FlagStatus(StrEnum):
    open = "open"
    verified = "verified"  # 核实无误
    corrected = "corrected"  # 已更正


FLAG_STATUS_LABELS = {FlagStatus.open: "待核实", FlagStatus.verified: "核实无误",
                      FlagStatus.corrected: "已更正"}


class Flag(SQLModel, table=True):
    __table_args__ = (Index("ix_flag_pairing_week_rule", "pairing_id", "week", "rule"),)

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    week: str | None = Field(default=None, max_length=8)  # None: a flag on the plan
    rule: str = Field(max_length=4)
    message: str = Field(sa_type=Text)
    # The values involved, e.g. {"jobs_done": 900, "trained_done": 200, "limit": 1000}.
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Annex-3 column keys the flag is about, for marking cells in the table.
    columns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    county_code: str = Field(max_length=12, index=True)
    status: str = Field(default=FlagStatus.open, max_length=10, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_by: int | None = Field(default=None, foreign_key="app_user.id")
    note: str | None = Field(default=None, sa_type=Text)


class FlagOut(SQLModel):
    id: int
    rule: str
    message: str
    pairing_id: int
    week: str | None
    county_code: str
    values: dict[str, Any]
    columns: list[str]
    status: str
    created_at: datetime
    resolved_at: datetime | None
    note: str | None


class Resolution(StrEnum):
    verified = "verified"
    corrected = "corrected"


class FlagResolve(StrictModel):
    resolution: Resolution
    note: str = PydanticField(min_length=1, max_length=2000)


class SubmissionStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"


SUBMISSION_STATUS_LABELS = {SubmissionStatus.submitted: "已上报，待省级审核",
                            SubmissionStatus.accepted: "省级已接收",
                            SubmissionStatus.returned: "省级已退回"}


class Submission(SQLModel, table=True):
    """A county's week-W table as sent up. Rows are never rewritten but for their decision: a
    returned week is submitted again as a new row, so every version stays."""

    __table_args__ = (
        # At most one live (submitted or accepted) submission per county and week.
        Index("uq_submission_live", "county_code", "week", unique=True,
              sqlite_where=text("status IN ('submitted', 'accepted')"),
              postgresql_where=text("status IN ('submitted', 'accepted')")),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_code: str = Field(max_length=12, foreign_key="region.code", index=True)
    week: str = Field(max_length=8, index=True)
    status: str = Field(default=SubmissionStatus.submitted, max_length=10)
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    submitted_by: int = Field(foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    return_reason: str | None = Field(default=None, sa_type=Text)


class SubmissionOut(SQLModel):
    id: int
    county_code: str
    week: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None
    return_reason: str | None


class SubmissionDetail(SubmissionOut):
    snapshot: dict[str, Any]
