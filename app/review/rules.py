"""The suspicious-data rules S1–S6 (存疑数据, adapted from seed 000 §一(二)).

Pure functions of the figures and the thresholds in the settings: they find, the service stores.
A flag never blocks saving."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.common import format_decimal
from app.config import Settings


@dataclass
class Finding:
    rule: str
    message: str
    values: dict[str, Any]
    columns: list[str] = field(default_factory=list)


def _n(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return format_decimal(Decimal(value)) if isinstance(value, Decimal) else str(value)


def plan_findings(plan) -> list[Finding]:
    """S1: a plan with every measure at zero and nobody stationed."""
    amounts = {
        "planned_funds_wan": plan.planned_funds_wan, "planned_materials_wan": plan.planned_materials_wan,
        "sales_target_wan": plan.sales_target_wan, "jobs_target": plan.jobs_target,
        "trainees_target": plan.trainees_target,
    }
    if any(amounts.values()) or plan.will_station:
        return []
    return [Finding("S1", "计划书各项帮扶举措的金额和人数均为 0，且不派驻村力量（帮扶途径的金额/人数均为0）",
                    {k: _n(v) for k, v in amounts.items()} | {"will_station": False},
                    ["funds_planned_wan", "materials_planned_wan", "sales_planned_wan",
                     "jobs_planned", "trainees_planned", "stationed"])]


# (report field, plan field, annex-3 column, label) for S5.
PLAN_PAIRS = [
    ("funds_arrived_wan", "planned_funds_wan", "funds_arrived_wan", "资金已到位"),
    ("materials_arrived_wan", "planned_materials_wan", "materials_arrived_wan", "物资已到位"),
    ("sales_done_wan", "sales_target_wan", "sales_done_wan", "已完成销售"),
    ("jobs_done", "jobs_target", "jobs_done", "已解决就业"),
    ("trained_done", "trainees_target", "trained_done", "已完成培训"),
    ("stationed_now", "stationed_target", "stationed_count", "已驻村人数"),
]
# (report field, annex-3 column, label) of the cumulative figures S6 watches.
CUMULATIVE = [
    ("funds_arrived_wan", "funds_arrived_wan", "资金已到位总投入"),
    ("materials_arrived_wan", "materials_arrived_wan", "物资已到位"),
    ("industry_plan_done", "industry_plan_done", "是否已完成计划"),
    ("sales_done_wan", "sales_done_wan", "已完成销售"),
    ("jobs_done", "jobs_done", "已解决就业人数"),
    ("trained_done", "trained_done", "已完成培训人数"),
    ("beneficiaries", None, "带动贫困人口数"),
]


def report_findings(settings: Settings, report, plan, registered_poor: bool, previous) -> list[Finding]:
    found: list[Finding] = []

    # S2: people helped beyond what one village can have.
    people = report.jobs_done + report.trained_done
    limit = settings.flag_people_registered_poor if registered_poor else settings.flag_people_other
    if people > limit:
        kind = "建档立卡贫困村" if registered_poor else "非建档立卡贫困村"
        found.append(Finding(
            "S2", f"已解决就业 {report.jobs_done} 人与已完成培训 {report.trained_done} 人合计 {people} 人，"
                  f"超过{kind} {limit} 人的上限",
            {"jobs_done": report.jobs_done, "trained_done": report.trained_done, "total": people,
             "limit": limit, "registered_poor": registered_poor},
            ["jobs_done", "trained_done"]))

    # S3: more than 1 亿元 in place.
    if report.funds_arrived_wan > settings.flag_funds_max_wan:
        found.append(Finding(
            "S3", f"资金已到位 {_n(report.funds_arrived_wan)} 万元，超过 {_n(settings.flag_funds_max_wan)} 万元"
                  "（累计到位资金大于1亿元）",
            {"funds_arrived_wan": _n(report.funds_arrived_wan), "limit_wan": _n(settings.flag_funds_max_wan)},
            ["funds_arrived_wan"]))

    # S4: money per person helped out of proportion.
    if report.beneficiaries is not None:
        money = report.funds_arrived_wan + report.materials_arrived_wan
        if report.beneficiaries == 0:
            per_head = None if money == 0 else Decimal("Infinity")
        else:
            per_head = money / report.beneficiaries
        if per_head is not None and (per_head > settings.flag_per_capita_max_wan
                                     or per_head < settings.flag_per_capita_min_wan):
            shown = "无法计算（带动贫困人口为 0）" if per_head.is_infinite() else f"{per_head:.6f} 万元"
            found.append(Finding(
                "S4", f"资金和物资到位 {_n(money)} 万元，带动贫困人口 {report.beneficiaries} 人，人均 {shown}，"
                      f"不在 {_n(settings.flag_per_capita_min_wan)}–{_n(settings.flag_per_capita_max_wan)} 万元之间",
                {"money_wan": _n(money), "beneficiaries": report.beneficiaries,
                 "per_head_wan": None if per_head.is_infinite() else f"{per_head:.4f}",
                 "min_wan": _n(settings.flag_per_capita_min_wan),
                 "max_wan": _n(settings.flag_per_capita_max_wan)},
                ["funds_arrived_wan", "materials_arrived_wan"]))

    # S5: far beyond the plan, or anything where nothing was planned.
    factor = settings.flag_over_plan_factor
    over, columns = [], []
    for actual_field, plan_field, column, label in PLAN_PAIRS:
        actual = getattr(report, actual_field)
        planned = getattr(plan, plan_field) if plan is not None else 0
        if (planned > 0 and actual > factor * planned) or (planned == 0 and actual > 0):
            over.append({"field": actual_field, "label": label, "actual": _n(actual),
                         "planned": _n(planned)})
            columns.append(column)
    if over:
        parts = "；".join(f"{o['label']} {o['actual']}，计划 {o['planned']}" for o in over)
        found.append(Finding("S5", f"完成数超过计划的 {_n(factor)} 倍或计划为 0：{parts}",
                             {"items": over, "factor": _n(factor)}, columns))

    # S6: a cumulative figure went down (saved only with a correction note).
    if previous is not None:
        down, columns = [], []
        for name, column, label in CUMULATIVE:
            before, now = getattr(previous, name), getattr(report, name)
            if before is not None and now is not None and now < before:
                down.append({"field": name, "before": _n(before), "now": _n(now), "label": label})
                if column:
                    columns.append(column)
        if down:
            found.append(Finding(
                "S6", f"累计数比 {previous.week} 减少：" + "；".join(
                    f"{d['label']}由 {d['before']} 减为 {d['now']}" for d in down)
                + (f"。更正说明：{report.correction_note}" if report.correction_note else ""),
                {"previous_week": previous.week, "items": down}, columns))
    return found
