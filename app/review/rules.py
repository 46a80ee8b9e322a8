"""The suspicious-data rules S1–S6 (存疑数据, adapted from seed 000 §一(二)).

Pure functions of the figures and the thresholds in the settings: they find, the service stores.
A flag never blocks saving."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.catalogue import entry
from app.config import Settings
from app.reports.models import decreases, shown


@dataclass
class Finding:
    rule: str
    message: str
    values: dict[str, Any]
    columns: list[str] = field(default_factory=list)


def plan_findings(plan: Any) -> list[Finding]:
    """S1: a plan with every measure at zero and nobody stationed."""
    amounts = {
        "planned_funds_wan": plan.planned_funds_wan, "planned_materials_wan": plan.planned_materials_wan,
        "sales_target_wan": plan.sales_target_wan, "jobs_target": plan.jobs_target,
        "trainees_target": plan.trainees_target,
    }
    if any(amounts.values()) or plan.will_station:
        return []
    return [Finding("S1", "计划书各项帮扶举措的金额和人数均为 0，且不派驻村力量（帮扶途径的金额/人数均为0）",
                    {k: shown(v) for k, v in amounts.items()} | {"will_station": False},
                    ["funds_planned_wan", "materials_planned_wan", "sales_planned_wan",
                     "jobs_planned", "trainees_planned", "stationed"])]


# (report field, plan field, annex-3 column, the name S5's message gives it).
PLAN_PAIRS = [(actual, planned, column, entry(actual).brief) for actual, planned, column in [
    ("funds_arrived_wan", "planned_funds_wan", "funds_arrived_wan"),
    ("materials_arrived_wan", "planned_materials_wan", "materials_arrived_wan"),
    ("sales_done_wan", "sales_target_wan", "sales_done_wan"),
    ("jobs_done", "jobs_target", "jobs_done"),
    ("trained_done", "trainees_target", "trained_done"),
    ("stationed_now", "stationed_target", "stationed_count"),
]]
# The annex-3 column of each cumulative report figure, where it has one.
ANNEX_COLUMN = {"funds_arrived_wan": "funds_arrived_wan", "materials_arrived_wan": "materials_arrived_wan",
                "industry_plan_done": "industry_plan_done", "sales_done_wan": "sales_done_wan",
                "jobs_done": "jobs_done", "trained_done": "trained_done"}


def report_findings(settings: Settings, report: Any, plan: Any, registered_poor: bool,
                    previous: Any) -> list[Finding]:
    found = (_people(settings, report, registered_poor), _funds(settings, report),
             _per_head(settings, report), _over_plan(settings, report, plan), _went_down(report, previous))
    return [finding for finding in found if finding is not None]


def _people(settings: Settings, report: Any, registered_poor: bool) -> Finding | None:
    """S2: people helped beyond what one village can have."""
    people = report.jobs_done + report.trained_done
    limit = settings.flag_people_registered_poor if registered_poor else settings.flag_people_other
    if people <= limit:
        return None
    kind = "建档立卡贫困村" if registered_poor else "非建档立卡贫困村"
    return Finding(
        "S2", f"已解决就业 {report.jobs_done} 人与已完成培训 {report.trained_done} 人合计 {people} 人，"
              f"超过{kind} {limit} 人的上限",
        {"jobs_done": report.jobs_done, "trained_done": report.trained_done, "total": people,
         "limit": limit, "registered_poor": registered_poor},
        ["jobs_done", "trained_done"])


def _funds(settings: Settings, report: Any) -> Finding | None:
    """S3: more than 1 亿元 in place."""
    if report.funds_arrived_wan <= settings.flag_funds_max_wan:
        return None
    return Finding(
        "S3", f"资金已到位 {shown(report.funds_arrived_wan)} 万元，超过 {shown(settings.flag_funds_max_wan)} 万元"
              "（累计到位资金大于1亿元）",
        {"funds_arrived_wan": shown(report.funds_arrived_wan), "limit_wan": shown(settings.flag_funds_max_wan)},
        ["funds_arrived_wan"])


def _per_head(settings: Settings, report: Any) -> Finding | None:
    """S4: money per person helped out of proportion."""
    if report.beneficiaries is None:
        return None
    money = report.funds_arrived_wan + report.materials_arrived_wan
    if report.beneficiaries == 0:
        if money == 0:
            return None
        per_head = Decimal("Infinity")
    else:
        per_head = money / report.beneficiaries
    if settings.flag_per_capita_min_wan <= per_head <= settings.flag_per_capita_max_wan:
        return None
    text = "无法计算（带动贫困人口为 0）" if per_head.is_infinite() else f"{per_head:.6f} 万元"
    return Finding(
        "S4", f"资金和物资到位 {shown(money)} 万元，带动贫困人口 {report.beneficiaries} 人，人均 {text}，"
              f"不在 {shown(settings.flag_per_capita_min_wan)}–{shown(settings.flag_per_capita_max_wan)} 万元之间",
        {"money_wan": shown(money), "beneficiaries": report.beneficiaries,
         "per_head_wan": None if per_head.is_infinite() else f"{per_head:.4f}",
         "min_wan": shown(settings.flag_per_capita_min_wan),
         "max_wan": shown(settings.flag_per_capita_max_wan)},
        ["funds_arrived_wan", "materials_arrived_wan"])


def _over_plan(settings: Settings, report: Any, plan: Any) -> Finding | None:
    """S5: far beyond the plan, or anything where nothing was planned."""
    factor = settings.flag_over_plan_factor
    over, columns = [], []
    for actual_field, plan_field, column, name in PLAN_PAIRS:
        actual = getattr(report, actual_field)
        planned = getattr(plan, plan_field) if plan is not None else 0
        if (planned > 0 and actual > factor * planned) or (planned == 0 and actual > 0):
            over.append({"field": actual_field, "label": name, "actual": shown(actual),
                         "planned": shown(planned)})
            columns.append(column)
    if not over:
        return None
    parts = "；".join(f"{o['label']} {o['actual']}，计划 {o['planned']}" for o in over)
    return Finding("S5", f"完成数超过计划的 {shown(factor)} 倍或计划为 0：{parts}",
                   {"items": over, "factor": shown(factor)}, columns)


def _went_down(report: Any, previous: Any) -> Finding | None:
    """S6: a cumulative figure went down (saved only with a correction note)."""
    down = decreases(previous, report) if previous is not None else []
    if not down:
        return None
    # The items' label is the field's name without its unit: stored flags are matched by their values.
    items = [{"field": d.field, "before": shown(d.before), "now": shown(d.after), "label": entry(d.field).name}
             for d in down]
    note = f"。更正说明：{report.correction_note}" if report.correction_note else ""
    return Finding("S6", f"累计数比 {previous.week} 减少：" + "；".join(str(d) for d in down) + note,
                   {"previous_week": previous.week, "items": items},
                   [ANNEX_COLUMN[d.field] for d in down if d.field in ANNEX_COLUMN])
