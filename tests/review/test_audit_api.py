"""The audit trail: GET /audit in scope, with before and after, and a table the database itself
keeps append-only."""

from datetime import datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEvent
from app.audit.service import record
from app.auth.models import Role
from tests.factories import (
    PASSWORD,
    auth_headers,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
    plan_body,
    report_body,
)
from tests.scenario import CITY, COUNTY, OTHER_COUNTY, OTHER_PROVINCE, PROVINCE, WEEK

AUDIT = "/api/v1/audit"


@pytest.fixture
def headers(session, settings):
    def make(role: Role, region_code: str | None = None, **kw) -> dict:
        return auth_headers(session, settings, make_user(session, role, region_code=region_code, **kw))
    return make


@pytest.fixture
def x(session, headers):
    """A pairing in county X with its liaison and officer."""
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530102006001"))
    make_plan(session, pairing)
    return pairing, headers(Role.liaison, unit_id=pairing.unit_id), headers(Role.officer, COUNTY)


@pytest.fixture
def y(session, headers):
    """A pairing in county Y with its liaison and officer."""
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530103006001"))
    make_plan(session, pairing)
    return pairing, headers(Role.liaison, unit_id=pairing.unit_id), headers(Role.officer, OTHER_COUNTY)


def report_url(pairing, week: str = WEEK) -> str:
    return f"/api/v1/pairings/{pairing.id}/reports/{week}"


def audit(client, headers: dict, **params) -> dict:
    answer = client.get(AUDIT, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def report_events(client, headers: dict, report_id: int) -> list[dict]:
    return audit(client, headers, entity="report", entity_id=str(report_id))["items"]


def test_admin_lists_every_event_newest_first_with_before_and_after(client, session, headers, x, y):
    pairing, liaison, officer = x
    created = client.put(report_url(pairing), json=report_body(), headers=liaison).json()
    client.post(f"{report_url(pairing)}/approve", headers=officer)
    client.put(report_url(y[0]), json=report_body(), headers=y[1])

    body = audit(client, headers(Role.admin))
    items = body["items"]
    assert body["total"] == len(items) >= 3
    ids = [e["id"] for e in items]
    assert ids == sorted(ids, reverse=True)
    assert set(items[0]) >= {"id", "at", "actor", "action", "entity", "entity_id", "before", "after"}
    newest = items[0]
    assert newest["entity"] == "report" and newest["action"] == "create"
    assert newest["before"] is None and newest["after"]["pairing_id"] == y[0].id
    approval = next(e for e in items if e["action"] == "state" and e["entity"] == "report")
    assert approval["entity_id"] == str(created["id"])
    assert approval["before"]["status"] == "submitted" and approval["after"]["status"] == "approved"
    # Times carry their zone (stored in UTC) on both databases.
    assert all(datetime.fromisoformat(e["at"].replace("Z", "+00:00")).tzinfo for e in items)


def test_the_list_pages(client, session, headers, x):
    pairing, liaison, officer = x
    for jobs in (1, 2, 3):
        client.put(report_url(pairing), json=report_body(jobs_done=jobs), headers=liaison)
    admin = headers(Role.admin)
    everything = audit(client, admin)
    page = audit(client, admin, limit=2, offset=1)
    assert page["total"] == everything["total"]
    assert [e["id"] for e in page["items"]] == [e["id"] for e in everything["items"][1:3]]


def test_officers_read_the_trail_of_their_own_region_only(client, session, headers, x, y):
    pairing, liaison, x_officer = x
    client.put(report_url(pairing), json=report_body(), headers=liaison)
    updated = client.put(report_url(pairing), json=report_body(jobs_done=9), headers=liaison)
    assert updated.status_code == 200, updated.text
    report_id = updated.json()["id"]
    other_pairing, other_liaison, y_officer = y
    other_id = client.put(report_url(other_pairing), json=report_body(), headers=other_liaison).json()["id"]

    def seen(h: dict) -> set[tuple[str, str]]:
        return {(e["entity"], e["entity_id"]) for e in audit(client, h, limit=1000)["items"]}

    update = [e for e in report_events(client, x_officer, report_id) if e["action"] == "update"]
    assert len(update) == 1 and update[0]["before"]["jobs_done"] == 8 and update[0]["after"]["jobs_done"] == 9

    assert ("report", str(report_id)) in seen(x_officer)
    assert ("report", str(other_id)) not in seen(x_officer)
    assert ("report", str(other_id)) in seen(y_officer)
    assert ("report", str(report_id)) not in seen(y_officer)
    assert report_events(client, y_officer, report_id) == []
    for above in (headers(Role.officer, PROVINCE), headers(Role.officer, CITY), headers(Role.officer),
                  headers(Role.admin)):
        assert {("report", str(report_id)), ("report", str(other_id))} <= seen(above)
    assert seen(headers(Role.officer, OTHER_PROVINCE)) & {("report", str(report_id)),
                                                         ("report", str(other_id))} == set()


def test_a_county_officer_sees_only_events_of_its_county(client, session, headers, x, y):
    pairing, liaison, x_officer = x
    client.put(report_url(pairing), json=report_body(), headers=liaison)
    client.put(report_url(y[0]), json=report_body(), headers=y[1])
    session.expire_all()
    regions = dict(session.execute(select(AuditEvent.id, AuditEvent.region_code)).all())
    items = audit(client, x_officer, limit=1000)["items"]
    assert items and all((regions[e["id"]] or "").startswith("530102") for e in items)
    expected = sum(1 for code in regions.values() if (code or "").startswith("530102"))
    assert audit(client, x_officer)["total"] == expected


def test_a_liaison_may_not_read_the_trail(client, x):
    _, liaison, _ = x
    answer = client.get(AUDIT, headers=liaison)
    assert answer.status_code == 403, answer.text


def test_the_trail_needs_a_token(client):
    assert client.get(AUDIT).status_code == 401


def test_filters_by_entity_and_entity_id(client, session, headers, x):
    pairing, liaison, officer = x
    first = client.put(report_url(pairing), json=report_body(), headers=liaison).json()
    second = client.put(report_url(pairing, "2020-W28"), json=report_body(jobs_done=5),
                        headers=liaison).json()
    client.put(f"/api/v1/pairings/{pairing.id}/plan", json=plan_body(employment__jobs_target=21),
               headers=liaison)
    admin = headers(Role.admin)

    reports = audit(client, admin, entity="report")["items"]
    assert reports and {e["entity"] for e in reports} == {"report"}
    assert {e["entity_id"] for e in reports} == {str(first["id"]), str(second["id"])}

    one = audit(client, admin, entity="report", entity_id=str(second["id"]))
    assert one["total"] == 1 and one["items"][0]["after"]["week"] == "2020-W28"

    plans = audit(client, admin, entity="plan")["items"]
    assert plans and {e["entity"] for e in plans} == {"plan"}
    assert audit(client, admin, entity="nothing")["items"] == []
    assert audit(client, admin, entity="report", entity_id="999999")["total"] == 0


def test_a_plan_edit_keeps_the_earlier_values_in_before(client, session, headers):
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530102006002"))
    liaison, officer = headers(Role.liaison, unit_id=pairing.unit_id), headers(Role.officer, COUNTY)
    url = f"/api/v1/pairings/{pairing.id}/plan"
    assert client.put(url, json=plan_body(), headers=liaison).status_code == 201
    client.post(f"{url}/submit", headers=liaison)
    client.post(f"{url}/confirm", headers=officer)
    edited = client.put(url, json=plan_body(industry__planned_funds_wan="60",
                                           stationing__members=["张三", "王五"]), headers=liaison)
    assert edited.status_code == 200, edited.text

    events = audit(client, officer, entity="plan")["items"]
    assert len({e["entity_id"] for e in events}) == 1
    update = next(e for e in events if e["action"] == "update")
    assert update["before"]["planned_funds_wan"] == "50" and update["after"]["planned_funds_wan"] == "60"
    assert update["before"]["members"] == ["张三", "李四"] and update["after"]["members"] == ["张三", "王五"]
    assert update["before"]["status"] == "confirmed" and update["after"]["status"] == "submitted"
    assert [(e["action"], e["before"] and e["before"]["status"], e["after"]["status"]) for e in events] == [
        ("update", "confirmed", "submitted"), ("state", "submitted", "confirmed"),
        ("state", "draft", "submitted"), ("create", None, "draft"),
    ]


def test_a_report_approval_shows_the_status_before_and_after(client, session, headers, x):
    pairing, liaison, officer = x
    report = client.put(report_url(pairing), json=report_body(), headers=liaison).json()
    client.post(f"{report_url(pairing)}/approve", headers=officer)
    client.post(f"{report_url(pairing)}/return", json={"reason": "请补充照片"}, headers=officer)
    events = report_events(client, officer, report["id"])
    assert [(e["action"], e["before"] and e["before"]["status"], e["after"]["status"])
            for e in events] == [
        ("state", "approved", "returned"), ("state", "submitted", "approved"), ("create", None, "submitted"),
    ]
    assert events[0]["after"]["return_reason"] == "请补充照片"
    assert events[1]["actor"] != events[2]["actor"]  # the officer approved, the liaison reported


def test_submission_decisions_are_in_the_trail_of_the_county(client, session, headers, x):
    _, _, officer = x
    province = headers(Role.officer, PROVINCE)
    submission = client.post(f"/api/v1/counties/{COUNTY}/submissions/{WEEK}", headers=officer,
                             json={"confirm_incomplete": True, "note": "部分周报待审核"}).json()
    client.post(f"/api/v1/counties/{COUNTY}/submissions/{WEEK}/return", json={"reason": "请核实"},
                headers=province)
    events = audit(client, officer, entity="submission", entity_id=str(submission["id"]))["items"]
    assert [(e["action"], e["after"]["status"]) for e in events] == [
        ("state", "returned"), ("create", "submitted"),
    ]
    assert events[0]["before"]["status"] == "submitted" and events[0]["after"]["return_reason"] == "请核实"
    assert all("snapshot" not in (e["after"] or {}) for e in events)


def test_a_failed_login_is_recorded(client, session, headers):
    user = make_user(session, Role.officer, region_code=COUNTY)
    answer = client.post("/api/v1/auth/token", data={"username": user.username, "password": "wrong"})
    assert answer.status_code == 401
    client.post("/api/v1/auth/token", data={"username": "nobody-at-all", "password": PASSWORD})

    failures = [e for e in audit(client, headers(Role.admin), entity="user")["items"]
                if e["action"] == "login_failed"]
    assert [e["actor"] for e in failures] == ["nobody-at-all", user.username]
    assert failures[1]["entity_id"] == str(user.id)
    assert failures[1]["after"]["username"] == user.username
    assert all("password" not in e["after"] and "password_hash" not in e["after"] for e in failures)
    national = audit(client, headers(Role.officer), entity="user")["items"]
    assert sum(e["action"] == "login_failed" for e in national) == 2


def test_a_created_user_is_audited_without_its_password_hash(client, session, headers):
    county_officer = headers(Role.officer, COUNTY)
    answer = client.post("/api/v1/users", json={
        "username": "county-clerk", "password": "a-long-enough-password-1", "display_name": "县办干事",
        "role": "officer", "region_code": COUNTY,
    }, headers=headers(Role.admin))
    assert answer.status_code == 201, answer.text
    events = audit(client, county_officer, entity="user")["items"]
    created = next(e for e in events if e["action"] == "create")
    assert created["after"]["username"] == "county-clerk"
    assert "password_hash" not in created["after"] and "password" not in created["after"]


def test_a_password_change_is_recorded_by_name_never_by_value(client, session, headers):
    import json

    user = make_user(session, Role.officer, region_code=COUNTY)
    old_hash = user.password_hash
    answer = client.patch(f"/api/v1/users/{user.id}", json={"password": "a-new-long-password-2"},
                          headers=headers(Role.admin))
    assert answer.status_code == 200, answer.text
    session.refresh(user)
    events = [e for e in audit(client, headers(Role.admin), entity="user", entity_id=str(user.id))["items"]
              if e["action"] == "update"]
    assert len(events) == 1
    assert events[0]["after"]["changed_secrets"] == ["password_hash"]
    text_of_event = json.dumps(events[0], ensure_ascii=False)
    assert old_hash not in text_of_event and user.password_hash not in text_of_event
    assert "a-new-long-password-2" not in text_of_event and "$argon2" not in text_of_event


def test_the_same_password_set_again_is_still_recorded_and_a_no_op_update_is_not(client, session, headers):
    user = make_user(session, Role.officer, region_code=COUNTY)
    admin = headers(Role.admin)
    assert client.patch(f"/api/v1/users/{user.id}", json={"password": PASSWORD}, headers=admin).status_code == 200
    assert client.patch(f"/api/v1/users/{user.id}", json={"display_name": user.display_name},
                        headers=admin).status_code == 200
    events = [e for e in audit(client, admin, entity="user", entity_id=str(user.id))["items"]
              if e["action"] == "update"]
    assert [e["after"].get("changed_secrets") for e in events] == [["password_hash"]]


def test_attempts_refused_while_locked_are_recorded(client, session, settings, headers):
    user = make_user(session, Role.officer, region_code=COUNTY)
    for _ in range(settings.login_max_failures + 3):
        client.post("/api/v1/auth/token", data={"username": user.username, "password": "wrong"})
    events = audit(client, headers(Role.admin), entity="user", entity_id=str(user.id))["items"]
    actions = [e["action"] for e in events]
    assert actions.count("login_failed") == settings.login_max_failures
    assert actions.count("login_refused") == 3
    refused = next(e for e in events if e["action"] == "login_refused")
    assert refused["after"]["retry_after"] > 0 and refused["after"]["address"] == "testclient"

# --- append-only ----------------------------------------------------------------------------


@pytest.fixture
def some_events(session) -> list[int]:
    for n in (1, 2):
        record(session, None, "create", "probe", n, after={"n": n}, region_code=COUNTY)
    session.flush()
    return list(session.scalars(select(AuditEvent.id).where(AuditEvent.entity == "probe")
                                .order_by(AuditEvent.id)))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET actor = 'forger' WHERE entity = 'probe'",
    "UPDATE audit_event SET after = NULL",
    "DELETE FROM audit_event WHERE entity = 'probe'",
    "DELETE FROM audit_event",
], ids=["update-one", "update-all", "delete-one", "delete-all"])
def test_the_database_refuses_to_change_the_trail(session, some_events, statement):
    with pytest.raises(DBAPIError) as caught:
        with session.begin_nested():
            session.execute(text(statement))
    # SQLite's triggers refuse it; on PostgreSQL the app's role has no such privilege (and the
    # owner meets the same triggers: tests/test_migrations.py).
    assert "append-only" in str(caught.value) or "permission denied" in str(caught.value)
    session.expire_all()
    rows = session.scalars(select(AuditEvent).where(AuditEvent.entity == "probe")
                           .order_by(AuditEvent.id)).all()
    assert [(r.id, r.actor, r.after) for r in rows] == [
        (some_events[0], "system", {"n": 1}), (some_events[1], "system", {"n": 2}),
    ]


def test_the_trail_still_accepts_new_events(session, some_events):
    with session.begin_nested():
        record(session, None, "create", "probe", 3, after={"n": 3})
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.entity == "probe")) == 3
