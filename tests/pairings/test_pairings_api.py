"""Pairings (结对帮扶协议, annex 1): registration rules, the five-units-a-village cap, lists and
scope."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.pairings.models import Pairing
from tests.factories import (
    auth_headers,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
    plan_body,
)
from tests.scenario import COUNTY, OTHER_COUNTY, OTHER_PROVINCE_COUNTY, PROVINCE

URL = "/api/v1/pairings"


def village_in(session, county: str, n: int, **overrides):
    """Village n of township 003 of `county` (away from the factories' default township 001)."""
    return make_village(session, code=f"{county[:6]}003{n:03d}", **overrides)


def officer_headers(session, settings, region_code: str | None = COUNTY):
    return auth_headers(session, settings, make_user(session, Role.officer, region_code=region_code))


def liaison_headers(session, settings, unit):
    return auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit.id))


def pairing_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Pairing))


def pairing_events(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "pairing"))


def body_for(unit, village, **overrides) -> dict:
    body = {"unit_id": unit.id, "village_code": village.code, "signed_on": "2020-05-01",
            "committed_funds_wan": "50"}
    body.update(overrides)
    return body


def stored(session, pairing_id: int) -> Pairing:
    session.expire_all()
    return session.get(Pairing, pairing_id)


def assert_field_error(answer, field: str) -> None:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert any(field in e["loc"] for e in detail), detail
    assert all(e["msg"] for e in detail)


# --- registering a pairing ------------------------------------------------------------------


def test_county_officer_registers_a_pairing_valid_until_defaults_to_campaign_end(client, session, settings):
    unit = make_unit(session, name="云南绿源农业有限公司")
    village = village_in(session, COUNTY, 1, name="大营村")
    answer = client.post(URL, json=body_for(unit, village), headers=officer_headers(session, settings))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert isinstance(body["id"], int)
    assert body["unit_id"] == unit.id and body["unit"] == "云南绿源农业有限公司"
    assert body["village_code"] == village.code and body["village"] == "大营村"
    assert body["county_code"] == COUNTY
    assert body["signed_on"] == "2020-05-01"
    assert body["valid_until"] == "2020-12-31"
    assert body["committed_funds_wan"] == "50"
    assert body["active"] is True
    assert body["plan_status"] is None

    row = stored(session, body["id"])
    assert row.committed_funds_wan == Decimal("50") and row.valid_until == date(2020, 12, 31)
    assert pairing_events(session) == 1
    again = client.get(f"{URL}/{body['id']}", headers=officer_headers(session, settings))
    assert again.status_code == 200 and again.json() == body


@pytest.mark.parametrize("funds", ["12.5", "0", "0.0001", "1234567.8912"])
def test_committed_funds_come_back_as_the_same_decimal_string(client, session, settings, funds):
    unit, village = make_unit(session), village_in(session, COUNTY, 1)
    answer = client.post(URL, json=body_for(unit, village, committed_funds_wan=funds),
                         headers=officer_headers(session, settings))
    assert answer.status_code == 201, answer.text
    assert answer.json()["committed_funds_wan"] == funds
    assert stored(session, answer.json()["id"]).committed_funds_wan == Decimal(funds)


def test_an_explicit_valid_until_is_kept(client, session, settings):
    unit, village = make_unit(session), village_in(session, COUNTY, 1)
    answer = client.post(URL, json=body_for(unit, village, valid_until="2021-06-30"),
                         headers=officer_headers(session, settings))
    assert answer.status_code == 201, answer.text
    assert answer.json()["valid_until"] == "2021-06-30"


def test_duplicate_active_pairing_of_a_unit_and_village_is_409(client, session, settings):
    unit, village = make_unit(session), village_in(session, COUNTY, 1)
    make_pairing(session, unit, village)
    answer = client.post(URL, json=body_for(unit, village), headers=officer_headers(session, settings))
    assert answer.status_code == 409, answer.text
    assert village.code in answer.json()["detail"]
    assert pairing_count(session) == 1 and pairing_events(session) == 0


def test_an_ended_pairing_may_be_signed_again_by_the_same_unit(client, session, settings):
    unit, village = make_unit(session), village_in(session, COUNTY, 1)
    make_pairing(session, unit, village, active=False)
    answer = client.post(URL, json=body_for(unit, village), headers=officer_headers(session, settings))
    assert answer.status_code == 201, answer.text
    assert pairing_count(session) == 2


def test_sixth_unit_for_a_village_is_refused(client, session, settings):
    village = village_in(session, COUNTY, 1)
    for _ in range(5):
        make_pairing(session, make_unit(session), village)
    answer = client.post(URL, json=body_for(make_unit(session), village),
                         headers=officer_headers(session, settings))
    assert answer.status_code == 409, answer.text
    message = answer.json()["detail"]
    assert "最多 5 家" in message and village.code in message
    assert pairing_count(session) == 5 and pairing_events(session) == 0


def test_ended_pairings_do_not_count_towards_the_five(client, session, settings):
    village = village_in(session, COUNTY, 1)
    for _ in range(4):
        make_pairing(session, make_unit(session), village)
    for _ in range(3):
        make_pairing(session, make_unit(session), village, active=False)
    headers = officer_headers(session, settings)
    assert client.post(URL, json=body_for(make_unit(session), village), headers=headers).status_code == 201
    assert client.post(URL, json=body_for(make_unit(session), village), headers=headers).status_code == 409


def test_other_villages_do_not_count_towards_the_five(client, session, settings):
    full, other = village_in(session, COUNTY, 1), village_in(session, COUNTY, 2)
    units = [make_unit(session) for _ in range(5)]
    for unit in units:
        make_pairing(session, unit, full)
    answer = client.post(URL, json=body_for(units[0], other), headers=officer_headers(session, settings))
    assert answer.status_code == 201, answer.text


def test_ending_a_pairing_frees_a_place_for_another_unit(client, session, settings):
    village = village_in(session, COUNTY, 1)
    pairings = [make_pairing(session, make_unit(session), village) for _ in range(5)]
    headers = officer_headers(session, settings)
    newcomer = body_for(make_unit(session), village)
    assert client.post(URL, json=newcomer, headers=headers).status_code == 409

    ended = client.patch(f"{URL}/{pairings[0].id}", json={"active": False}, headers=headers)
    assert ended.status_code == 200, ended.text
    assert ended.json()["active"] is False
    assert stored(session, pairings[0].id).active is False

    answer = client.post(URL, json=newcomer, headers=headers)
    assert answer.status_code == 201, answer.text


def test_reactivating_a_pairing_that_would_make_a_sixth_is_refused(client, session, settings):
    village = village_in(session, COUNTY, 1)
    for _ in range(5):
        make_pairing(session, make_unit(session), village)
    ended = make_pairing(session, make_unit(session), village, active=False)
    answer = client.patch(f"{URL}/{ended.id}", json={"active": True},
                          headers=officer_headers(session, settings))
    assert answer.status_code == 409, answer.text
    assert "最多 5 家" in answer.json()["detail"]
    assert stored(session, ended.id).active is False
    assert pairing_events(session) == 0


def test_reactivating_a_pairing_with_room_in_the_village_works(client, session, settings):
    village = village_in(session, COUNTY, 1)
    for _ in range(4):
        make_pairing(session, make_unit(session), village)
    ended = make_pairing(session, make_unit(session), village, active=False)
    answer = client.patch(f"{URL}/{ended.id}", json={"active": True},
                          headers=officer_headers(session, settings))
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is True and stored(session, ended.id).active is True


def test_reactivating_when_the_unit_already_has_a_new_active_pairing_is_409(client, session, settings):
    unit, village = make_unit(session), village_in(session, COUNTY, 1)
    old = make_pairing(session, unit, village, active=False)
    make_pairing(session, unit, village, signed_on=date(2020, 6, 1))
    answer = client.patch(f"{URL}/{old.id}", json={"active": True},
                          headers=officer_headers(session, settings))
    assert answer.status_code == 409, answer.text
    assert stored(session, old.id).active is False


def test_patch_changes_valid_until_and_funds_and_is_audited(client, session, settings):
    pairing = make_pairing(session, village=village_in(session, COUNTY, 1))
    answer = client.patch(f"{URL}/{pairing.id}",
                          json={"valid_until": "2021-03-31", "committed_funds_wan": "80.25"},
                          headers=officer_headers(session, settings))
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid_until"] == "2021-03-31"
    assert answer.json()["committed_funds_wan"] == "80.25"
    assert answer.json()["active"] is True
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "pairing")).one()
    assert event.action == "update" and event.entity_id == str(pairing.id)
    assert event.before["committed_funds_wan"] == "50" and event.after["committed_funds_wan"] == "80.25"


# --- bad input ------------------------------------------------------------------------------


def test_unknown_village_code_is_422_naming_the_field(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), village_code="530102003999")
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, "village_code")
    assert "530102003999" in answer.json()["detail"][0]["msg"]
    assert pairing_count(session) == 0


def test_unknown_unit_is_422_naming_the_field(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), unit_id=987654)
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, "unit_id")
    assert pairing_count(session) == 0


def test_unknown_unit_and_village_are_both_reported(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), unit_id=987654,
                    village_code="530102003999")
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert answer.status_code == 422, answer.text
    fields = {e["loc"][-1] for e in answer.json()["detail"]}
    assert fields == {"unit_id", "village_code"}


@pytest.mark.parametrize("funds", ["-1", "-0.0001", "1.12345", "abc", "", None, "NaN", "Infinity"])
def test_bad_committed_funds_is_422_naming_the_field(client, session, settings, funds):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), committed_funds_wan=funds)
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, "committed_funds_wan")
    assert pairing_count(session) == 0


def test_negative_committed_funds_message_names_the_label(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), committed_funds_wan="-1")
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert answer.status_code == 422
    assert "至少投入扶贫资金" in answer.json()["detail"][0]["msg"]


def test_valid_until_before_signed_on_is_422(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), signed_on="2020-05-01",
                    valid_until="2020-04-30")
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, "valid_until")
    assert pairing_count(session) == 0


def test_signed_after_campaign_end_without_valid_until_is_422(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), signed_on="2021-01-05")
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, "valid_until")
    assert pairing_count(session) == 0


@pytest.mark.parametrize("field, value", [("status", "active"), ("id", 99), ("active", False),
                                          ("county_code", COUNTY)])
def test_unknown_body_field_is_refused(client, session, settings, field, value):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), **{field: value})
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, field)
    assert answer.json()["detail"][0]["type"] == "extra_forbidden"
    assert pairing_count(session) == 0


@pytest.mark.parametrize("field", ["unit_id", "village_code", "signed_on", "committed_funds_wan"])
def test_missing_required_field_is_named(client, session, settings, field):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1))
    del body[field]
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, field)
    assert pairing_count(session) == 0


def test_bad_signed_on_date_is_422(client, session, settings):
    body = body_for(make_unit(session), village_in(session, COUNTY, 1), signed_on="2020-02-30")
    answer = client.post(URL, json=body, headers=officer_headers(session, settings))
    assert_field_error(answer, "signed_on")


@pytest.mark.parametrize("patch, field", [
    ({"valid_until": "2020-04-01"}, "valid_until"),
    ({"committed_funds_wan": "-5"}, "committed_funds_wan"),
    ({"committed_funds_wan": "1.00001"}, "committed_funds_wan"),
    ({"active": "perhaps"}, "active"),
    ({"unit_id": 1}, "unit_id"),
    ({"signed_on": "2020-01-01"}, "signed_on"),
    ({"active": None}, "active"),
    ({"valid_until": None}, "valid_until"),
    ({"committed_funds_wan": None}, "committed_funds_wan"),
])
def test_bad_patch_is_422_and_changes_nothing(client, session, settings, patch, field):
    pairing = make_pairing(session, village=village_in(session, COUNTY, 1), signed_on=date(2020, 5, 1))
    answer = client.patch(f"{URL}/{pairing.id}", json=patch, headers=officer_headers(session, settings))
    assert_field_error(answer, field)
    row = stored(session, pairing.id)
    assert (row.valid_until, row.committed_funds_wan, row.active, row.signed_on) == (
        date(2020, 12, 31), Decimal("50"), True, date(2020, 5, 1))
    assert pairing_events(session) == 0


# --- who may write --------------------------------------------------------------------------


def test_liaison_may_not_register_a_pairing(client, session, settings):
    unit, village = make_unit(session), village_in(session, COUNTY, 1)
    answer = client.post(URL, json=body_for(unit, village), headers=liaison_headers(session, settings, unit))
    assert answer.status_code == 403, answer.text
    assert pairing_count(session) == 0


def test_liaison_may_not_end_its_own_units_pairing(client, session, settings):
    unit = make_unit(session)
    pairing = make_pairing(session, unit, village_in(session, COUNTY, 1))
    answer = client.patch(f"{URL}/{pairing.id}", json={"active": False},
                          headers=liaison_headers(session, settings, unit))
    assert answer.status_code == 403, answer.text
    assert stored(session, pairing.id).active is True


def test_county_officer_may_not_pair_a_village_of_another_county(client, session, settings):
    village = village_in(session, OTHER_COUNTY, 1)
    answer = client.post(URL, json=body_for(make_unit(session), village),
                         headers=officer_headers(session, settings, COUNTY))
    assert answer.status_code == 403, answer.text
    assert village.code in answer.json()["detail"]
    assert pairing_count(session) == 0 and pairing_events(session) == 0


def test_province_officer_and_admin_may_register_pairings_in_their_scope(client, session, settings):
    province = officer_headers(session, settings, PROVINCE)
    admin = auth_headers(session, settings, make_user(session, Role.admin))
    answer = client.post(URL, json=body_for(make_unit(session), village_in(session, OTHER_COUNTY, 1)),
                         headers=province)
    assert answer.status_code == 201, answer.text
    outside = body_for(make_unit(session), village_in(session, OTHER_PROVINCE_COUNTY, 1))
    assert client.post(URL, json=outside, headers=province).status_code == 403
    assert client.post(URL, json=outside, headers=admin).status_code == 201


def test_no_token_is_401(client, session):
    pairing = make_pairing(session, village=village_in(session, COUNTY, 1))
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{pairing.id}").status_code == 401
    assert client.post(URL, json={}).status_code == 401


def test_unknown_pairing_is_404(client, session, settings):
    headers = auth_headers(session, settings, make_user(session, Role.admin))
    assert client.get(f"{URL}/987654", headers=headers).status_code == 404
    assert client.patch(f"{URL}/987654", json={"active": False}, headers=headers).status_code == 404


# --- lists ----------------------------------------------------------------------------------


def test_list_filters_by_county_and_orders_by_village_code(client, session, settings):
    unit_a, unit_b = make_unit(session), make_unit(session)
    # Created out of order on purpose.
    p3 = make_pairing(session, unit_a, village_in(session, COUNTY, 3))
    p1 = make_pairing(session, unit_b, village_in(session, COUNTY, 1))
    p2 = make_pairing(session, unit_a, village_in(session, COUNTY, 2))
    other = make_pairing(session, unit_a, village_in(session, OTHER_COUNTY, 1))
    headers = officer_headers(session, settings, None)  # national

    answer = client.get(URL, params={"county_code": COUNTY}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"items", "total"}
    assert [i["id"] for i in body["items"]] == [p1.id, p2.id, p3.id] and body["total"] == 3
    assert [i["village_code"] for i in body["items"]] == sorted(i["village_code"] for i in body["items"])

    everything = client.get(URL, headers=headers).json()
    assert [i["id"] for i in everything["items"]] == [p1.id, p2.id, p3.id, other.id]


def test_list_filters_by_unit(client, session, settings):
    unit_a, unit_b = make_unit(session), make_unit(session)
    a1 = make_pairing(session, unit_a, village_in(session, COUNTY, 1))
    make_pairing(session, unit_b, village_in(session, COUNTY, 2))
    a2 = make_pairing(session, unit_a, village_in(session, OTHER_COUNTY, 1))
    headers = officer_headers(session, settings, PROVINCE)
    body = client.get(URL, params={"unit_id": unit_a.id}, headers=headers).json()
    assert [i["id"] for i in body["items"]] == [a1.id, a2.id] and body["total"] == 2
    both = client.get(URL, params={"unit_id": unit_a.id, "county_code": OTHER_COUNTY}, headers=headers).json()
    assert [i["id"] for i in both["items"]] == [a2.id]


def test_list_filters_by_active(client, session, settings):
    village = village_in(session, COUNTY, 1)
    live = make_pairing(session, make_unit(session), village)
    ended = make_pairing(session, make_unit(session), village, active=False)
    headers = officer_headers(session, settings)
    assert [i["id"] for i in client.get(URL, params={"active": "true"}, headers=headers).json()["items"]] \
        == [live.id]
    assert [i["id"] for i in client.get(URL, params={"active": "false"}, headers=headers).json()["items"]] \
        == [ended.id]


def test_same_village_is_ordered_by_signed_date_then_id(client, session, settings):
    village = village_in(session, COUNTY, 1)
    late = make_pairing(session, make_unit(session), village, signed_on=date(2020, 7, 1))
    early = make_pairing(session, make_unit(session), village, signed_on=date(2020, 5, 1))
    early_too = make_pairing(session, make_unit(session), village, signed_on=date(2020, 5, 1))
    items = client.get(URL, headers=officer_headers(session, settings)).json()["items"]
    assert [i["id"] for i in items] == [early.id, early_too.id, late.id]


def test_list_pages_with_limit_and_offset(client, session, settings):
    pairings = [make_pairing(session, make_unit(session), village_in(session, COUNTY, n))
                for n in range(1, 6)]
    headers = officer_headers(session, settings)
    page = client.get(URL, params={"limit": 2, "offset": 2}, headers=headers).json()
    assert page["total"] == 5
    assert [i["id"] for i in page["items"]] == [pairings[2].id, pairings[3].id]
    tail = client.get(URL, params={"limit": 2, "offset": 4}, headers=headers).json()
    assert [i["id"] for i in tail["items"]] == [pairings[4].id] and tail["total"] == 5
    beyond = client.get(URL, params={"offset": 10}, headers=headers).json()
    assert beyond == {"items": [], "total": 5}
    assert client.get(URL, params={"limit": 1000}, headers=headers).status_code == 200


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": "many"}, "limit"),
    ({"offset": -1}, "offset"), ({"unit_id": "abc"}, "unit_id"),
])
def test_bad_list_parameters_are_422(client, session, settings, params, field):
    answer = client.get(URL, params=params, headers=officer_headers(session, settings))
    assert_field_error(answer, field)


def test_list_shows_each_pairings_plan_status(client, session, settings):
    with_plan = make_pairing(session, village=village_in(session, COUNTY, 1))
    without = make_pairing(session, village=village_in(session, COUNTY, 2))
    make_plan(session, with_plan, status="submitted")
    items = client.get(URL, headers=officer_headers(session, settings)).json()["items"]
    assert {i["id"]: i["plan_status"] for i in items} == {with_plan.id: "submitted", without.id: None}


# --- scope ----------------------------------------------------------------------------------


def test_liaison_of_another_unit_cannot_read_or_write_a_pairing(client, session, settings):
    unit_a, unit_b = make_unit(session), make_unit(session)
    mine = make_pairing(session, unit_b, village_in(session, COUNTY, 2))
    theirs = make_pairing(session, unit_a, village_in(session, COUNTY, 1))
    headers = liaison_headers(session, settings, unit_b)

    assert client.get(f"{URL}/{theirs.id}", headers=headers).status_code == 404
    answer = client.patch(f"{URL}/{theirs.id}", json={"active": False}, headers=headers)
    assert answer.status_code == 404, answer.text
    assert stored(session, theirs.id).active is True

    listed = client.get(URL, headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [mine.id] and listed["total"] == 1
    filtered = client.get(URL, params={"unit_id": unit_a.id}, headers=headers).json()
    assert filtered == {"items": [], "total": 0}
    assert client.get(f"{URL}/{mine.id}", headers=headers).status_code == 200


def test_liaison_does_not_see_other_units_pairings_of_its_own_village(client, session, settings):
    unit_a, unit_b = make_unit(session), make_unit(session)
    village = village_in(session, COUNTY, 1)
    mine = make_pairing(session, unit_b, village)
    theirs = make_pairing(session, unit_a, village)
    headers = liaison_headers(session, settings, unit_b)
    assert [i["id"] for i in client.get(URL, headers=headers).json()["items"]] == [mine.id]
    assert client.get(f"{URL}/{theirs.id}", headers=headers).status_code == 404


def test_county_officer_gets_404_for_another_countys_pairing_and_never_sees_it(client, session, settings):
    unit = make_unit(session)
    mine = make_pairing(session, unit, village_in(session, COUNTY, 1))
    theirs = make_pairing(session, unit, village_in(session, OTHER_COUNTY, 1))
    headers = officer_headers(session, settings, COUNTY)

    assert client.get(f"{URL}/{theirs.id}", headers=headers).status_code == 404
    answer = client.patch(f"{URL}/{theirs.id}", json={"active": False}, headers=headers)
    assert answer.status_code == 404, answer.text
    assert stored(session, theirs.id).active is True

    assert [i["id"] for i in client.get(URL, headers=headers).json()["items"]] == [mine.id]
    assert client.get(URL, params={"county_code": OTHER_COUNTY}, headers=headers).json() == \
        {"items": [], "total": 0}
    assert [i["id"] for i in client.get(URL, params={"unit_id": unit.id}, headers=headers).json()["items"]] \
        == [mine.id]


def test_province_officer_sees_both_counties_of_its_province_only(client, session, settings):
    unit = make_unit(session)
    here = make_pairing(session, unit, village_in(session, COUNTY, 1))
    there = make_pairing(session, unit, village_in(session, OTHER_COUNTY, 1))
    elsewhere = make_pairing(session, unit, village_in(session, OTHER_PROVINCE_COUNTY, 1))
    headers = officer_headers(session, settings, PROVINCE)

    listed = client.get(URL, headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [here.id, there.id] and listed["total"] == 2
    assert {i["county_code"] for i in listed["items"]} == {COUNTY, OTHER_COUNTY}
    assert client.get(f"{URL}/{there.id}", headers=headers).status_code == 200
    assert client.get(f"{URL}/{elsewhere.id}", headers=headers).status_code == 404


def test_city_officer_sees_the_counties_of_its_city(client, session, settings):
    unit = make_unit(session)
    here = make_pairing(session, unit, village_in(session, COUNTY, 1))
    other_city = make_pairing(session, unit, make_village(session, code="530302003001"))
    headers = officer_headers(session, settings, "530100000000")
    assert [i["id"] for i in client.get(URL, headers=headers).json()["items"]] == [here.id]
    assert client.get(f"{URL}/{other_city.id}", headers=headers).status_code == 404


def test_a_patch_that_changes_nothing_leaves_no_audit_event(client, session, settings):
    officer = make_user(session, Role.officer, region_code="530102000000")
    pairing = make_pairing(session)
    answer = client.patch(f"/api/v1/pairings/{pairing.id}", json={"active": True},
                          headers=auth_headers(session, settings, officer))
    assert answer.status_code == 200
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "pairing")).all()
    assert events == []


def test_a_yes_no_value_is_not_a_head_count(client, session, settings):
    pairing = make_pairing(session)
    liaison = make_user(session, Role.liaison, unit_id=pairing.unit_id)
    body = plan_body(employment__jobs_target=True)
    answer = client.put(f"/api/v1/pairings/{pairing.id}/plan", json=body,
                        headers=auth_headers(session, settings, liaison))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "employment", "jobs_target"]
    assert "整数" in answer.json()["detail"][0]["msg"]
