"""Ending a pairing through PATCH /pairings/{id} with why and the unit that takes the village over
(接力帮扶, 004 §五(五)4): the successor's pairing is found or signed on the end date, the two are
linked both ways, the five-units-a-village rule still holds, and officers manage the liaisons they
look after (a new password, deactivation) through PATCH /users/{id}."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role, WebSession
from app.pairings.models import Pairing
from tests.factories import PASSWORD, auth_headers, make_pairing, make_unit, make_user, make_village
from tests.scenario import COUNTY, OTHER_COUNTY, PROVINCE

URL = "/api/v1/pairings"
END_DAY = date(2020, 7, 15)  # the tests' clock


@pytest.fixture
def county(session, settings):
    return auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY))


@pytest.fixture
def village(session):
    return make_village(session, code="530102004001", name="接力村")


def stored(session, pairing_id: int) -> Pairing:
    session.expire_all()
    return session.get(Pairing, pairing_id)


def pairing_events(session, pairing_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.entity == "pairing",
                                                         AuditEvent.entity_id == str(pairing_id))))


def test_ending_with_a_new_successor_signs_its_pairing_on_the_end_date_and_links_both_ways(
        client, session, county, village):
    leaving = make_pairing(session, village=village)
    taker = make_unit(session, name="接力农业有限公司")
    answer = client.patch(f"{URL}/{leaving.id}", json={
        "active": False, "end_reason": "企业经营困难，无法继续帮扶", "successor_unit_id": taker.id,
        "successor_committed_funds_wan": "40"}, headers=county)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["active"], body["ended_on"], body["end_reason"]) == (False, "2020-07-15", "企业经营困难，无法继续帮扶")
    new = session.scalars(select(Pairing).where(Pairing.unit_id == taker.id)).one()
    assert body["successor_id"] == new.id and body["predecessor_id"] is None
    assert (new.active, new.signed_on, new.committed_funds_wan, new.village_id) == (True, END_DAY, Decimal(40), village.id)
    successor = client.get(f"{URL}/{new.id}", headers=county).json()
    assert successor["predecessor_id"] == leaving.id and successor["successor_id"] is None
    listed = {p["id"]: p for p in client.get(URL, params={"county_code": COUNTY}, headers=county).json()["items"]}
    assert listed[new.id]["predecessor_id"] == leaving.id and listed[leaving.id]["successor_id"] == new.id
    trail = pairing_events(session, leaving.id)
    assert [e.after["successor_id"] for e in trail if e.after and "successor_id" in e.after][-1] == new.id
    assert [e.action for e in pairing_events(session, new.id)] == ["create"]


def test_a_successor_already_paired_with_the_village_is_linked_without_a_new_pairing(client, session, county, village):
    leaving = make_pairing(session, village=village)
    staying = make_pairing(session, village=village)
    answer = client.patch(f"{URL}/{leaving.id}", json={"active": False, "successor_unit_id": staying.unit_id},
                          headers=county)
    assert answer.status_code == 200, answer.text
    assert answer.json()["successor_id"] == staying.id
    assert session.scalar(select(func.count()).select_from(Pairing).where(Pairing.village_id == village.id)) == 2
    # Committed funds are for a new pairing only.
    other = make_pairing(session, village=village)
    refused = client.patch(f"{URL}/{other.id}", json={"active": False, "successor_unit_id": staying.unit_id},
                           headers=county)
    assert refused.status_code == 409 and f"结对 {staying.id} 已是结对 {leaving.id} 的接力帮扶" in refused.json()["detail"]
    assert stored(session, other.id).active


@pytest.mark.parametrize("body, field", [
    ({"active": False, "successor_unit_id": "self"}, "successor_unit_id"),
    ({"active": False, "successor_unit_id": 987654}, "successor_unit_id"),
    ({"active": False, "successor_unit_id": "new"}, "successor_committed_funds_wan"),
    ({"active": False, "successor_committed_funds_wan": "10"}, "successor_committed_funds_wan"),
    ({"end_reason": "没有终止"}, "end_reason"),
    ({"active": False, "end_reason": ""}, "end_reason"),
    ({"active": False, "successor_unit_id": "new", "successor_committed_funds_wan": "-1"}, "successor_committed_funds_wan"),
])
def test_bad_endings_are_422_naming_the_field_and_change_nothing(client, session, county, village, body, field):
    leaving = make_pairing(session, village=village)
    if body.get("successor_unit_id") == "self":
        body = {**body, "successor_unit_id": leaving.unit_id}
    elif body.get("successor_unit_id") == "new":
        body = {**body, "successor_unit_id": make_unit(session).id}
    answer = client.patch(f"{URL}/{leaving.id}", json=body, headers=county)
    assert answer.status_code == 422, answer.text
    assert any(field in e["loc"] for e in answer.json()["detail"]), answer.json()
    row = stored(session, leaving.id)
    assert (row.active, row.end_reason, row.successor_id) == (True, None, None)
    assert pairing_events(session, leaving.id) == []


def test_a_pairing_already_ended_may_name_its_successor_later_but_only_once(client, session, county, village):
    leaving = make_pairing(session, village=village, active=False, ended_on=date(2020, 7, 1))
    taker, second = make_unit(session), make_unit(session)
    answer = client.patch(f"{URL}/{leaving.id}", json={"successor_unit_id": taker.id, "successor_committed_funds_wan": "5",
                                                       "end_reason": "主动退出"}, headers=county)
    assert answer.status_code == 200, answer.text
    new = session.scalars(select(Pairing).where(Pairing.unit_id == taker.id)).one()
    assert new.signed_on == date(2020, 7, 1) and answer.json()["successor_id"] == new.id
    again = client.patch(f"{URL}/{leaving.id}", json={"successor_unit_id": second.id, "successor_committed_funds_wan": "5"},
                         headers=county)
    assert again.status_code == 409 and f"已由结对 {new.id} 接力帮扶" in again.json()["detail"]


def test_the_successor_of_a_full_village_is_refused_as_the_sixth_unit(client, session, county, village):
    ended = make_pairing(session, village=village, active=False, ended_on=date(2020, 7, 1))
    for _ in range(5):
        make_pairing(session, village=village)
    answer = client.patch(f"{URL}/{ended.id}", json={"successor_unit_id": make_unit(session).id,
                                                     "successor_committed_funds_wan": "5"}, headers=county)
    assert answer.status_code == 409 and "每村最多 5 家" in answer.json()["detail"]
    assert stored(session, ended.id).successor_id is None
    assert session.scalar(select(func.count()).select_from(Pairing).where(Pairing.village_id == village.id)) == 6


def test_replacing_one_of_five_units_is_not_a_sixth(client, session, county, village):
    pairings = [make_pairing(session, village=village) for _ in range(5)]
    answer = client.patch(f"{URL}/{pairings[0].id}", json={"active": False, "successor_unit_id": make_unit(session).id,
                                                          "successor_committed_funds_wan": "5"}, headers=county)
    assert answer.status_code == 200, answer.text


def test_reactivating_forgets_why_it_ended_and_who_took_over(client, session, county, village):
    leaving = make_pairing(session, village=village)
    client.patch(f"{URL}/{leaving.id}", json={"active": False, "end_reason": "误操作",
                                              "successor_unit_id": make_unit(session).id,
                                              "successor_committed_funds_wan": "5"}, headers=county)
    answer = client.patch(f"{URL}/{leaving.id}", json={"active": True}, headers=county)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["end_reason"], answer.json()["successor_id"], answer.json()["ended_on"]) == (None, None, None)


def test_another_countys_pairing_cannot_be_ended(client, session, settings, village):
    other = auth_headers(session, settings, make_user(session, Role.officer, region_code=OTHER_COUNTY))
    leaving = make_pairing(session, village=village)
    answer = client.patch(f"{URL}/{leaving.id}", json={"active": False, "end_reason": "x"}, headers=other)
    assert answer.status_code == 404 and stored(session, leaving.id).active


# --- liaisons managed by the officers who look after them ---------------------------------------


def test_a_county_officer_sets_a_new_password_for_a_liaison_and_deactivates_it(client, session, settings, county):
    paired = make_pairing(session)
    liaison = make_user(session, Role.liaison, unit_id=paired.unit_id)
    session.add(WebSession(key_hash="k" * 64, user_id=liaison.id, expires_at=datetime(2999, 1, 1, tzinfo=UTC)))
    session.flush()
    old = liaison.password_hash
    answer = client.patch(f"/api/v1/users/{liaison.id}", json={"password": "a-new-secret-9"}, headers=county)
    assert answer.status_code == 200, answer.text
    session.refresh(liaison)
    assert liaison.password_hash != old
    assert session.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id == liaison.id)) == 0
    assert client.post("/api/v1/auth/token", data={"username": liaison.username, "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": liaison.username,
                                                   "password": "a-new-secret-9"}).status_code == 200
    off = client.patch(f"/api/v1/users/{liaison.id}", json={"active": False}, headers=county)
    assert off.status_code == 200 and off.json()["active"] is False
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.action == "update",
                                                      AuditEvent.entity_id == str(liaison.id))).all()
    assert len(events) == 2 and events[1].after["active"] is False
    assert events[0].after["changed_secrets"] == ["password_hash"] and "password_hash" not in events[0].after


def test_officers_manage_only_the_accounts_they_answer_for(client, session, settings, county):
    elsewhere = make_user(session, Role.liaison, unit_id=make_pairing(
        session, village=make_village(session, code="530103004001")).unit_id)
    peer = make_user(session, Role.officer, region_code=COUNTY)
    assert client.patch(f"/api/v1/users/{elsewhere.id}", json={"active": False}, headers=county).status_code == 404
    refused = client.patch(f"/api/v1/users/{peer.id}", json={"password": "a-new-secret-9"}, headers=county)
    assert refused.status_code == 403
    province = auth_headers(session, settings, make_user(session, Role.officer, region_code=PROVINCE))
    assert client.patch(f"/api/v1/users/{peer.id}", json={"active": False}, headers=province).status_code == 200
    # Renaming stays with the admins.
    assert client.patch(f"/api/v1/users/{peer.id}", json={"display_name": "改名"}, headers=province).status_code == 403
