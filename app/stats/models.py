"""The annex-3 figures and columns, and county submissions of the weekly table."""

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.catalogue import MEASURE_BY_KEY, entry
from app.common import UtcDateTime, format_decimal, percentage, utcnow

ZERO = Decimal(0)

# Annex 3's columns after 序号 · 帮扶村 · 结对帮扶单位: (API key, the catalogue entry that labels it,
# kind); kind is "wan", "pct", "int" or "flag" (1/0, summed to counts in 合计).
_ANNEX = [
    ("funds_planned_wan", "funds_planned_wan", "wan"), ("funds_arrived_wan", "funds_arrived_wan", "wan"),
    ("funds_pct", "funds_pct", "pct"),
    ("materials_planned_wan", "materials_planned_wan", "wan"),
    ("materials_arrived_wan", "materials_arrived_wan", "wan"), ("materials_pct", "materials_pct", "pct"),
    ("has_industry_plan", "has_industry_plan", "flag"), ("industry_plan_done", "industry_plan_done", "flag"),
    ("sales_planned_wan", "sales_planned_wan", "wan"), ("sales_done_wan", "sales_done_wan", "wan"),
    ("sales_pct", "sales_pct", "pct"),
    ("jobs_planned", "jobs_planned", "int"), ("jobs_done", "jobs_done", "int"), ("jobs_pct", "jobs_pct", "pct"),
    ("trainees_planned", "trainees_planned", "int"), ("trained_done", "trained_done", "int"),
    ("trained_pct", "trained_pct", "pct"),
    ("stationed", "stationed", "flag"), ("stationed_count", "stationed_now", "int"),
]


def _annex_label(key: str, kind: str) -> str:
    found = entry(key)
    return f"{found.name}（1/0）" if kind == "flag" else found.text


COLUMNS: list[tuple[str, str, str]] = [(key, _annex_label(by, kind), kind) for key, by, kind in _ANNEX]
# The grouped header of annex 3: (label, number of columns) over COLUMNS. Annex 3 calls the third
# measure 就业扶贫 where the plan of annex 2 says 促进就业.
GROUPS = [(MEASURE_BY_KEY["industry"].name, 8), (MEASURE_BY_KEY["consumption"].name, 3), ("就业扶贫", 3),
          (MEASURE_BY_KEY["training"].name, 3), (MEASURE_BY_KEY["stationing"].name, 2)]
# The columns before the figures (catalogue keys): in a county's table, and in a rollup whose rows
# are counties or provinces.
COUNTY_LEAD = ("seq", "village", "unit")


def rollup_lead(kind: str) -> tuple[str, ...]:
    return ("seq", kind, "pairings", "reports_this_week")
# The legend row under the table, by column key.
LEGEND = {"has_industry_plan": "1：有     0：无", "industry_plan_done": "1：有      0：无",
          "sales_planned_wan": "无计划填零", "jobs_planned": "无计划填零",
          "trainees_planned": "无计划填零", "stationed": "1：有     0：无"}
TITLE = "社会力量助力挂牌督战村项目结对帮扶所在县结对帮扶项目进展统计表"
# Columns whose week-on-week increase (本周新增) the JSON and the page show.
INCREASE_KEYS = ["funds_arrived_wan", "materials_arrived_wan", "sales_done_wan", "jobs_done",
                 "trained_done", "stationed_count"]
# (percentage key, actual key, planned key)
PCTS = [("funds_pct", "funds_arrived_wan", "funds_planned_wan"),
        ("materials_pct", "materials_arrived_wan", "materials_planned_wan"),
        ("sales_pct", "sales_done_wan", "sales_planned_wan"),
        ("jobs_pct", "jobs_done", "jobs_planned"),
        ("trained_pct", "trained_done", "trainees_planned")]


@dataclass
class Figures:
    """The summable quantities of one row (or of a sum of rows); percentages derive from them."""

    funds_planned_wan: Decimal = ZERO
    funds_arrived_wan: Decimal = ZERO
    materials_planned_wan: Decimal = ZERO
    materials_arrived_wan: Decimal = ZERO
    has_industry_plan: int = 0
    industry_plan_done: int = 0
    sales_planned_wan: Decimal = ZERO
    sales_done_wan: Decimal = ZERO
    jobs_planned: int = 0
    jobs_done: int = 0
    trainees_planned: int = 0
    trained_done: int = 0
    stationed: int = 0
    stationed_count: int = 0

    def __add__(self, other: "Figures") -> "Figures":
        a, b = self.__dict__, other.__dict__
        return Figures(*[a[name] + b[name] for name in _FIELDS])

    def __sub__(self, other: "Figures") -> "Figures":
        a, b = self.__dict__, other.__dict__
        return Figures(*[a[name] - b[name] for name in _FIELDS])

    def values(self) -> dict[str, Any]:
        """Every annex-3 column as a Python value: Decimal money and percentages, int counts."""
        out = dict(self.__dict__)
        for pct, actual, planned in PCTS:
            out[pct] = percentage(out[actual], out[planned])
        return {key: out[key] for key in _COLUMN_KEYS}

    def json(self) -> dict[str, Any]:
        return {key: encode(kind, value) for (key, kind), value in zip(_COLUMN_KINDS, self.values().values(),
                                                                        strict=True)}

    def increase_json(self) -> dict[str, Any]:
        return {key: encode(kind, getattr(self, key)) for key, _l, kind in COLUMNS if key in INCREASE_KEYS}


_FIELDS = tuple(f.name for f in fields(Figures))
_COLUMN_KEYS = tuple(key for key, _label, _kind in COLUMNS)
_COLUMN_KINDS = tuple((key, kind) for key, _label, kind in COLUMNS)


def encode(kind: str, value: Any) -> Any:
    """API conventions: money as decimal strings, percentages as strings with 2 decimals."""
    if kind == "wan":
        return format_decimal(value)
    if kind == "pct":
        return f"{value:.2f}"
    return int(value)


# --- county submissions of the week's table ----------------------------------------------


class SubmissionStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"


# A submitted or accepted week is live: its reports are locked.
LIVE = (SubmissionStatus.submitted, SubmissionStatus.accepted)

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
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    submitted_by: int = Field(foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
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
