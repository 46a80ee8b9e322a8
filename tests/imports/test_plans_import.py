"""Importing five-measure plans: one row a pairing, the measures flattened into columns, members
in one cell; the rules of annex 2 per row; create or replace; S1 as on a save."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.imports.models import ImportKind
from app.pairings.models import Plan, PlanStatus
from app.regions.models import Village
from app.review.models import Flag
from tests.factories import make_pairing, make_unit
from tests.imports.files import FORMATS, labels, post

FIELDS = [
    "pairing_id", "industry.planned_funds_wan", "industry.planned_materials_wan", "industry.usage_plan",
    "industry.has_project", "industry.project_plan", "consumption.sales_target_wan",
    "consumption.self_purchase_wan", "consumption.market_link_wan", "employment.jobs_target",
    "employment.unit_jobs", "employment.outside_jobs", "employment.entrepreneurship_jobs",
    "employment.public_welfare_jobs", "training.trainees_target", "training.training_plan",
    "stationing.will_station", "stationing.stationed_target", "stationing.members", "stationing.start_date",
]


def row(pairing_id, **overrides) -> list:
    values = {
        "pairing_id": pairing_id, "industry.planned_funds_wan": 80, "industry.planned_materials_wan": 10.5,
        "industry.usage_plan": "建设蔬菜大棚 10 座", "industry.has_project": "有",
        "industry.project_plan": "发展设施蔬菜", "consumption.sales_target_wan": 30,
        "consumption.self_purchase_wan": 10, "consumption.market_link_wan": 20,
        "employment.jobs_target": 20, "employment.unit_jobs": 5, "employment.outside_jobs": 10,
        "employment.entrepreneurship_jobs": 2, "employment.public_welfare_jobs": 3,
        "training.trainees_target": 40, "training.training_plan": "种植技术培训 4 期",
        "stationing.will_station": "是", "stationing.stationed_target": 3,
        "stationing.members": "张三、李四,王五", "stationing.start_date": "2020-06-01",
    }
    values.update({k.replace("__", "."): v for k, v in overrides.items()})
    return [values[f] for f in FIELDS]


def plan_of(session, pairing) -> Plan:
    session.expire_all()
    return session.scalars(select(Plan).where(Plan.pairing_id == pairing.id)).one()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("head", ["labels", "fields"])
def test_plans_replace_the_stored_ones_with_either_header(client, session, world, fmt, head):
    first, second = world["first"], world["second"]
    header = labels(ImportKind.plans, FIELDS) if head == "labels" else FIELDS
    answer = post(client, "plans", [header, row(first.id), row(second.id, stationing__members="赵六")], fmt,
                  world["headers"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 0, "updated": 2}
    plan = plan_of(session, first)
    assert plan.planned_funds_wan == Decimal("80") and plan.planned_materials_wan == Decimal("10.5")
    assert plan.members == ["张三", "李四", "王五"] and plan.start_date == date(2020, 6, 1)
    assert plan.status == PlanStatus.submitted  # a confirmed plan edited goes back for confirmation
    assert plan_of(session, second).members == ["赵六"]


def test_a_pairing_without_a_plan_gets_one_created(client, session, world):
    pairing = make_pairing(session, make_unit(session), session.get(Village, world["second"].village_id))
    answer = post(client, "plans", [FIELDS, row(pairing.id)], "csv", world["headers"])
    assert answer.status_code == 200 and answer.json() == {"created": 1, "updated": 0}
    assert plan_of(session, pairing).status == PlanStatus.draft


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_plan_rows_are_each_listed_and_nothing_is_stored(client, session, world, fmt):
    first, second, far = world["first"], world["second"], world["far"]
    header = labels(ImportKind.plans, FIELDS)
    rows = [
        header,
        row(first.id),  # 2: good
        row(second.id, consumption__self_purchase_wan=25),  # 3: parts above the sales target
        row(far.id),  # 4: another county's pairing
        row(first.id),  # 5: the same pairing as row 2
        row(second.id, stationing__members="甲、乙、丙、丁"),  # 6: four names for three places (duplicate of 3)
    ]
    answer = post(client, "plans", rows, fmt, world["headers"])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert [(e["row"], e["column"]) for e in detail] == [
        (3, "计划销售收入（万元）"), (4, "结对编号"), (5, "结对编号"), (6, "结对编号")]
    assert "超过计划销售收入" in detail[0]["msg"]
    assert plan_of(session, first).planned_funds_wan == Decimal("50")  # as make_plan left it


def test_plan_rules_name_their_columns(client, session, world):
    first, second = world["first"], world["second"]
    rows = [FIELDS,
            row(first.id, industry__project_plan=None, stationing__members="甲、乙、丙、丁"),
            row(second.id, stationing__will_station="否")]
    answer = post(client, "plans", rows, "csv", world["headers"])
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [
        (2, "industry.project_plan"), (2, "stationing.members"),
        (3, "stationing.stationed_target"), (3, "stationing.members"), (3, "stationing.start_date")]


def test_an_all_zero_plan_is_stored_and_flagged_s1(client, session, world):
    first = world["first"]
    zeros = [first.id] + [0 if "_wan" in f or f.split(".")[1].endswith(("target", "jobs")) else None
                          for f in FIELDS[1:]]
    zeros[FIELDS.index("industry.has_project")] = "无"
    zeros[FIELDS.index("stationing.will_station")] = "否"
    answer = post(client, "plans", [labels(ImportKind.plans, FIELDS), zeros], "xlsx", world["headers"])
    assert answer.status_code == 200, answer.text
    flag = session.scalars(select(Flag).where(Flag.pairing_id == first.id, Flag.rule == "S1")).one()
    assert flag.week is None


def test_a_liaison_imports_plans_of_its_own_unit_only(client, session, world):
    own, other = world["first"], world["second"]
    answer = post(client, "plans", [FIELDS, row(own.id), row(other.id)], "csv", world["liaison_headers"])
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"row": 3, "column": "pairing_id",
                                        "msg": f"结对 {other.id} 不存在或不在您的管辖范围内"}]
    assert session.scalar(select(func.count()).select_from(Plan).where(Plan.planned_funds_wan == 80)) == 0
