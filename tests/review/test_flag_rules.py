"""The suspicious-data rules S1–S6 (存疑数据, SPEC "Suspicious data", seed 000 §一(二)) as pure
functions: every threshold is tried AT its value (no flag) and JUST PAST it (flag), and every
threshold is a setting.

No database: plans, reports and previous reports are plain namespaces."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.catalogue import entry
from app.config import Settings
from app.review.rules import PLAN_PAIRS, plan_findings, report_findings

CHINESE = re.compile(r"[\u4e00-\u9fff]")
D = Decimal


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)


def plan(**overrides) -> SimpleNamespace:
    """A plan with every measure at zero and nobody stationed; override what the test needs."""
    values = dict(planned_funds_wan=D("0"), planned_materials_wan=D("0"), sales_target_wan=D("0"),
                  jobs_target=0, trainees_target=0, will_station=False, stationed_target=0)
    values.update(overrides)
    return SimpleNamespace(**values)


# A plan large enough that no report below keeps tripping S5 by accident.
BIG_PLAN = dict(planned_funds_wan=D("100000"), planned_materials_wan=D("100000"),
                sales_target_wan=D("100000"), jobs_target=100000, trainees_target=100000,
                will_station=True, stationed_target=100)


def big_plan(**overrides) -> SimpleNamespace:
    return plan(**(BIG_PLAN | overrides))


def report(**overrides) -> SimpleNamespace:
    values = dict(week="2020-W29", funds_arrived_wan=D("0"), materials_arrived_wan=D("0"),
                  industry_plan_done=False, sales_done_wan=D("0"), jobs_done=0, trained_done=0,
                  stationed_now=0, beneficiaries=None, correction_note=None)
    values.update(overrides)
    return SimpleNamespace(**values)


def find(settings, rep, the_plan=None, registered_poor=True, previous=None):
    """The findings keyed by rule (each rule yields at most one finding)."""
    if the_plan is None:
        the_plan = big_plan()
    found = report_findings(settings, rep, the_plan, registered_poor, previous)
    rules = [f.rule for f in found]
    assert len(rules) == len(set(rules)), rules
    return {f.rule: f for f in found}


def assert_well_formed(finding) -> None:
    assert CHINESE.search(finding.message), finding.message
    assert isinstance(finding.values, dict) and finding.values
    assert isinstance(finding.columns, list)


# --- S1: a plan with nothing in it ---------------------------------------------------------


def test_s1_a_plan_all_zero_and_not_stationed_is_flagged(settings):
    found = plan_findings(plan())
    assert [f.rule for f in found] == ["S1"]
    finding = found[0]
    assert_well_formed(finding)
    assert "0" in finding.message and "派驻" in finding.message
    assert finding.values["will_station"] is False
    assert finding.values["planned_funds_wan"] == "0" and finding.values["jobs_target"] == "0"
    assert finding.columns  # the annex-3 plan columns, for marking the table


@pytest.mark.parametrize("field, value", [
    ("planned_funds_wan", D("0.0001")),
    ("planned_materials_wan", D("0.0001")),
    ("sales_target_wan", D("0.0001")),
    ("jobs_target", 1),
    ("trainees_target", 1),
])
def test_s1_any_single_non_zero_amount_is_not_flagged(field, value):
    assert plan_findings(plan(**{field: value})) == []


def test_s1_a_plan_that_only_stations_people_is_not_flagged():
    assert plan_findings(plan(will_station=True, stationed_target=1)) == []


def test_s1_zero_written_as_decimal_places_is_still_zero():
    assert [f.rule for f in plan_findings(plan(planned_funds_wan=D("0.0000")))] == ["S1"]


# --- S2: more people than a village has ----------------------------------------------------


@pytest.mark.parametrize("registered_poor, jobs, trained, flagged", [
    (True, 600, 400, False),  # 1000: at the limit
    (True, 600, 401, True),  # 1001
    (True, 1000, 0, False),
    (True, 0, 1001, True),
    (False, 100, 50, False),  # 150: at the limit
    (False, 100, 51, True),  # 151
    (False, 150, 0, False),
    (False, 0, 151, True),
])
def test_s2_jobs_plus_training_against_the_village_limit(settings, registered_poor, jobs, trained,
                                                         flagged):
    found = find(settings, report(jobs_done=jobs, trained_done=trained), registered_poor=registered_poor)
    assert ("S2" in found) is flagged, found
    assert set(found) <= {"S2"}  # nothing else fires on these figures
    if flagged:
        finding = found["S2"]
        assert_well_formed(finding)
        limit = 1000 if registered_poor else 150
        assert finding.values == {"jobs_done": jobs, "trained_done": trained, "total": jobs + trained,
                                  "limit": limit, "registered_poor": registered_poor}
        assert finding.columns == ["jobs_done", "trained_done"]
        assert f"{jobs + trained}" in finding.message and f"{limit}" in finding.message
        assert ("非建档立卡贫困村" in finding.message) is (not registered_poor)


def test_s2_a_registered_poor_village_at_151_is_fine_but_another_village_is_not(settings):
    rep = report(jobs_done=151)
    assert "S2" not in find(settings, rep, registered_poor=True)
    assert "S2" in find(settings, rep, registered_poor=False)


def test_s2_limits_are_settings(settings):
    rep = report(jobs_done=151)
    settings.flag_people_other = 200
    assert "S2" not in find(settings, rep, registered_poor=False)
    settings.flag_people_other = 151
    assert "S2" not in find(settings, rep, registered_poor=False)
    settings.flag_people_other = 150
    assert "S2" in find(settings, rep, registered_poor=False)

    rep = report(jobs_done=501)
    assert "S2" not in find(settings, rep, registered_poor=True)
    settings.flag_people_registered_poor = 500
    found = find(settings, rep, registered_poor=True)
    assert found["S2"].values["limit"] == 500 and "500" in found["S2"].message


# --- S3: more than 1 亿元 in place ---------------------------------------------------------


def test_s3_exactly_ten_thousand_wan_is_not_flagged(settings):
    assert "S3" not in find(settings, report(funds_arrived_wan=D("10000")))


def test_s3_just_over_ten_thousand_wan_is_flagged(settings):
    found = find(settings, report(funds_arrived_wan=D("10000.0001")))
    assert set(found) == {"S3"}
    finding = found["S3"]
    assert_well_formed(finding)
    assert finding.values == {"funds_arrived_wan": "10000.0001", "limit_wan": "10000"}
    assert finding.columns == ["funds_arrived_wan"]
    assert "10000.0001" in finding.message and "10000 万元" in finding.message


def test_s3_materials_do_not_count_towards_the_funds_limit(settings):
    found = find(settings, report(funds_arrived_wan=D("10000"), materials_arrived_wan=D("5000")))
    assert "S3" not in found


def test_s3_limit_is_a_setting(settings):
    settings.flag_funds_max_wan = D("20000")
    assert "S3" not in find(settings, report(funds_arrived_wan=D("10000.0001")))
    assert "S3" not in find(settings, report(funds_arrived_wan=D("20000")))
    assert "S3" in find(settings, report(funds_arrived_wan=D("20000.0001")))
    settings.flag_funds_max_wan = D("5000")
    found = find(settings, report(funds_arrived_wan=D("5000.0001")))
    assert found["S3"].values["limit_wan"] == "5000"


# --- S4: money per person helped -----------------------------------------------------------


@pytest.mark.parametrize("funds, materials, beneficiaries, flagged", [
    ("8", "2", 1, False),  # exactly 10 万元 a head
    ("8", "2.0001", 1, True),  # just above
    ("300", "0", 30, False),  # 10 a head
    ("300.0001", "0", 30, True),
    ("0.005", "0.005", 1, False),  # exactly 0.01 万元 (100 元) a head
    ("0.0099", "0", 1, True),  # just below
    ("1", "0", 100, False),  # 0.01 a head
    ("1", "0", 101, True),  # 0.0099… a head
    ("0", "0", 30, True),  # nothing in place for 30 people: 0 a head
])
def test_s4_per_head_between_the_bounds(settings, funds, materials, beneficiaries, flagged):
    rep = report(funds_arrived_wan=D(funds), materials_arrived_wan=D(materials),
                 beneficiaries=beneficiaries)
    found = find(settings, rep)
    assert ("S4" in found) is flagged, found
    if flagged:
        finding = found["S4"]
        assert_well_formed(finding)
        assert finding.values["beneficiaries"] == beneficiaries
        assert D(finding.values["money_wan"]) == D(funds) + D(materials)
        assert finding.values["min_wan"] == "0.01" and finding.values["max_wan"] == "10"
        assert finding.columns == ["funds_arrived_wan", "materials_arrived_wan"]
        assert f"{beneficiaries} 人" in finding.message


def test_s4_message_names_the_figures(settings):
    found = find(settings, report(funds_arrived_wan=D("8"), materials_arrived_wan=D("2.0001"),
                                  beneficiaries=1))
    finding = found["S4"]
    assert finding.values["per_head_wan"] == "10.0001"
    assert "10.0001" in finding.message and "0.01" in finding.message and "10 万元" in finding.message


@pytest.mark.parametrize("funds", ["0", "0.0001", "9999"])
def test_s4_never_fires_without_beneficiaries(settings, funds):
    assert "S4" not in find(settings, report(funds_arrived_wan=D(funds), beneficiaries=None))


def test_s4_zero_beneficiaries_with_money_is_flagged(settings):
    found = find(settings, report(funds_arrived_wan=D("0.0001"), beneficiaries=0))
    finding = found["S4"]
    assert_well_formed(finding)
    assert finding.values["per_head_wan"] is None
    assert finding.values["beneficiaries"] == 0
    assert "0 人" in finding.message


def test_s4_zero_beneficiaries_and_no_money_is_not_flagged(settings):
    assert "S4" not in find(settings, report(beneficiaries=0))


def test_s4_bounds_are_settings(settings):
    high = report(funds_arrived_wan=D("10.0001"), beneficiaries=1)
    low = report(funds_arrived_wan=D("0.0099"), beneficiaries=1)
    settings.flag_per_capita_max_wan = D("20")
    settings.flag_per_capita_min_wan = D("0.001")
    assert "S4" not in find(settings, high)
    assert "S4" not in find(settings, low)
    settings.flag_per_capita_max_wan = D("5")
    assert find(settings, report(funds_arrived_wan=D("5.0001"), beneficiaries=1))["S4"] \
        .values["max_wan"] == "5"
    settings.flag_per_capita_min_wan = D("0.1")
    assert "S4" in find(settings, report(funds_arrived_wan=D("0.0999"), beneficiaries=1))
    assert "S4" not in find(settings, report(funds_arrived_wan=D("0.1"), beneficiaries=1))


# --- S5: far beyond the plan ---------------------------------------------------------------

# (report field, plan field, annex-3 column, planned, exactly 3×, just above 3×)
S5_CASES = [
    ("funds_arrived_wan", "planned_funds_wan", "funds_arrived_wan", D("10"), D("30"), D("30.0001")),
    ("materials_arrived_wan", "planned_materials_wan", "materials_arrived_wan",
     D("10"), D("30"), D("30.0001")),
    ("sales_done_wan", "sales_target_wan", "sales_done_wan", D("10"), D("30"), D("30.0001")),
    ("jobs_done", "jobs_target", "jobs_done", 10, 30, 31),
    ("trained_done", "trainees_target", "trained_done", 10, 30, 31),
    ("stationed_now", "stationed_target", "stationed_count", 1, 3, 4),
]
S5_IDS = [case[0] for case in S5_CASES]


def test_s5_cases_cover_every_plan_pair():
    assert {(a, p, c) for a, p, c, *_ in S5_CASES} == {(a, p, c) for a, p, c, _ in PLAN_PAIRS}


@pytest.mark.parametrize("actual_field, plan_field, column, planned, at, past", S5_CASES, ids=S5_IDS)
def test_s5_exactly_three_times_the_plan_is_not_flagged(settings, actual_field, plan_field, column,
                                                        planned, at, past):
    found = find(settings, report(**{actual_field: at}), big_plan(**{plan_field: planned}))
    assert "S5" not in found


@pytest.mark.parametrize("actual_field, plan_field, column, planned, at, past", S5_CASES, ids=S5_IDS)
def test_s5_just_above_three_times_the_plan_is_flagged(settings, actual_field, plan_field, column,
                                                       planned, at, past):
    found = find(settings, report(**{actual_field: past}), big_plan(**{plan_field: planned}))
    finding = found["S5"]
    assert_well_formed(finding)
    assert finding.columns == [column]
    [item] = finding.values["items"]
    assert item["field"] == actual_field
    assert item["actual"] == str(past) and item["planned"] == str(planned)
    assert finding.values["factor"] == "3"
    assert str(past) in finding.message and f"计划 {planned}" in finding.message
    assert "3 倍" in finding.message


@pytest.mark.parametrize("actual_field, plan_field, column, planned, at, past", S5_CASES, ids=S5_IDS)
def test_s5_anything_where_nothing_was_planned_is_flagged(settings, actual_field, plan_field, column,
                                                          planned, at, past):
    smallest = D("0.0001") if isinstance(at, Decimal) else 1
    found = find(settings, report(**{actual_field: smallest}), big_plan(**{plan_field: 0}))
    finding = found["S5"]
    assert finding.columns == [column]
    assert finding.values["items"][0]["planned"] == "0"


@pytest.mark.parametrize("actual_field, plan_field, column, planned, at, past", S5_CASES, ids=S5_IDS)
def test_s5_nothing_done_where_nothing_was_planned_is_fine(settings, actual_field, plan_field, column,
                                                           planned, at, past):
    assert "S5" not in find(settings, report(), big_plan(**{plan_field: 0}))


def test_s5_without_any_plan_every_actual_is_flagged(settings):
    rep = report(funds_arrived_wan=D("1"), jobs_done=2, stationed_now=1)
    found = report_findings(settings, rep, None, True, None)
    [finding] = [f for f in found if f.rule == "S5"]
    assert finding.columns == ["funds_arrived_wan", "jobs_done", "stationed_count"]
    assert [i["field"] for i in finding.values["items"]] == ["funds_arrived_wan", "jobs_done",
                                                             "stationed_now"]
    assert all(i["planned"] == "0" for i in finding.values["items"])


def test_s5_without_any_plan_and_nothing_done_is_fine(settings):
    assert report_findings(settings, report(), None, True, None) == []


def test_s5_lists_every_pair_over_the_plan_in_one_flag(settings):
    the_plan = big_plan(planned_funds_wan=D("10"), jobs_target=10, trainees_target=0)
    found = find(settings, report(funds_arrived_wan=D("31"), jobs_done=30, trained_done=1), the_plan)
    finding = found["S5"]
    assert finding.columns == ["funds_arrived_wan", "trained_done"]  # jobs at exactly 3× is fine
    assert "资金已到位 31，计划 10" in finding.message
    assert "已完成培训 1，计划 0" in finding.message


def test_s5_factor_is_a_setting(settings):
    the_plan = big_plan(jobs_target=10)
    settings.flag_over_plan_factor = D("5")
    assert "S5" not in find(settings, report(jobs_done=31), the_plan)
    assert "S5" not in find(settings, report(jobs_done=50), the_plan)
    assert "S5" in find(settings, report(jobs_done=51), the_plan)
    settings.flag_over_plan_factor = D("2")
    found = find(settings, report(jobs_done=21), the_plan)
    assert found["S5"].values["factor"] == "2" and "2 倍" in found["S5"].message
    # "planned 0, actual > 0" holds whatever the factor
    settings.flag_over_plan_factor = D("1000")
    assert "S5" in find(settings, report(trained_done=1), big_plan(trainees_target=0))


# --- S6: a cumulative figure went down -----------------------------------------------------

PREVIOUS = dict(week="2020-W28", funds_arrived_wan=D("20"), materials_arrived_wan=D("5"),
                industry_plan_done=True, sales_done_wan=D("12.5"), jobs_done=8, trained_done=15,
                stationed_now=2, beneficiaries=30, correction_note=None)


def previous(**overrides) -> SimpleNamespace:
    return SimpleNamespace(**(PREVIOUS | overrides))


def same_as_previous(**overrides) -> SimpleNamespace:
    return report(**(PREVIOUS | {"week": "2020-W29"} | overrides))


# (field, lower value, annex-3 column or None, before shown, now shown)
S6_CASES = [
    ("funds_arrived_wan", D("19.9999"), "funds_arrived_wan", "20", "19.9999"),
    ("materials_arrived_wan", D("4"), "materials_arrived_wan", "5", "4"),
    ("industry_plan_done", False, "industry_plan_done", "是", "否"),
    ("sales_done_wan", D("12.4"), "sales_done_wan", "12.5", "12.4"),
    ("jobs_done", 7, "jobs_done", "8", "7"),
    ("trained_done", 14, "trained_done", "15", "14"),
    ("beneficiaries", 29, None, "30", "29"),
]


@pytest.mark.parametrize("field, lower, column, before, now", S6_CASES, ids=[c[0] for c in S6_CASES])
def test_s6_a_cumulative_value_lower_than_last_week_is_flagged(settings, field, lower, column,
                                                               before, now):
    rep = same_as_previous(**{field: lower}, correction_note="上周录入有误")
    found = find(settings, rep, previous=previous())
    finding = found["S6"]
    assert_well_formed(finding)
    assert finding.values["previous_week"] == "2020-W28"
    # Stored flags are matched by their values: the label stays the field's bare name.
    assert finding.values["items"] == [{"field": field, "before": before, "now": now,
                                        "label": entry(field).name}]
    assert finding.columns == ([column] if column else [])
    assert "2020-W28" in finding.message
    assert f"由 {before} 减为 {now}" in finding.message
    assert "上周录入有误" in finding.message  # the correction note travels with the flag


def test_s6_lists_every_field_that_went_down(settings):
    rep = same_as_previous(jobs_done=1, funds_arrived_wan=D("1"), correction_note="重填")
    finding = find(settings, rep, previous=previous())["S6"]
    assert [i["field"] for i in finding.values["items"]] == ["funds_arrived_wan", "jobs_done"]
    assert finding.columns == ["funds_arrived_wan", "jobs_done"]


def test_s6_equal_figures_are_not_flagged(settings):
    assert "S6" not in find(settings, same_as_previous(), previous=previous())


def test_s6_stationed_now_may_go_down(settings):
    assert "S6" not in find(settings, same_as_previous(stationed_now=0), previous=previous())


def test_s6_needs_a_previous_report(settings):
    assert "S6" not in find(settings, report(), previous=None)


def test_s6_a_beneficiary_count_left_out_is_not_a_decrease(settings):
    assert "S6" not in find(settings, same_as_previous(beneficiaries=None), previous=previous())
    assert "S6" not in find(settings, same_as_previous(beneficiaries=1),
                            previous=previous(beneficiaries=None))


# --- all together --------------------------------------------------------------------------


def test_ordinary_figures_raise_nothing(settings):
    the_plan = plan(planned_funds_wan=D("50"), planned_materials_wan=D("10"), sales_target_wan=D("30"),
                    jobs_target=20, trainees_target=40, will_station=True, stationed_target=2)
    rep = same_as_previous(week="2020-W29", funds_arrived_wan=D("25"), jobs_done=9)
    assert report_findings(settings, rep, the_plan, True, previous()) == []
    assert plan_findings(the_plan) == []


def test_every_rule_can_fire_at_once_each_once(settings):
    rep = report(funds_arrived_wan=D("10000.0001"), jobs_done=1001, beneficiaries=1,
                 correction_note="更正")
    found = report_findings(settings, rep, plan(), False, previous(jobs_done=2000))
    assert [f.rule for f in found] == ["S2", "S3", "S4", "S5", "S6"]
    for finding in found:
        assert_well_formed(finding)
