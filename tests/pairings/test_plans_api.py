"""The five-measure plan (结对帮扶计划书, annex 2): its rules, its states and who may touch it."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.pairings.models import PLAN_STATUS_LABELS, Pairing, Plan
from app.regions.models import Village
from tests.factories import (
    auth_headers,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
    plan_body,
)
from tests.scenario import COUNTY, OTHER_COUNTY


@dataclass
class Setup:
    pairing: Pairing
    liaison: dict
    officer: dict

    @property
    def url(self) -> str:
        return f"/api/v1/pairings/{self.pairing.id}/plan"


@pytest.fixture
def setup(session, settings) -> Setup:
    unit = make_unit(session)
    pairing = make_pairing(session, unit, make_village(session, code="530102003001"))
    return Setup(
        pairing=pairing,
        liaison=auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit.id)),
        officer=auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY)),
    )


def stored_plan(session, pairing_id: int) -> Plan | None:
    session.expire_all()
    return session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()


def plan_events(session) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "plan").order_by(AuditEvent.id)
    ).all())


def plan_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Plan))


EXPECTED_OUT = {
    "industry": {"planned_funds_wan": "50", "planned_materials_wan": "10",
                 "usage_plan": "建设蔬菜大棚 10 座", "has_project": True,
                 "project_plan": "发展设施蔬菜，合作社带动贫困户"},
    "consumption": {"sales_target_wan": "30", "self_purchase_wan": "10", "market_link_wan": "20"},
    "employment": {"jobs_target": 20, "unit_jobs": 5, "outside_jobs": 10,
                   "entrepreneurship_jobs": 2, "public_welfare_jobs": 3},
    "training": {"trainees_target": 40, "training_plan": "种植技术培训 4 期"},
    "stationing": {"will_station": True, "stationed_target": 2, "members": ["张三", "李四"],
                   "start_date": "2020-06-01"},
}

ZERO_MEASURES = {
    "industry": {"planned_funds_wan": "0", "planned_materials_wan": "0", "usage_plan": "",
                 "has_project": False, "project_plan": ""},
    "consumption": {"sales_target_wan": "0", "self_purchase_wan": "0", "market_link_wan": "0"},
    "employment": {"jobs_target": 0, "unit_jobs": 0, "outside_jobs": 0, "entrepreneurship_jobs": 0,
                   "public_welfare_jobs": 0},
    "training": {"trainees_target": 0, "training_plan": ""},
    "stationing": {"will_station": False, "stationed_target": 0, "members": [], "start_date": None},
}

NO_STATIONING = dict(stationing__will_station=False, stationing__stationed_target=0,
                     stationing__members=[], stationing__start_date=None)


def moments(body: dict) -> dict:
    """The plan with its timestamps parsed: every one carries its offset, on SQLite too."""
    out = dict(body)
    for key in ("updated_at", "submitted_at", "confirmed_at"):
        if out[key] is not None:
            out[key] = datetime.fromisoformat(out[key])
            assert out[key].tzinfo is not None, (key, body[key])
    return out


def measures(body: dict) -> dict:
    return {k: body[k] for k in ("industry", "consumption", "employment", "training", "stationing")}


# --- storing and reading --------------------------------------------------------------------


def test_first_put_creates_a_draft_with_201_and_a_replacement_answers_200(client, session, setup):
    first = client.put(setup.url, json=plan_body(), headers=setup.liaison)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "draft" and body["version"] == 1
    assert body["pairing_id"] == setup.pairing.id and body["return_reason"] is None
    assert body["submitted_at"] is None and body["confirmed_at"] is None
    assert measures(body) == EXPECTED_OUT

    second = client.put(setup.url, json=plan_body(industry__planned_funds_wan="60"), headers=setup.liaison)
    assert second.status_code == 200, second.text
    assert second.json()["industry"]["planned_funds_wan"] == "60"
    assert second.json()["status"] == "draft" and second.json()["version"] == 2
    assert plan_count(session) == 1


def test_get_returns_the_stored_values_with_money_as_strings(client, session, setup):
    put = client.put(setup.url, json=plan_body(), headers=setup.liaison)
    got = client.get(setup.url, headers=setup.liaison)
    assert got.status_code == 200, got.text
    assert moments(got.json()) == moments(put.json())
    assert measures(got.json()) == EXPECTED_OUT
    plan = stored_plan(session, setup.pairing.id)
    assert plan.planned_funds_wan == Decimal("50") and plan.members == ["张三", "李四"]
    # An officer of the county reads the same plan.
    assert moments(client.get(setup.url, headers=setup.officer).json()) == moments(put.json())


def test_money_keeps_up_to_four_decimal_places(client, setup):
    body = plan_body(industry__planned_funds_wan="12.5", industry__planned_materials_wan="0.0001",
                     consumption__sales_target_wan="30.1234")
    answer = client.put(setup.url, json=body, headers=setup.liaison)
    assert answer.status_code == 201, answer.text
    got = client.get(setup.url, headers=setup.liaison).json()
    assert got["industry"]["planned_funds_wan"] == "12.5"
    assert got["industry"]["planned_materials_wan"] == "0.0001"
    assert got["consumption"]["sales_target_wan"] == "30.1234"


def test_the_same_body_twice_changes_nothing(client, session, setup):
    first = client.put(setup.url, json=plan_body(), headers=setup.liaison).json()
    again = client.put(setup.url, json=plan_body(), headers=setup.liaison)
    assert again.status_code == 200, again.text
    assert moments(again.json()) == moments(first)
    assert again.json()["version"] == 1
    assert stored_plan(session, setup.pairing.id).version == 1
    assert [e.action for e in plan_events(session)] == ["create"]


def test_the_same_values_written_differently_change_nothing(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    body = plan_body(industry__planned_funds_wan="50.0000", consumption__sales_target_wan="30.00",
                     industry__usage_plan="  建设蔬菜大棚 10 座  ")
    again = client.put(setup.url, json=body, headers=setup.liaison)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 1
    assert [e.action for e in plan_events(session)] == ["create"]


def test_a_measure_left_out_is_all_zeros(client, setup):
    answer = client.put(setup.url, json={"industry": plan_body()["industry"]}, headers=setup.liaison)
    assert answer.status_code == 201, answer.text
    got = client.get(setup.url, headers=setup.liaison).json()
    assert got["industry"] == EXPECTED_OUT["industry"]
    for measure in ("consumption", "employment", "training", "stationing"):
        assert got[measure] == ZERO_MEASURES[measure], measure


def test_an_empty_plan_is_all_zeros(client, setup):
    answer = client.put(setup.url, json={}, headers=setup.liaison)
    assert answer.status_code == 201, answer.text
    assert measures(answer.json()) == ZERO_MEASURES


def test_leaving_a_measure_out_on_replace_clears_it(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    body = plan_body()
    del body["employment"]
    answer = client.put(setup.url, json=body, headers=setup.liaison)
    assert answer.status_code == 200, answer.text
    assert answer.json()["employment"] == ZERO_MEASURES["employment"]
    assert stored_plan(session, setup.pairing.id).jobs_target == 0


def test_a_measure_partly_given_fills_the_rest_with_zeros(client, setup):
    answer = client.put(setup.url, json={"employment": {"jobs_target": 7}}, headers=setup.liaison)
    assert answer.status_code == 201, answer.text
    assert answer.json()["employment"] == {**ZERO_MEASURES["employment"], "jobs_target": 7}


def test_no_stationing_with_zeros_is_accepted(client, setup):
    answer = client.put(setup.url, json=plan_body(**NO_STATIONING), headers=setup.liaison)
    assert answer.status_code == 201, answer.text
    assert answer.json()["stationing"] == ZERO_MEASURES["stationing"]


def test_fewer_members_than_planned_and_parts_at_the_limit_are_accepted(client, setup):
    body = plan_body(stationing__stationed_target=3, stationing__members=["张三"],
                     consumption__self_purchase_wan="10", consumption__market_link_wan="20",
                     employment__jobs_target=20)
    answer = client.put(setup.url, json=body, headers=setup.liaison)
    assert answer.status_code == 201, answer.text


def test_the_pairing_shows_its_plan_status(client, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    pairing = client.get(f"/api/v1/pairings/{setup.pairing.id}", headers=setup.liaison).json()
    assert pairing["plan_status"] == "draft"


def test_get_before_a_plan_exists_is_404(client, setup):
    assert client.get(setup.url, headers=setup.liaison).status_code == 404


def test_plan_of_an_unknown_pairing_is_404(client, session, settings):
    admin = auth_headers(session, settings, make_user(session, Role.admin))
    assert client.get("/api/v1/pairings/987654/plan", headers=admin).status_code == 404
    assert client.put("/api/v1/pairings/987654/plan", json=plan_body(), headers=admin).status_code == 404
    assert plan_count(session) == 0


# --- the rules of annex 2 -------------------------------------------------------------------

RULE_CASES = {
    # negative amounts and counts
    "negative planned funds": (plan_body(industry__planned_funds_wan="-1"),
                               ["industry", "planned_funds_wan"]),
    "negative materials": (plan_body(industry__planned_materials_wan="-0.5"),
                           ["industry", "planned_materials_wan"]),
    "negative sales target": (plan_body(consumption__sales_target_wan="-30"),
                              ["consumption", "sales_target_wan"]),
    "negative self purchase": (plan_body(consumption__self_purchase_wan="-10"),
                               ["consumption", "self_purchase_wan"]),
    "negative market link": (plan_body(consumption__market_link_wan="-1"),
                             ["consumption", "market_link_wan"]),
    "negative jobs target": (plan_body(employment__jobs_target=-1), ["employment", "jobs_target"]),
    "negative unit jobs": (plan_body(employment__unit_jobs=-1), ["employment", "unit_jobs"]),
    "negative trainees": (plan_body(training__trainees_target=-40), ["training", "trainees_target"]),
    "negative stationed": (plan_body(stationing__stationed_target=-2), ["stationing", "stationed_target"]),
    # money format
    "five decimal places": (plan_body(industry__planned_funds_wan="1.00001"),
                            ["industry", "planned_funds_wan"]),
    "text as money": (plan_body(consumption__sales_target_wan="abc"), ["consumption", "sales_target_wan"]),
    "NaN as money": (plan_body(industry__planned_funds_wan="NaN"), ["industry", "planned_funds_wan"]),
    "null as money": (plan_body(industry__planned_funds_wan=None), ["industry", "planned_funds_wan"]),
    # 消费扶贫: parts within the target
    "self purchase plus market above target": (plan_body(consumption__self_purchase_wan="10.0001"),
                                               ["consumption", "sales_target_wan"]),
    "parts with zero target": (plan_body(consumption__sales_target_wan="0"),
                               ["consumption", "sales_target_wan"]),
    # 促进就业: four parts within the total
    "job parts above total": (plan_body(employment__jobs_target=19), ["employment", "jobs_target"]),
    "one part above total": (plan_body(employment__public_welfare_jobs=4), ["employment", "jobs_target"]),
    # integers
    "text in jobs target": (plan_body(employment__jobs_target="abc"), ["employment", "jobs_target"]),
    "float in unit jobs": (plan_body(employment__unit_jobs=1.5), ["employment", "unit_jobs"]),
    "float in trainees": (plan_body(training__trainees_target=40.5), ["training", "trainees_target"]),
    # 产业扶贫: a project needs its plan
    "project without plan": (plan_body(industry__project_plan=""), ["industry", "project_plan"]),
    "project with blank plan": (plan_body(industry__project_plan="   "), ["industry", "project_plan"]),
    "has_project not a boolean": (plan_body(industry__has_project="maybe"), ["industry", "has_project"]),
    "usage plan too long": (plan_body(industry__usage_plan="字" * 2001), ["industry", "usage_plan"]),
    # 派驻力量, no
    "no stationing but a count": (plan_body(**{**NO_STATIONING, "stationing__stationed_target": 2}),
                                  ["stationing", "stationed_target"]),
    "no stationing but members": (plan_body(**{**NO_STATIONING, "stationing__members": ["张三"]}),
                                  ["stationing", "members"]),
    "no stationing but a date": (plan_body(**{**NO_STATIONING, "stationing__start_date": "2020-06-01"}),
                                 ["stationing", "start_date"]),
    # 派驻力量, yes
    "stationing with zero count": (plan_body(stationing__stationed_target=0, stationing__members=[]),
                                   ["stationing", "stationed_target"]),
    "more members than planned": (plan_body(stationing__stationed_target=1),
                                  ["stationing", "members"]),
    "stationing without a date": (plan_body(stationing__start_date=None), ["stationing", "start_date"]),
    "bad start date": (plan_body(stationing__start_date="2020-13-01"), ["stationing", "start_date"]),
    "blank member name": (plan_body(stationing__members=["张三", " "]), ["stationing", "members"]),
    "members not a list": (plan_body(stationing__members="张三,李四"), ["stationing", "members"]),
    # strict bodies
    "status at top level": ({**plan_body(), "status": "confirmed"}, ["status"]),
    "version at top level": ({**plan_body(), "version": 9}, ["version"]),
    "pairing_id at top level": ({**plan_body(), "pairing_id": 1}, ["pairing_id"]),
    "status inside a measure": (plan_body(industry__status="confirmed"), ["industry", "status"]),
    "unknown field inside stationing": (plan_body(stationing__leader="张三"), ["stationing", "leader"]),
    "a measure that is not an object": ({**plan_body(), "training": 40}, ["training"]),
}


@pytest.mark.parametrize("body, loc", RULE_CASES.values(), ids=RULE_CASES.keys())
def test_a_broken_plan_rule_is_422_naming_the_field_and_nothing_is_stored(client, session, setup, body, loc):
    answer = client.put(setup.url, json=body, headers=setup.liaison)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    expected = ["body", *loc]
    assert any(e["loc"][: len(expected)] == expected for e in detail), detail
    assert all(e["msg"] and e["type"] for e in detail)
    assert plan_count(session) == 0
    assert plan_events(session) == []


def test_rule_messages_name_the_numbers_involved(client, setup):
    body = plan_body(consumption__self_purchase_wan="25", employment__jobs_target=10)
    detail = client.put(setup.url, json=body, headers=setup.liaison).json()["detail"]
    messages = {tuple(e["loc"]): e["msg"] for e in detail}
    sales = messages[("body", "consumption", "sales_target_wan")]
    assert "45" in sales and "30" in sales
    jobs = messages[("body", "employment", "jobs_target")]
    assert "20" in jobs and "10" in jobs


def test_every_broken_rule_is_reported_at_once(client, setup):
    body = plan_body(industry__project_plan="", consumption__sales_target_wan="1",
                     employment__jobs_target=0, stationing__start_date=None)
    detail = client.put(setup.url, json=body, headers=setup.liaison).json()["detail"]
    assert {tuple(e["loc"]) for e in detail} == {
        ("body", "industry", "project_plan"), ("body", "consumption", "sales_target_wan"),
        ("body", "employment", "jobs_target"), ("body", "stationing", "start_date"),
    }


def test_a_refused_replacement_keeps_the_stored_plan(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    answer = client.put(setup.url, json=plan_body(industry__planned_funds_wan="99",
                                                  employment__jobs_target=1), headers=setup.liaison)
    assert answer.status_code == 422, answer.text
    plan = stored_plan(session, setup.pairing.id)
    assert plan.planned_funds_wan == Decimal("50") and plan.jobs_target == 20 and plan.version == 1
    assert len(plan_events(session)) == 1


# --- states ---------------------------------------------------------------------------------


def test_liaison_submits_and_county_officer_confirms(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    submitted = client.post(f"{setup.url}/submit", headers=setup.liaison)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["submitted_at"]

    confirmed = client.post(f"{setup.url}/confirm", headers=setup.officer)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["confirmed_at"]
    got = moments(client.get(setup.url, headers=setup.liaison).json())
    assert got["submitted_at"] <= got["confirmed_at"]
    assert client.get(setup.url, headers=setup.liaison).json()["status"] == "confirmed"
    assert stored_plan(session, setup.pairing.id).status == "confirmed"
    events = plan_events(session)
    assert [(e.action, e.before and e.before["status"], e.after["status"]) for e in events] == [
        ("create", None, "draft"), ("state", "draft", "submitted"), ("state", "submitted", "confirmed"),
    ]


def test_officer_returns_with_a_reason_the_liaison_sees_and_resubmits(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    returned = client.post(f"{setup.url}/return", json={"reason": "就业人数与协议不符，请核实"},
                           headers=setup.officer)
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    got = client.get(setup.url, headers=setup.liaison).json()
    assert got["status"] == "returned" and got["return_reason"] == "就业人数与协议不符，请核实"

    fixed = client.put(setup.url, json=plan_body(employment__jobs_target=25), headers=setup.liaison)
    assert fixed.status_code == 200 and fixed.json()["status"] == "returned"
    again = client.post(f"{setup.url}/submit", headers=setup.liaison)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "submitted" and again.json()["return_reason"] is None


@pytest.mark.parametrize("body, field", [({"reason": ""}, "reason"), ({"reason": "   "}, "reason"),
                                         ({}, "reason"), ({"reason": "x", "status": "draft"}, "status")])
def test_returning_needs_a_reason(client, session, setup, body, field):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    answer = client.post(f"{setup.url}/return", json=body, headers=setup.officer)
    assert answer.status_code == 422, answer.text
    assert any(field in e["loc"] for e in answer.json()["detail"])
    assert stored_plan(session, setup.pairing.id).status == "submitted"


def test_liaison_may_not_confirm_or_return(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    assert client.post(f"{setup.url}/confirm", headers=setup.liaison).status_code == 403
    answer = client.post(f"{setup.url}/return", json={"reason": "自己退回"}, headers=setup.liaison)
    assert answer.status_code == 403
    plan = stored_plan(session, setup.pairing.id)
    assert plan.status == "submitted" and plan.return_reason is None


@pytest.mark.parametrize("status, action", [
    ("draft", "confirm"), ("draft", "return"), ("confirmed", "confirm"), ("confirmed", "return"),
    ("confirmed", "submit"), ("submitted", "submit"), ("returned", "confirm"), ("returned", "return"),
])
def test_a_transition_from_the_wrong_state_is_409(client, session, setup, status, action):
    make_plan(session, setup.pairing, status=status)
    headers = setup.liaison if action == "submit" else setup.officer
    answer = client.post(f"{setup.url}/{action}", json={"reason": "原因"}, headers=headers)
    assert answer.status_code == 409, answer.text
    assert PLAN_STATUS_LABELS[status] in answer.json()["detail"]
    assert stored_plan(session, setup.pairing.id).status == status
    assert plan_events(session) == []


def test_transitions_without_a_plan_are_404(client, setup):
    assert client.post(f"{setup.url}/submit", headers=setup.liaison).status_code == 404
    assert client.post(f"{setup.url}/confirm", headers=setup.officer).status_code == 404
    assert client.post(f"{setup.url}/return", json={"reason": "x"}, headers=setup.officer).status_code == 404


def test_editing_a_confirmed_plan_puts_it_back_to_submitted_and_keeps_the_old_version(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    client.post(f"{setup.url}/confirm", headers=setup.officer)

    edited = client.put(setup.url, json=plan_body(industry__planned_funds_wan="60"), headers=setup.liaison)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["status"] == "submitted" and body["version"] == 2
    assert body["confirmed_at"] is None and body["submitted_at"]
    assert body["industry"]["planned_funds_wan"] == "60"

    last = plan_events(session)[-1]
    assert last.action == "update"
    assert last.before["version"] == 1 and last.before["status"] == "confirmed"
    assert last.before["planned_funds_wan"] == "50"
    assert last.after["version"] == 2 and last.after["status"] == "submitted"
    assert last.after["planned_funds_wan"] == "60"
    assert last.entity_id == str(stored_plan(session, setup.pairing.id).id)
    assert last.region_code == COUNTY

    # And the county can confirm the new version.
    assert client.post(f"{setup.url}/confirm", headers=setup.officer).json()["status"] == "confirmed"


def test_saving_a_confirmed_plan_unchanged_keeps_it_confirmed(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    client.post(f"{setup.url}/confirm", headers=setup.officer)
    again = client.put(setup.url, json=plan_body(), headers=setup.liaison)
    assert again.status_code == 200
    assert again.json()["status"] == "confirmed" and again.json()["version"] == 1


def test_editing_a_submitted_plan_keeps_it_submitted(client, session, setup):
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    edited = client.put(setup.url, json=plan_body(training__trainees_target=50), headers=setup.liaison)
    assert edited.json()["status"] == "submitted" and edited.json()["version"] == 2


# --- scope ----------------------------------------------------------------------------------


def test_liaison_of_another_unit_gets_404_on_the_plan(client, session, settings, setup):
    stranger = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=make_unit(session).id))
    assert client.put(setup.url, json=plan_body(), headers=stranger).status_code == 404
    assert plan_count(session) == 0

    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    assert client.get(setup.url, headers=stranger).status_code == 404
    assert client.put(setup.url, json=plan_body(industry__planned_funds_wan="1"),
                      headers=stranger).status_code == 404
    assert client.post(f"{setup.url}/submit", headers=stranger).status_code == 404
    plan = stored_plan(session, setup.pairing.id)
    assert plan.planned_funds_wan == Decimal("50") and plan.status == "draft"


def test_liaison_of_another_unit_in_the_same_village_gets_404(client, session, settings, setup):
    other_unit = make_unit(session)
    make_pairing(session, other_unit, session.get(Village, setup.pairing.village_id))
    neighbour = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=other_unit.id))
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    assert client.get(setup.url, headers=neighbour).status_code == 404


def test_officer_of_another_county_gets_404_on_the_plan(client, session, settings, setup):
    outsider = auth_headers(session, settings, make_user(session, Role.officer, region_code=OTHER_COUNTY))
    assert client.put(setup.url, json=plan_body(), headers=outsider).status_code == 404
    assert plan_count(session) == 0

    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    client.post(f"{setup.url}/submit", headers=setup.liaison)
    assert client.get(setup.url, headers=outsider).status_code == 404
    assert client.post(f"{setup.url}/confirm", headers=outsider).status_code == 404
    assert client.post(f"{setup.url}/return", json={"reason": "x"}, headers=outsider).status_code == 404
    assert stored_plan(session, setup.pairing.id).status == "submitted"


def test_province_officer_reads_the_plan(client, session, settings, setup):
    province = auth_headers(session, settings, make_user(session, Role.officer, region_code="530000000000"))
    client.put(setup.url, json=plan_body(), headers=setup.liaison)
    assert client.get(setup.url, headers=province).status_code == 200


def test_plan_endpoints_need_a_token(client, setup):
    assert client.get(setup.url).status_code == 401
    assert client.put(setup.url, json=plan_body()).status_code == 401
    assert client.post(f"{setup.url}/submit").status_code == 401
