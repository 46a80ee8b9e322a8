"""Monthly public disclosure (信息公开): published, frozen summaries of the campaign."""

import re
from datetime import datetime
from typing import Any

from pydantic import Field as PydanticField
from pydantic import field_validator, model_validator
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from app.common import REASON_MAX, StrictModel, UtcDateTime, utcnow

MONTH_RE = re.compile(r"[12][0-9]{3}-(0[1-9]|1[0-2])")


class Publication(SQLModel, table=True):
    """A month's figures as published: its figures are never edited; publishing the month again
    adds a row and the newest one not withdrawn is what the public sees."""

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)  # "2020-07"
    # None: the national publication of every province; otherwise a province's own.
    region_code: str | None = Field(default=None, max_length=12, foreign_key="region.code", index=True)
    week: str = Field(max_length=8)  # the week whose table the figures come from
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    published_by: int = Field(foreign_key="app_user.id")
    # A withdrawn publication stays on record (who, when, why); the public sees the one before it.
    withdrawn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    withdrawn_by: int | None = Field(default=None, foreign_key="app_user.id")
    withdraw_reason: str | None = Field(default=None, sa_type=Text)


class PublicationCreate(StrictModel):
    month: str = PydanticField(examples=["2020-07"], json_schema_extra={"pattern": MONTH_RE.pattern})

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        # A validator rather than `pattern`, so the 422 says in Chinese what a month looks like.
        if not MONTH_RE.fullmatch(value):
            raise ValueError(f"月份“{value}”格式不对，应为 YYYY-MM，例如 2020-07")
        return value


class PublicationOut(SQLModel):
    id: int
    month: str
    region_code: str | None
    week: str
    published_at: datetime
    published_by: int
    withdrawn: bool = False
    withdrawn_at: datetime | None = None
    withdrawn_by: int | None = None
    withdraw_reason: str | None = None

    @model_validator(mode="after")
    def _withdrawn(self) -> "PublicationOut":
        self.withdrawn = self.withdrawn_at is not None
        return self


class PublicationDetail(PublicationOut):
    snapshot: dict[str, Any]


class PublicationPreview(SQLModel):
    """What publishing the month would freeze, before anything is stored."""

    month: str
    region_code: str | None
    week: str
    week_start: str
    week_end: str
    snapshot: dict[str, Any]


class WithdrawIn(StrictModel):
    reason: str = PydanticField(max_length=REASON_MAX, examples=["数据有误，需更正后重新发布"])

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("请填写撤回原因")
        return value.strip()


# --- what the public endpoints answer: declared field by field, so nothing else can slip out ---


class PublicFigures(SQLModel):
    pairings: int
    funds_arrived_wan: str
    materials_arrived_wan: str
    sales_done_wan: str
    jobs_done: int
    trained_done: int
    stationed_count: int


class PublicRegion(PublicFigures):
    code: str
    name: str


class PublicDated(SQLModel):
    month: str
    week: str
    week_start: str | None
    week_end: str | None
    published_at: datetime


class PublicProvince(PublicRegion, PublicDated):
    source: str  # "national": from the national publication; "province": the province's own, newer
    counties: list[PublicRegion]


class PublicNational(PublicDated):
    total: PublicFigures


class FigureLabel(SQLModel):
    key: str
    label: str


class PublicSummary(SQLModel):
    month: str
    national: PublicNational | None
    provinces: list[PublicProvince]
    figures: list[FigureLabel]


class PublicCase(SQLModel):
    """A featured story as the public sees it: no person, no user, no phone. The columns of the
    query that reads it come in this order."""

    id: int
    title: str | None
    body: str
    week: str
    village: str
    county: str
    province: str
    unit: str
    featured_at: datetime


class FeatureOut(SQLModel):
    pairing_id: int
    week: str
    featured: bool
    featured_at: datetime | None
