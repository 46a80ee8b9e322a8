"""Suspicious-data flags (存疑数据)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from app.common import RowId, StrictModel, UtcDateTime, utcnow


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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
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


# What each rule is about, as the review queue names it.
RULE_NAMES = {"S1": "计划全为零", "S2": "帮扶人数过多", "S3": "到位资金过大", "S4": "人均投入异常",
              "S5": "完成数远超计划", "S6": "累计数减少"}


class FlagsResolve(FlagResolve):
    """Several flags of one rule resolved together, with one resolution and one note."""

    flag_ids: list[RowId] = PydanticField(min_length=1, max_length=1000)


class FlagSkipped(SQLModel):
    flag_id: int
    reason: str


class FlagsResolved(SQLModel):
    resolved: int
    flags: list[FlagOut]
    skipped: list[FlagSkipped]
