"""The annex-3 figures and the JSON shapes of the county, province and national tables."""

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from app.common import format_decimal, percentage

ZERO = Decimal(0)

# Annex 3's columns after 序号 · 帮扶村 · 结对帮扶单位: (API key, label, kind); kind is "wan",
# "pct", "int" or "flag" (1/0, summed to counts in 合计).
COLUMNS: list[tuple[str, str, str]] = [
    ("funds_planned_wan", "资金计划总投入（万元）", "wan"),
    ("funds_arrived_wan", "资金已到位总投入（万元）", "wan"),
    ("funds_pct", "资金计划完成比例（%）", "pct"),
    ("materials_planned_wan", "物资计划总投入（万元）", "wan"),
    ("materials_arrived_wan", "物资已到位（万元）", "wan"),
    ("materials_pct", "物资计划完成比例（%）", "pct"),
    ("has_industry_plan", "是否有产业扶贫计划（1/0）", "flag"),
    ("industry_plan_done", "是否已完成计划（1/0）", "flag"),
    ("sales_planned_wan", "计划销售（万元）", "wan"),
    ("sales_done_wan", "已完成销售（万元）", "wan"),
    ("sales_pct", "销售计划完成比例（%）", "pct"),
    ("jobs_planned", "计划就业人数", "int"),
    ("jobs_done", "已解决就业人数", "int"),
    ("jobs_pct", "就业计划完成比例（%）", "pct"),
    ("trainees_planned", "计划培训人数", "int"),
    ("trained_done", "已完成培训人数", "int"),
    ("trained_pct", "培训计划完成比例（%）", "pct"),
    ("stationed", "是否派驻村（1/0）", "flag"),
    ("stationed_count", "已驻村人数", "int"),
]
# The grouped header of annex 3: (label, number of columns) over COLUMNS.
GROUPS = [("加大资金投入，促进产业扶贫", 8), ("消费扶贫", 3), ("就业扶贫", 3), ("技能培训", 3),
          ("派驻力量", 2)]
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
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __sub__(self, other: "Figures") -> "Figures":
        return Figures(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    def values(self) -> dict[str, Any]:
        """Every annex-3 column as a Python value: Decimal money and percentages, int counts."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for pct, actual, planned in PCTS:
            out[pct] = percentage(out[actual], out[planned])
        return {key: out[key] for key, _label, _kind in COLUMNS}

    def json(self) -> dict[str, Any]:
        return {key: encode(kind, value) for (key, _l, kind), value in zip(COLUMNS, self.values().values(), strict=True)}

    def increase_json(self) -> dict[str, Any]:
        return {key: encode(kind, getattr(self, key)) for key, _l, kind in COLUMNS if key in INCREASE_KEYS}


def encode(kind: str, value: Any) -> Any:
    """API conventions: money as decimal strings, percentages as strings with 2 decimals."""
    if kind == "wan":
        return format_decimal(value)
    if kind == "pct":
        return f"{value:.2f}"
    return int(value)


class WeeklyTable(BaseModel):
    """Answer of GET /counties/{code}/weekly-table (rows as dicts with the API's keys)."""

    county: dict[str, str]
    week: str
    week_start: str
    week_end: str
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    not_reported: int


class RollupTable(BaseModel):
    """Answer of the province and national tables."""

    province: dict[str, str] | None = None  # absent in the national table
    week: str
    rows: list[dict[str, Any]]
    total: dict[str, Any]
