"""Suspicious-data flags (存疑数据) through the API: raised by PUT plan and PUT report without ever
blocking the save, shown in the report's answer, listed by GET /flags, resolved by the county with
POST /flags/{id}/resolve, closed by themselves when the figures are corrected, and kept in the
audit trail.

The clock is pinned to 2020-07-15 (2020-W29). The factory plan is funds 50 · materials 10 ·
sales 30 · jobs 20 · trainees 40 · 2 stationed; the factory report body (funds 20, materials 5,
sales 12.5, jobs 8, trained 15, stationed 2, beneficiaries 30) raises nothing against it."""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.pairings.models import Pairing
from app.review.models import Flag
from tests.factories import (
    auth_headers,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
    report_body,
)
from tests.scenario import CITY, COUNTY, OTHER_COUNTY, Scenario

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FLAG_KEYS = {"id", "rule", "message", "pairing_id", "week", "county_code", "values", "columns",
             "status", "created_at", "resolved_at", "note"}


@dataclass
class World:
    pairing: Pairing
    liaison: dict
    officer: dict
    admin: dict
    liaison_id: int
    officer_id: int


@pytest.fixture
def world(session, settings) -> World:
    w = Scenario(session, settings)
    pairing = w.pairing("pairing", "530102004001")
    liaison = w.user("liaison", Role.liaison, unit="pairing单位")
    officer = w.user("officer", Role.officer, COUNTY)
    w.user("admin", Role.admin)
    return World(pairing=pairing, liaison=w.headers("liaison"), officer=w.headers("officer"),
                 admin=w.headers("admin"), liaison_id=liaison.id, officer_id=officer.id)


def report_url(pairing_id: int, week: str = "2020-W29") -> str:
    return f"/api/v1/pairings/{pairing_id}/reports/{week}"


def plan_url(pairing_id: int) -> str:
    return f"/api/v1/pairings/{pairing_id}/plan"


def put_report(client, headers, pairing_id: int, week: str = "2020-W29", expect: int | None = None,
               **overrides):
    answer = client.put(report_url(pairing_id, week), json=report_body(**overrides), headers=headers)
    assert answer.status_code in ((expect,) if expect else (200, 201)), answer.text
    return answer


def open_rules(answer) -> set[str]:
    return {f["rule"] for f in answer.json()["flags"] if f["status"] == "open"}


def stored_flags(session, pairing_id: int | None = None, **where) -> list[Flag]:
    session.expire_all()
    stmt = select(Flag).order_by(Flag.id)
    if pairing_id is not None:
        stmt = stmt.where(Flag.pairing_id == pairing_id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Flag, name) == value)
    return list(session.scalars(stmt))


def flag_events(session, flag_id: int | None = None) -> list[AuditEvent]:
    session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.entity == "flag").order_by(AuditEvent.id)
    if flag_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == str(flag_id))
    return list(session.scalars(stmt))


def get_flags(client, headers, **params) -> dict:
    answer = client.get("/api/v1/flags", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"items", "total"}
    return body


def resolve(client, headers, flag_id: int, resolution: str = "verified", note: str = "已电话核实，数据属实"):
    return client.post(f"/api/v1/flags/{flag_id}/resolve",
                       json={"resolution": resolution, "note": note}, headers=headers)


def assert_422(answer, loc: list) -> dict:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    error = next((e for e in detail if e["loc"] == loc), None)
    assert error is not None, f"no error at {loc}: {detail}"
    assert CHINESE.search(error["msg"]), error
    return error


def s3_flag(client, session, world: World, week: str = "2020-W29") -> Flag:
    """A report with 10000.0001 万元 in place, and its open S3 flag."""
    put_report(client, world.liaison, world.pairing.id, week, funds_arrived_wan="10000.0001")
    [flag] = stored_flags(session, world.pairing.id, rule="S3", week=week, status="open")
    return flag


# --- raised on save, never blocking -------------------------------------------------------


def test_an_ordinary_report_raises_no_flag(client, session, world):
    answer = put_report(client, world.liaison, world.pairing.id, expect=201)
    assert answer.json()["flags"] == []
    assert stored_flags(session) == []
    assert get_flags(client, world.officer) == {"items": [], "total": 0}


def test_a_flagged_report_is_saved_and_its_answer_carries_the_flags(client, session, world):
    answer = put_report(client, world.liaison, world.pairing.id, expect=201,
                        funds_arrived_wan="10000.0001", beneficiaries=None)
    body = answer.json()
    assert body["funds_arrived_wan"] == "10000.0001"  # stored as given
    flags = {f["rule"]: f for f in body["flags"]}
    assert set(flags) == {"S3", "S5"}  # 10000.0001 > 3 × the planned 50 too
    s3 = flags["S3"]
    assert set(s3) == FLAG_KEYS
    assert s3["pairing_id"] == world.pairing.id and s3["week"] == "2020-W29"
    assert s3["county_code"] == COUNTY and s3["status"] == "open"
    assert s3["columns"] == ["funds_arrived_wan"]
    assert s3["values"] == {"funds_arrived_wan": "10000.0001", "limit_wan": "10000"}
    assert CHINESE.search(s3["message"]) and "10000.0001" in s3["message"]
    assert s3["note"] is None and s3["resolved_at"] is None
    assert flags["S5"]["columns"] == ["funds_arrived_wan"]
    assert "10000.0001" in flags["S5"]["message"] and "50" in flags["S5"]["message"]

    # the same flags when the report is read back and in the list
    again = client.get(report_url(world.pairing.id), headers=world.liaison).json()
    assert again["flags"] == body["flags"]
    listed = get_flags(client, world.officer, pairing_id=world.pairing.id)
    assert listed["total"] == 2
    assert {f["id"] for f in listed["items"]} == {f["id"] for f in body["flags"]}


@pytest.mark.parametrize("funds, flagged", [("10000", False), ("10000.0001", True)])
def test_s3_at_and_past_the_limit(client, world, funds, flagged):
    answer = put_report(client, world.liaison, world.pairing.id, expect=201, funds_arrived_wan=funds,
                        beneficiaries=None)
    assert ("S3" in open_rules(answer)) is flagged


@pytest.mark.parametrize("registered_poor, total, flagged", [
    (True, 1000, False), (True, 1001, True), (False, 150, False), (False, 151, True),
])
def test_s2_at_and_past_the_village_limit(client, session, world, registered_poor, total, flagged):
    village = make_village(session, code="530102004002", registered_poor=registered_poor)
    pairing = make_pairing(session, make_unit(session), village)
    make_plan(session, pairing, jobs_target=1000, trainees_target=1000)
    answer = put_report(client, world.admin, pairing.id, expect=201, jobs_done=total - 15,
                        trained_done=15)
    assert open_rules(answer) == ({"S2"} if flagged else set())
    if flagged:
        [flag] = answer.json()["flags"]
        assert str(total) in flag["message"]
        assert flag["values"]["limit"] == (1000 if registered_poor else 150)
        assert flag["columns"] == ["jobs_done", "trained_done"]


@pytest.mark.parametrize("funds, materials, beneficiaries, flagged", [
    ("100", "0", 10, False),  # exactly 10 万元 a head
    ("100", "0.0001", 10, True),
    ("0.1", "0", 10, False),  # exactly 0.01 万元 a head
    ("0.0999", "0", 10, True),
    ("100", "0", None, False),  # no beneficiaries given: never
    ("0.0001", "0", 0, True),  # money for nobody
    ("0", "0", 0, False),
])
def test_s4_at_and_past_the_per_head_bounds(client, session, world, funds, materials, beneficiaries,
                                            flagged):
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530102004003"))
    make_plan(session, pairing, planned_funds_wan=Decimal("1000"), planned_materials_wan=Decimal("1"))
    answer = put_report(client, world.admin, pairing.id, expect=201, funds_arrived_wan=funds,
                        materials_arrived_wan=materials, beneficiaries=beneficiaries)
    assert open_rules(answer) == ({"S4"} if flagged else set())


@pytest.mark.parametrize("jobs, flagged", [(60, False), (61, True)])
def test_s5_at_and_past_three_times_the_plan(client, world, jobs, flagged):
    answer = put_report(client, world.liaison, world.pairing.id, expect=201, jobs_done=jobs)
    assert open_rules(answer) == ({"S5"} if flagged else set())
    if flagged:
        [flag] = answer.json()["flags"]
        assert flag["columns"] == ["jobs_done"]
        assert "61" in flag["message"] and "计划 20" in flag["message"]


def test_s5_anything_done_where_nothing_was_planned(client, session, world):
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530102004004"))
    make_plan(session, pairing, trainees_target=0)
    answer = put_report(client, world.admin, pairing.id, expect=201)
    [flag] = answer.json()["flags"]
    assert flag["rule"] == "S5" and flag["columns"] == ["trained_done"]
    assert flag["values"]["items"][0]["planned"] == "0"


def test_s5_a_report_without_any_plan(client, session, world):
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530102004005"))
    answer = put_report(client, world.admin, pairing.id, expect=201)
    [flag] = answer.json()["flags"]
    assert flag["rule"] == "S5"
    assert flag["columns"] == ["funds_arrived_wan", "materials_arrived_wan", "sales_done_wan",
                               "jobs_done", "trained_done", "stationed_count"]


def test_s6_a_decrease_saved_with_a_correction_note_is_flagged(client, session, world):
    put_report(client, world.liaison, world.pairing.id, "2020-W28", expect=201)
    # without a note the decrease is refused, and nothing is flagged
    refused = client.put(report_url(world.pairing.id), json=report_body(jobs_done=7),
                         headers=world.liaison)
    assert_422(refused, ["body", "correction_note"])
    assert stored_flags(session) == []

    answer = put_report(client, world.liaison, world.pairing.id, expect=201, jobs_done=7,
                        correction_note="上周多报 1 人")
    [flag] = answer.json()["flags"]
    assert flag["rule"] == "S6" and flag["week"] == "2020-W29"
    assert flag["columns"] == ["jobs_done"]
    assert [i["field"] for i in flag["values"]["items"]] == ["jobs_done"]
    assert "2020-W28" in flag["message"] and "由 8 减为 7" in flag["message"]
    assert "上周多报 1 人" in flag["message"]


def test_s6_stationed_staff_may_go_down_without_a_flag(client, world):
    put_report(client, world.liaison, world.pairing.id, "2020-W28", expect=201)
    answer = put_report(client, world.liaison, world.pairing.id, expect=201, stationed_now=0)
    assert answer.json()["flags"] == []


def test_s6_back_filling_an_earlier_week_above_a_later_one_flags_the_later_week(client, session, world):
    put_report(client, world.liaison, world.pairing.id, "2020-W29", expect=201)
    put_report(client, world.liaison, world.pairing.id, "2020-W28", expect=201, jobs_done=9,
               correction_note="补报上周，本周数据有误待核")
    [flag] = stored_flags(session, world.pairing.id, rule="S6")
    assert flag.week == "2020-W29" and flag.status == "open"
    assert flag.columns == ["jobs_done"] and "由 9 减为 8" in flag.message
    later = client.get(report_url(world.pairing.id, "2020-W29"), headers=world.liaison).json()
    assert [f["rule"] for f in later["flags"]] == ["S6"]

    # correcting the earlier week back down closes the later week's flag by itself
    put_report(client, world.liaison, world.pairing.id, "2020-W28", jobs_done=8)
    [flag] = stored_flags(session, world.pairing.id, rule="S6")
    assert flag.status == "corrected"


def test_thresholds_are_settings(client, session, world, settings):
    settings.flag_funds_max_wan = Decimal("100")
    settings.flag_over_plan_factor = Decimal("10")
    at = put_report(client, world.liaison, world.pairing.id, "2020-W28", expect=201,
                    funds_arrived_wan="100", beneficiaries=None)
    assert open_rules(at) == set()
    past = put_report(client, world.liaison, world.pairing.id, expect=201,
                      funds_arrived_wan="100.0001", beneficiaries=None)
    assert open_rules(past) == {"S3"}
    assert "100 万元" in past.json()["flags"][0]["message"]

    settings.flag_people_registered_poor = 20
    answer = put_report(client, world.liaison, world.pairing.id, "2020-W27", expect=201,
                        funds_arrived_wan="1", materials_arrived_wan="0", sales_done_wan="0",
                        jobs_done=6, trained_done=15, beneficiaries=None)
    assert open_rules(answer) == {"S2"}


# --- S1 on the plan -------------------------------------------------------------------------


@pytest.fixture
def bare_pairing(session):
    return make_pairing(session, make_unit(session), make_village(session, code="530102004006"))


def test_s1_an_all_zero_plan_is_saved_and_flagged_without_a_week(client, session, world, bare_pairing):
    answer = client.put(plan_url(bare_pairing.id), json={}, headers=world.admin)
    assert answer.status_code == 201, answer.text
    [flag] = stored_flags(session, bare_pairing.id)
    assert flag.rule == "S1" and flag.week is None and flag.status == "open"
    assert flag.county_code == COUNTY and CHINESE.search(flag.message)
    listed = get_flags(client, world.officer, pairing_id=bare_pairing.id)
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["rule"] == "S1" and item["week"] is None and item["pairing_id"] == bare_pairing.id

    # the same plan again: still one open flag
    assert client.put(plan_url(bare_pairing.id), json={}, headers=world.admin).status_code == 200
    assert len(stored_flags(session, bare_pairing.id)) == 1

    # one measure filled in: the flag closes as corrected
    again = client.put(plan_url(bare_pairing.id), json={"employment": {"jobs_target": 1}},
                       headers=world.admin)
    assert again.status_code == 200, again.text
    [flag] = stored_flags(session, bare_pairing.id)
    assert flag.status == "corrected" and flag.note and flag.resolved_at is not None
    assert get_flags(client, world.officer, status="open")["total"] == 0


@pytest.mark.parametrize("body", [
    {"industry": {"planned_funds_wan": "0.0001"}},
    {"industry": {"planned_materials_wan": "0.0001"}},
    {"consumption": {"sales_target_wan": "0.0001"}},
    {"employment": {"jobs_target": 1}},
    {"training": {"trainees_target": 1}},
    {"stationing": {"will_station": True, "stationed_target": 1, "members": ["张三"],
                    "start_date": "2020-06-01"}},
], ids=["funds", "materials", "sales", "jobs", "trainees", "stationing"])
def test_s1_a_plan_with_any_one_measure_is_not_flagged(client, session, world, bare_pairing, body):
    answer = client.put(plan_url(bare_pairing.id), json=body, headers=world.admin)
    assert answer.status_code == 201, answer.text
    assert stored_flags(session, bare_pairing.id) == []


# --- lifecycle ------------------------------------------------------------------------------


def test_saving_the_same_figures_again_does_not_duplicate_the_open_flag(client, session, world):
    flag = s3_flag(client, session, world)
    put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="10000.0001")
    # a changed text with the same figures re-runs the rules: still the one flag
    put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="10000.0001",
               progress="补充说明进展")
    flags = stored_flags(session, world.pairing.id, rule="S3")
    assert [f.id for f in flags] == [flag.id] and flags[0].status == "open"
    assert [e.action for e in flag_events(session, flag.id)] == ["create"]


def test_correcting_the_figures_closes_the_flag_as_corrected(client, session, world):
    flag = s3_flag(client, session, world)
    answer = put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="9000")
    assert "S3" not in open_rules(answer)
    [closed] = stored_flags(session, world.pairing.id, rule="S3")
    assert closed.id == flag.id and closed.status == "corrected"
    assert closed.resolved_at is not None and closed.resolved_by == world.liaison_id
    assert closed.note and CHINESE.search(closed.note)
    assert [f["id"] for f in get_flags(client, world.officer, status="open")["items"]
            if f["rule"] == "S3"] == []
    assert any(f["id"] == flag.id and f["status"] == "corrected"
               for f in get_flags(client, world.officer)["items"])


def test_new_figures_that_still_break_the_rule_replace_the_open_flag(client, session, world):
    flag = s3_flag(client, session, world)
    put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="12000")
    old, new = stored_flags(session, world.pairing.id, rule="S3")
    assert old.id == flag.id and old.status == "corrected"
    assert new.status == "open" and new.values["funds_arrived_wan"] == "12000"
    assert "12000" in new.message


def test_an_officer_resolves_a_flag_as_verified(client, session, world):
    flag = s3_flag(client, session, world)
    answer = resolve(client, world.officer, flag.id, "verified", "已电话核实，企业确有大额投入")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == flag.id and body["status"] == "verified"
    assert body["note"] == "已电话核实，企业确有大额投入" and body["resolved_at"] is not None
    stored = stored_flags(session, world.pairing.id, rule="S3")[0]
    assert stored.status == "verified" and stored.resolved_by == world.officer_id

    open_ids = [f["id"] for f in get_flags(client, world.officer, status="open")["items"]]
    assert flag.id not in open_ids
    everything = get_flags(client, world.officer)["items"]
    [listed] = [f for f in everything if f["id"] == flag.id]
    assert listed["status"] == "verified" and listed["note"] == "已电话核实，企业确有大额投入"
    assert [f["id"] for f in get_flags(client, world.officer, status="verified")["items"]] == [flag.id]


def test_an_officer_resolves_a_flag_as_corrected(client, session, world):
    flag = s3_flag(client, session, world)
    answer = resolve(client, world.officer, flag.id, "corrected", "已通知企业更正")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "corrected" and answer.json()["note"] == "已通知企业更正"


def test_resolving_twice_is_a_conflict(client, session, world):
    flag = s3_flag(client, session, world)
    assert resolve(client, world.officer, flag.id).status_code == 200
    again = resolve(client, world.officer, flag.id, "corrected", "再次处理")
    assert again.status_code == 409, again.text
    assert CHINESE.search(again.json()["detail"])
    stored = stored_flags(session, world.pairing.id, rule="S3")[0]
    assert stored.status == "verified" and stored.note == "已电话核实，数据属实"


def test_an_automatically_corrected_flag_cannot_be_resolved(client, session, world):
    flag = s3_flag(client, session, world)
    put_report(client, world.liaison, world.pairing.id, funds_arrived_wan="20")
    assert resolve(client, world.officer, flag.id).status_code == 409


def test_a_liaison_may_not_resolve(client, session, world):
    flag = s3_flag(client, session, world)
    answer = resolve(client, world.liaison, flag.id)
    assert answer.status_code == 403, answer.text
    assert CHINESE.search(answer.json()["detail"])
    assert stored_flags(session, world.pairing.id, rule="S3")[0].status == "open"


def test_out_of_scope_flags_are_not_found(client, session, settings, world):
    flag = s3_flag(client, session, world)
    other_officer = auth_headers(session, settings,
                                 make_user(session, Role.officer, region_code=OTHER_COUNTY))
    other_liaison = auth_headers(session, settings,
                                 make_user(session, Role.liaison, unit_id=make_unit(session).id))
    for headers in (other_officer, other_liaison):
        answer = resolve(client, headers, flag.id)
        assert answer.status_code == 404, answer.text
        assert CHINESE.search(answer.json()["detail"])
    assert resolve(client, world.officer, flag.id + 10_000).status_code == 404
    assert stored_flags(session, world.pairing.id, rule="S3")[0].status == "open"
    assert [e.action for e in flag_events(session, flag.id)] == ["create"]


@pytest.mark.parametrize("body, loc", [
    ({"resolution": "maybe", "note": "核实"}, ["body", "resolution"]),
    ({"resolution": "open", "note": "核实"}, ["body", "resolution"]),
    ({"resolution": "verified", "note": ""}, ["body", "note"]),
    ({"resolution": "verified", "note": "   "}, ["body", "note"]),
    ({"resolution": "verified", "note": "核" * 2001}, ["body", "note"]),
    ({"resolution": "verified"}, ["body", "note"]),
    ({"note": "核实"}, ["body", "resolution"]),
    ({"resolution": "verified", "note": "核实", "status": "verified"}, ["body", "status"]),
], ids=["unknown", "open", "empty-note", "blank-note", "long-note", "no-note", "no-resolution",
        "extra-field"])
def test_a_bad_resolution_is_422_naming_the_field_and_stores_nothing(client, session, world, body, loc):
    flag = s3_flag(client, session, world)
    answer = client.post(f"/api/v1/flags/{flag.id}/resolve", json=body, headers=world.officer)
    assert_422(answer, loc)
    stored = stored_flags(session, world.pairing.id, rule="S3")[0]
    assert stored.status == "open" and stored.note is None and stored.resolved_at is None
    assert [e.action for e in flag_events(session, flag.id)] == ["create"]


def test_a_verified_flag_is_not_reopened_by_the_same_figures(client, session, world):
    flag = s3_flag(client, session, world)
    assert resolve(client, world.officer, flag.id).status_code == 200
    put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="10000.0001")
    put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="10000.0001",
               progress="本周又有新进展")
    flags = stored_flags(session, world.pairing.id, rule="S3")
    assert [(f.id, f.status) for f in flags] == [(flag.id, "verified")]
    assert "S3" not in {f["rule"] for f in get_flags(client, world.officer, status="open",
                                                     pairing_id=world.pairing.id)["items"]}

    # different figures that still break the rule are a new question
    put_report(client, world.liaison, world.pairing.id, expect=200, funds_arrived_wan="10000.0002")
    flags = stored_flags(session, world.pairing.id, rule="S3")
    assert [f.status for f in flags] == ["verified", "open"]


def test_a_verified_plan_flag_is_not_reopened(client, session, world, bare_pairing):
    client.put(plan_url(bare_pairing.id), json={}, headers=world.admin)
    [flag] = stored_flags(session, bare_pairing.id)
    assert resolve(client, world.officer, flag.id, "verified", "该单位仅捐赠，暂无计划").status_code == 200
    answer = client.put(plan_url(bare_pairing.id), json={"training": {"training_plan": "待定"}},
                        headers=world.admin)
    assert answer.status_code == 200, answer.text
    assert [(f.id, f.status) for f in stored_flags(session, bare_pairing.id)] == [(flag.id, "verified")]


# --- the audit trail ------------------------------------------------------------------------


def test_the_audit_trail_records_creation_and_resolution(client, session, world):
    flag = s3_flag(client, session, world)
    [created] = flag_events(session, flag.id)
    assert created.action == "create" and created.before is None
    assert created.after["rule"] == "S3" and created.after["status"] == "open"
    assert created.actor_id == world.liaison_id and created.region_code == COUNTY

    resolve(client, world.officer, flag.id, "verified", "核实无误")
    _, resolved = flag_events(session, flag.id)
    assert resolved.action == "state" and resolved.actor_id == world.officer_id
    assert resolved.before["status"] == "open" and resolved.before["note"] is None
    assert resolved.after["status"] == "verified" and resolved.after["note"] == "核实无误"
    assert resolved.region_code == COUNTY

    trail = client.get("/api/v1/audit", params={"entity": "flag", "entity_id": str(flag.id)},
                       headers=world.officer)
    assert trail.status_code == 200, trail.text
    assert [e["action"] for e in trail.json()["items"]] == ["state", "create"]


def test_the_audit_trail_records_an_automatic_correction(client, session, world):
    flag = s3_flag(client, session, world)
    put_report(client, world.liaison, world.pairing.id, funds_arrived_wan="20")
    _, closed = flag_events(session, flag.id)
    assert closed.action == "state" and closed.actor_id == world.liaison_id
    assert closed.before["status"] == "open" and closed.after["status"] == "corrected"
    assert closed.after["note"]


# --- listing --------------------------------------------------------------------------------


@dataclass
class Many:
    a1: Pairing  # county, unit 1
    a2: Pairing  # county, unit 2
    b: Pairing  # other county, unit 1
    unit1_liaison: dict
    unit2_liaison: dict
    other_officer: dict
    city_officer: dict


@pytest.fixture
def many(client, session, settings, world) -> Many:
    """Four S3 flags: a1 in W28 and W29, a2 in W29, b in W29; a1's W28 flag verified."""
    unit1, unit2 = make_unit(session), make_unit(session)
    a1 = make_pairing(session, unit1, make_village(session, code="530102006001"))
    a2 = make_pairing(session, unit2, make_village(session, code="530102006002"))
    b = make_pairing(session, unit1, make_village(session, code="530103006001"))
    for pairing in (a1, a2, b):
        make_plan(session, pairing, planned_funds_wan=Decimal("10000"))
    for pairing, week in ((a1, "2020-W28"), (a1, "2020-W29"), (a2, "2020-W29"), (b, "2020-W29")):
        answer = put_report(client, world.admin, pairing.id, week, expect=201,
                            funds_arrived_wan="10000.0001", beneficiaries=None)
        assert open_rules(answer) == {"S3"}
    [w28] = stored_flags(session, a1.id, week="2020-W28")
    assert resolve(client, world.officer, w28.id).status_code == 200
    return Many(
        a1=a1, a2=a2, b=b,
        unit1_liaison=auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit1.id)),
        unit2_liaison=auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit2.id)),
        other_officer=auth_headers(session, settings,
                                   make_user(session, Role.officer, region_code=OTHER_COUNTY)),
        city_officer=auth_headers(session, settings, make_user(session, Role.officer, region_code=CITY)),
    )


def keys(body: dict) -> set[tuple[int, str]]:
    return {(f["pairing_id"], f["week"]) for f in body["items"]}


def test_list_filters(client, world, many):
    a1, a2, b = many.a1.id, many.a2.id, many.b.id
    everything = get_flags(client, world.admin)
    assert everything["total"] == 4
    assert keys(everything) == {(a1, "2020-W28"), (a1, "2020-W29"), (a2, "2020-W29"), (b, "2020-W29")}
    assert all(set(f) == FLAG_KEYS for f in everything["items"])

    assert keys(get_flags(client, world.admin, county_code=COUNTY)) == \
        {(a1, "2020-W28"), (a1, "2020-W29"), (a2, "2020-W29")}
    assert keys(get_flags(client, world.admin, county_code=OTHER_COUNTY)) == {(b, "2020-W29")}
    assert get_flags(client, world.admin, status="open")["total"] == 3
    assert keys(get_flags(client, world.admin, status="verified")) == {(a1, "2020-W28")}
    assert get_flags(client, world.admin, status="corrected")["total"] == 0
    assert keys(get_flags(client, world.admin, pairing_id=a1)) == {(a1, "2020-W28"), (a1, "2020-W29")}
    assert keys(get_flags(client, world.admin, week="2020-W28")) == {(a1, "2020-W28")}
    assert keys(get_flags(client, world.admin, county_code=COUNTY, status="open", week="2020-W29")) == \
        {(a1, "2020-W29"), (a2, "2020-W29")}
    assert get_flags(client, world.admin, pairing_id=a2, week="2020-W28") == {"items": [], "total": 0}


def test_list_pages_with_limit_and_offset(client, world, many):
    everything = get_flags(client, world.admin)["items"]
    first = get_flags(client, world.admin, limit=3)
    second = get_flags(client, world.admin, limit=3, offset=3)
    assert first["total"] == second["total"] == 4
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert [f["id"] for f in first["items"] + second["items"]] == [f["id"] for f in everything]
    assert get_flags(client, world.admin, offset=4) == {"items": [], "total": 4}


@pytest.mark.parametrize("params, loc", [
    ({"status": "closed"}, ["query", "status"]),
    ({"limit": 0}, ["query", "limit"]),
    ({"limit": 1001}, ["query", "limit"]),
    ({"offset": -1}, ["query", "offset"]),
    ({"pairing_id": "abc"}, ["query", "pairing_id"]),
])
def test_bad_list_parameters_are_422(client, world, params, loc):
    assert_422(client.get("/api/v1/flags", params=params, headers=world.officer), loc)


def test_each_caller_lists_only_the_flags_in_scope(client, world, many):
    a1, a2, b = many.a1.id, many.a2.id, many.b.id
    assert {p for p, _ in keys(get_flags(client, world.officer))} == {a1, a2}
    # a county officer asking for another county gets nothing, not an error
    assert get_flags(client, world.officer, county_code=OTHER_COUNTY) == {"items": [], "total": 0}
    assert {p for p, _ in keys(get_flags(client, many.other_officer))} == {b}
    assert get_flags(client, many.city_officer)["total"] == 4
    # a liaison sees its unit's pairings, wherever they are
    unit1 = get_flags(client, many.unit1_liaison)
    assert unit1["total"] == 3 and {p for p, _ in keys(unit1)} == {a1, b}
    assert {p for p, _ in keys(get_flags(client, many.unit2_liaison))} == {a2}
    # the world's own liaison belongs to another unit still
    assert get_flags(client, world.liaison) == {"items": [], "total": 0}


def test_listing_needs_a_token(client, world):
    assert client.get("/api/v1/flags").status_code == 401


def test_flag_counts_stay_consistent(session, client, world, many):
    # one flag per (pairing, week, rule) that is open at most
    session.expire_all()
    rows = session.execute(
        select(Flag.pairing_id, Flag.week, Flag.rule, func.count())
        .where(Flag.status == "open").group_by(Flag.pairing_id, Flag.week, Flag.rule)
    ).all()
    assert all(count == 1 for *_, count in rows)


def test_flag_times_carry_their_offset(client, session, world):
    flag = s3_flag(client, session, world)
    resolved = resolve(client, world.officer, flag.id).json()
    listed = get_flags(client, world.officer, status="verified")["items"]
    report = client.get(report_url(world.pairing.id), headers=world.liaison).json()
    for item in [resolved, *listed, *report["flags"]]:
        for key in ("created_at", "resolved_at"):
            if item[key] is not None:
                assert datetime.fromisoformat(item[key]).tzinfo is not None, (key, item[key])
    assert datetime.fromisoformat(listed[0]["resolved_at"]) >= datetime.fromisoformat(listed[0]["created_at"])
