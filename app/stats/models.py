"""The annex-3 figures and columns, and county submissions of the weekly table."""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field as PydanticField
from pydantic import ValidationInfo, field_validator
from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.catalogue import MEASURE_BY_KEY, entry
from app.common import REASON_MAX, StrictModel, UtcDateTime, format_decimal, percentage, utcnow

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

    @classmethod
    def sum(cls, items: Iterable["Figures"]) -> "Figures":
        """The column-wise sum, as sum() with + would give, in one pass per column."""
        columns: list[tuple[Any, ...]] = list(zip(*[item.__dict__.values() for item in items], strict=True))
        return cls(*[sum(column) for column in columns]) if columns else cls()

    def values(self) -> dict[str, Any]:
        """Every annex-3 column as a Python value: Decimal money and percentages, int counts."""
        out = dict(self.__dict__)
        for pct, actual, planned in PCTS:
            out[pct] = percentage(out[actual], out[planned])
        return {key: out[key] for key in _COLUMN_KEYS}

    def json(self) -> dict[str, Any]:
        """The columns in annex 3's order, encoded (`encode`). Written out by hand: a county's
        table asks this 600 times, and the generic way over COLUMNS cost a third of its time
        (tests/stats/test_figures.py holds it to the generic one)."""
        wan = format_decimal
        return {
            "funds_planned_wan": wan(self.funds_planned_wan), "funds_arrived_wan": wan(self.funds_arrived_wan),
            "funds_pct": _pct(self.funds_arrived_wan, self.funds_planned_wan),
            "materials_planned_wan": wan(self.materials_planned_wan),
            "materials_arrived_wan": wan(self.materials_arrived_wan),
            "materials_pct": _pct(self.materials_arrived_wan, self.materials_planned_wan),
            "has_industry_plan": int(self.has_industry_plan), "industry_plan_done": int(self.industry_plan_done),
            "sales_planned_wan": wan(self.sales_planned_wan), "sales_done_wan": wan(self.sales_done_wan),
            "sales_pct": _pct(self.sales_done_wan, self.sales_planned_wan),
            "jobs_planned": int(self.jobs_planned), "jobs_done": int(self.jobs_done),
            "jobs_pct": _pct(self.jobs_done, self.jobs_planned),
            "trainees_planned": int(self.trainees_planned), "trained_done": int(self.trained_done),
            "trained_pct": _pct(self.trained_done, self.trainees_planned),
            "stationed": int(self.stationed), "stationed_count": int(self.stationed_count),
        }

    def increase_json(self) -> dict[str, Any]:
        """The INCREASE_KEYS columns, encoded."""
        wan = format_decimal
        return {"funds_arrived_wan": wan(self.funds_arrived_wan),
                "materials_arrived_wan": wan(self.materials_arrived_wan), "sales_done_wan": wan(self.sales_done_wan),
                "jobs_done": int(self.jobs_done), "trained_done": int(self.trained_done),
                "stationed_count": int(self.stationed_count)}


def _pct(actual: Decimal | int, planned: Decimal | int) -> str:
    """f"{percentage(actual, planned):.2f}", with whole counts in integer arithmetic."""
    if not planned:
        return "0.00"
    if type(actual) is int and type(planned) is int and actual >= 0 and planned > 0:
        hundredths = (actual * 20_000 // planned + 1) // 2  # of a per cent, half up
        return f"{hundredths // 100}.{hundredths % 100:02d}"
    if type(actual) is Decimal and type(planned) is Decimal:
        return str((actual * 100 / planned).quantize(_HUNDREDTHS, rounding=ROUND_HALF_UP))
    return f"{percentage(actual, planned):.2f}"


_HUNDREDTHS = Decimal("0.01")


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
    # The county's note when it sent the week up incomplete, and the checklist's counts at that
    # moment (CHECKLIST_KEYS); both None on submissions made before the checklist existed.
    note: str | None = Field(default=None, sa_type=Text)
    checklist: dict[str, int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


# The counts of a week's checklist (GET …/submissions/{week}/checklist), as a submission keeps them.
CHECKLIST_KEYS = ("expected", "received", "missing", "unreviewed", "returned", "open_flags")
CHECKLIST_LABELS = {"expected": "应报结对", "received": "本周已报", "missing": "本周未报",
                    "unreviewed": "待审核周报", "returned": "已退回周报", "open_flags": "待核实存疑数据"}


class SubmitIn(StrictModel):
    """The body of a county's submission: none (or `{}`) for a complete week; for a week with
    reports missing or unreviewed, or flags open, an explicit confirmation with a note."""

    confirm_incomplete: bool = False
    note: str | None = PydanticField(default=None, max_length=REASON_MAX, validate_default=True)

    @field_validator("note")
    @classmethod
    def _given_when_confirming(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("confirm_incomplete") and not value:
            raise ValueError("确认带缺项上报时，请填写说明（为何本周在缺项时上报）")
        return value or None


class SubmissionOut(SQLModel):
    id: int
    county_code: str
    week: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None
    return_reason: str | None
    note: str | None = None
    checklist: dict[str, int] | None = None


class SubmissionDetail(SubmissionOut):
    snapshot: dict[str, Any]
