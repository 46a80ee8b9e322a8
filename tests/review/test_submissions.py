"""County submissions of the weekly table: the frozen snapshot, the week lock, the province's
accept and return, resubmission, and the stage every value carries.

The clock is pinned to 2020-07-15 (2020-W29)."""

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.pairings.models import Pairing
from app.reports.models import Report
from app.stats.models import Submission
from tests.conftest import TEST_TODAY
from tests.factories import (
    auth_headers,
    make_report,
    make_user,
    plan_body,
    report_body,
)
from tests.scenario import CITY, COUNTY, LAST_WEEK, OTHER_COUNTY, OTHER_PROVINCE, PROVINCE, WEEK, Scenario


@dataclass
class World:
    """County X (two pairings) and county Y (one pairing) of one province, with their users."""

    session: object
    settings: object
    pairings: list[Pairing]  # [X1, X2]: both in COUNTY
    other: Pairing  # in OTHER_COUNTY
    liaisons: dict[int, dict] = field(default_factory=dict)  # pairing id -> headers
    officer: dict = field(default_factory=dict)  # COUNTY
    other_officer: dict = field(default_factory=dict)  # OTHER_COUNTY
    province: dict = field(default_factory=dict)

    def headers(self, role: Role, region_code: str | None = None, **kw) -> dict:
        return auth_headers(self.session, self.settings,
                            make_user(self.session, role, region_code=region_code, **kw))

    def liaison(self, pairing: Pairing) -> dict:
        return self.liaisons[pairing.id]


def report_url(pairing: Pairing, week: str = WEEK) -> str:
    return f"/api/v1/pairings/{pairing.id}/reports/{week}"


# These tests submit weeks with a report unreviewed or missing: confirmed as such (the checklist's
# own rules are tests/stats/test_checklist.py's).
CONFIRM = {"confirm_incomplete": True, "note": "第二份周报待审核，先行上报"}


def sub_url(county: str = COUNTY, week: str = WEEK) -> str:
    return f"/api/v1/counties/{county}/submissions/{week}"


def table_url(county: str = COUNTY, week: str = WEEK) -> str:
    return f"/api/v1/counties/{county}/weekly-table?week={week}"


@pytest.fixture
def world(session, settings) -> World:
    s = Scenario(session, settings)
    pairings = [s.pairing("x1", "530102005001"), s.pairing("x2", "530102005002")]
    other = s.pairing("y", "530103005001")
    w = World(session=session, settings=settings, pairings=pairings, other=other)
    for pairing in [*pairings, other]:
        w.liaisons[pairing.id] = w.headers(Role.liaison, unit_id=pairing.unit_id)
    w.officer = w.headers(Role.officer, COUNTY)
    w.other_officer = w.headers(Role.officer, OTHER_COUNTY)
    w.province = w.headers(Role.officer, PROVINCE)
    return w


@pytest.fixture
def reported(client, world) -> World:
    """Both pairings of county X reported this week; the first report is approved."""
    first, second = world.pairings
    for pairing in world.pairings:
        answer = client.put(report_url(pairing), json=report_body(), headers=world.liaison(pairing))
        assert answer.status_code == 201, answer.text
    approved = client.post(f"{report_url(first)}/approve", headers=world.officer)
    assert approved.status_code == 200, approved.text
    return world


@pytest.fixture
def submitted(client, reported) -> dict:
    answer = client.post(sub_url(), json=CONFIRM, headers=reported.officer)
    assert answer.status_code == 201, answer.text
    return answer.json()


def stored_report(session, pairing: Pairing, week: str = WEEK) -> Report:
    session.expire_all()
    return session.scalars(select(Report).where(Report.pairing_id == pairing.id,
                                                Report.week == week)).first()


# --- submitting -----------------------------------------------------------------------------


def test_county_submits_its_week_with_a_snapshot_of_the_table(client, session, reported):
    table = client.get(table_url(), headers=reported.officer)
    assert table.status_code == 200, table.text
    answer = client.post(sub_url(), json=CONFIRM, headers=reported.officer)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "submitted" and body["county_code"] == COUNTY and body["week"] == WEEK
    assert body["id"] and body["submitted_at"] and body["decided_at"] is None
    assert body["return_reason"] is None
    assert body["snapshot"] == table.json()
    assert [row["pairing_id"] for row in body["snapshot"]["rows"]] == [p.id for p in reported.pairings]

    got = client.get(sub_url(), headers=reported.officer)
    assert got.status_code == 200 and got.json() == body
    listed = client.get(f"/api/v1/counties/{COUNTY}/submissions", headers=reported.officer)
    assert listed.status_code == 200
    assert [(s["id"], s["status"]) for s in listed.json()] == [(body["id"], "submitted")]
    assert "snapshot" not in listed.json()[0]


def test_the_province_reads_the_county_submission(client, session, reported, submitted):
    got = client.get(sub_url(), headers=reported.province)
    assert got.status_code == 200 and got.json()["id"] == submitted["id"]
    assert client.get(f"/api/v1/counties/{COUNTY}/submissions",
                      headers=reported.province).json()[0]["id"] == submitted["id"]


def test_submission_is_audited_without_the_snapshot(client, session, reported, submitted):
    session.expire_all()
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "submission")).one()
    assert event.action == "create" and event.entity_id == str(submitted["id"])
    assert event.region_code == COUNTY and event.before is None
    assert event.after["status"] == "submitted" and "snapshot" not in event.after


def test_a_second_submission_of_the_same_week_is_409(client, session, reported, submitted):
    again = client.post(sub_url(), json=CONFIRM, headers=reported.officer)
    assert again.status_code == 409, again.text
    assert f"上报编号 {submitted['id']}" in again.json()["detail"]
    assert len(session.scalars(select(Submission)).all()) == 1


def test_an_accepted_week_cannot_be_submitted_again(client, session, reported, submitted):
    client.post(f"{sub_url()}/accept", headers=reported.province)
    again = client.post(sub_url(), json=CONFIRM, headers=reported.officer)
    assert again.status_code == 409, again.text


def test_a_county_without_reports_may_still_submit_its_table_when_it_confirms(client, session, world):
    refused = client.post(sub_url(), headers=world.officer)
    assert refused.status_code == 409, refused.text
    answer = client.post(sub_url(), json=CONFIRM, headers=world.officer)
    assert answer.status_code == 201, answer.text
    assert answer.json()["snapshot"]["not_reported"] == 2
    assert answer.json()["checklist"]["missing"] == 2 and answer.json()["note"] == CONFIRM["note"]


def test_another_county_officer_gets_404_on_submitting(client, session, reported):
    answer = client.post(sub_url(), json=CONFIRM, headers=reported.other_officer)
    assert answer.status_code == 404, answer.text
    assert client.get(sub_url(), headers=reported.other_officer).status_code == 404
    assert client.get(f"/api/v1/counties/{COUNTY}/submissions",
                      headers=reported.other_officer).status_code == 404
    assert session.scalars(select(Submission)).all() == []


@pytest.mark.parametrize("region", [PROVINCE, CITY, None], ids=["province", "city", "national"])
def test_an_officer_above_the_county_may_not_submit_it(client, session, reported, region):
    answer = client.post(sub_url(), json=CONFIRM, headers=reported.headers(Role.officer, region))
    assert answer.status_code == 403, answer.text
    assert session.scalars(select(Submission)).all() == []


def test_a_liaison_may_not_submit_or_read_submissions(client, session, reported, submitted):
    liaison = reported.liaison(reported.pairings[0])
    assert client.post(sub_url(week=LAST_WEEK), headers=liaison).status_code == 404
    assert client.get(sub_url(), headers=liaison).status_code == 404


def test_an_admin_may_submit(client, session, reported):
    answer = client.post(sub_url(), json=CONFIRM, headers=reported.headers(Role.admin))
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("week", ["2020-W30", "2020-W10", "2020-W54", "2020-W99", "2020W29", "x"])
def test_a_bad_week_is_422(client, session, reported, week):
    answer = client.post(sub_url(week=week), headers=reported.officer)
    assert answer.status_code == 422, answer.text
    assert any(e["loc"] == ["path", "week"] for e in answer.json()["detail"])
    assert session.scalars(select(Submission)).all() == []


def test_an_unknown_county_is_404(client, session, reported):
    admin = reported.headers(Role.admin)
    assert client.post(sub_url(county="539999000000"), headers=admin).status_code == 404
    # A province code is not a county.
    assert client.post(sub_url(county=PROVINCE), headers=admin).status_code == 404


def test_submissions_need_a_token(client, reported):
    assert client.post(sub_url()).status_code == 401
    assert client.post(f"{sub_url()}/accept").status_code == 401


# --- the week lock --------------------------------------------------------------------------


def test_reports_of_a_submitted_week_are_locked(client, session, reported, submitted):
    first, second = reported.pairings
    answer = client.put(report_url(second), json=report_body(jobs_done=12),
                        headers=reported.liaison(second))
    assert answer.status_code == 409, answer.text
    assert f"上报编号 {submitted['id']}" in answer.json()["detail"]
    assert stored_report(session, second).jobs_done == 8

    # Also for the county officer, who could otherwise write reports of the county.
    by_officer = client.put(report_url(second), json=report_body(jobs_done=12), headers=reported.officer)
    assert by_officer.status_code == 409


def test_reviewing_a_report_of_a_submitted_week_is_409(client, session, reported, submitted):
    first, second = reported.pairings
    approve = client.post(f"{report_url(second)}/approve", headers=reported.officer)
    assert approve.status_code == 409, approve.text
    assert f"上报编号 {submitted['id']}" in approve.json()["detail"]
    back = client.post(f"{report_url(first)}/return", json={"reason": "再核实"}, headers=reported.officer)
    assert back.status_code == 409, back.text
    assert stored_report(session, first).status == "approved"
    assert stored_report(session, second).status == "submitted"


def test_a_first_report_for_a_submitted_week_is_locked_too(client, session, world):
    first, second = world.pairings
    client.put(report_url(first), json=report_body(), headers=world.liaison(first))
    submission = client.post(sub_url(), json=CONFIRM, headers=world.officer).json()
    late = client.put(report_url(second), json=report_body(), headers=world.liaison(second))
    assert late.status_code == 409, late.text
    assert f"上报编号 {submission['id']}" in late.json()["detail"]
    assert stored_report(session, second) is None


def test_another_week_and_another_county_are_not_locked(client, session, reported, submitted):
    first, _ = reported.pairings
    last_week = client.put(report_url(first, LAST_WEEK), json=report_body(jobs_done=5),
                           headers=reported.liaison(first))
    assert last_week.status_code == 201, last_week.text
    other = client.put(report_url(reported.other), json=report_body(),
                       headers=reported.liaison(reported.other))
    assert other.status_code == 201, other.text
    approve = client.post(f"{report_url(reported.other)}/approve", headers=reported.other_officer)
    assert approve.status_code == 200, approve.text
    # County Y submits its own week independently.
    assert client.post(sub_url(OTHER_COUNTY), json=CONFIRM, headers=reported.other_officer).status_code == 201


# --- the province decides -------------------------------------------------------------------


def test_province_accepts_and_the_week_stays_locked(client, session, reported, submitted):
    answer = client.post(f"{sub_url()}/accept", headers=reported.province)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == submitted["id"] and body["status"] == "accepted"
    assert body["decided_at"] and body["return_reason"] is None
    # Decided on the campaign clock, as the submission was sent (the suite's today is in 2020).
    assert body["decided_at"][:10] == body["submitted_at"][:10] == TEST_TODAY.isoformat()

    _, second = reported.pairings
    locked = client.put(report_url(second), json=report_body(jobs_done=12),
                        headers=reported.liaison(second))
    assert locked.status_code == 409, locked.text
    assert f"上报编号 {submitted['id']}" in locked.json()["detail"]
    assert client.post(f"{report_url(second)}/approve", headers=reported.officer).status_code == 409

    session.expire_all()
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "submission",
                                                     AuditEvent.action == "state")).one()
    assert event.before["status"] == "submitted" and event.after["status"] == "accepted"
    assert "snapshot" not in event.before and "snapshot" not in event.after


def test_province_returns_with_a_reason_and_the_week_unlocks(client, session, reported, submitted):
    answer = client.post(f"{sub_url()}/return", json={"reason": "第二个村就业人数偏高，请核实"},
                         headers=reported.province)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "returned" and body["return_reason"] == "第二个村就业人数偏高，请核实"
    got = client.get(sub_url(), headers=reported.officer).json()
    assert got["status"] == "returned" and got["return_reason"] == "第二个村就业人数偏高，请核实"

    _, second = reported.pairings
    edited = client.put(report_url(second), json=report_body(jobs_done=6), headers=reported.liaison(second))
    assert edited.status_code == 200, edited.text
    assert edited.json()["jobs_done"] == 6
    approve = client.post(f"{report_url(second)}/approve", headers=reported.officer)
    assert approve.status_code == 200, approve.text


@pytest.mark.parametrize("role", [Role.officer, Role.admin], ids=["national", "admin"])
def test_the_national_office_and_admins_may_decide_too(client, session, reported, submitted, role):
    answer = client.post(f"{sub_url()}/accept", headers=reported.headers(role))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"


@pytest.mark.parametrize("action", ["accept", "return"])
def test_the_county_may_not_decide_its_own_submission(client, session, reported, submitted, action):
    answer = client.post(f"{sub_url()}/{action}", json={"reason": "自己退回"}, headers=reported.officer)
    assert answer.status_code == 403, answer.text
    assert client.get(sub_url(), headers=reported.officer).json()["status"] == "submitted"


@pytest.mark.parametrize("action", ["accept", "return"])
def test_another_province_gets_404_on_deciding(client, session, reported, submitted, action):
    outsider = reported.headers(Role.officer, OTHER_PROVINCE)
    answer = client.post(f"{sub_url()}/{action}", json={"reason": "退回"}, headers=outsider)
    assert answer.status_code == 404, answer.text
    assert client.get(sub_url(), headers=outsider).status_code == 404
    assert client.get(sub_url(), headers=reported.officer).json()["status"] == "submitted"


@pytest.mark.parametrize("action", ["accept", "return"])
def test_a_liaison_gets_404_on_deciding(client, session, reported, submitted, action):
    liaison = reported.liaison(reported.pairings[0])
    answer = client.post(f"{sub_url()}/{action}", json={"reason": "退回"}, headers=liaison)
    assert answer.status_code == 404, answer.text


@pytest.mark.parametrize("first, then", [
    ("accept", "accept"), ("return", "accept"), ("return", "return"),
])
def test_a_decided_submission_cannot_be_decided_again(client, session, reported, submitted, first, then):
    done = client.post(f"{sub_url()}/{first}", json={"reason": "退回"}, headers=reported.province)
    assert done.status_code == 200, done.text
    answer = client.post(f"{sub_url()}/{then}", json={"reason": "再退回"}, headers=reported.province)
    assert answer.status_code == 409, answer.text
    assert client.get(sub_url(), headers=reported.officer).json()["status"] == done.json()["status"]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}])
def test_returning_a_submission_needs_a_reason(client, session, reported, submitted, body):
    answer = client.post(f"{sub_url()}/return", json=body, headers=reported.province)
    assert answer.status_code == 422, answer.text
    assert client.get(sub_url(), headers=reported.officer).json()["status"] == "submitted"


def test_deciding_a_week_never_submitted_is_404(client, session, reported):
    assert client.post(f"{sub_url()}/accept", headers=reported.province).status_code == 404
    assert client.post(f"{sub_url()}/return", json={"reason": "x"},
                       headers=reported.province).status_code == 404
    assert client.get(sub_url(), headers=reported.province).status_code == 404


def test_resubmitting_after_a_return_creates_a_new_submission(client, session, reported, submitted):
    client.post(f"{sub_url()}/return", json={"reason": "请核实"}, headers=reported.province)
    _, second = reported.pairings
    client.put(report_url(second), json=report_body(jobs_done=6), headers=reported.liaison(second))

    again = client.post(sub_url(), json=CONFIRM, headers=reported.officer)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != submitted["id"] and again.json()["status"] == "submitted"
    assert client.get(sub_url(), headers=reported.officer).json()["id"] == again.json()["id"]

    listed = client.get(f"/api/v1/counties/{COUNTY}/submissions", headers=reported.officer).json()
    assert [(s["id"], s["status"]) for s in listed] == [
        (again.json()["id"], "submitted"), (submitted["id"], "returned"),
    ]
    # The week is locked again.
    assert client.put(report_url(second), json=report_body(jobs_done=7),
                      headers=reported.liaison(second)).status_code == 409
    # And the province may accept the new one.
    accepted = client.post(f"{sub_url()}/accept", headers=reported.province)
    assert accepted.status_code == 200 and accepted.json()["id"] == again.json()["id"]


# --- the snapshot stays frozen --------------------------------------------------------------


def test_the_snapshot_of_a_returned_submission_stays_as_submitted(client, session, reported, submitted):
    frozen = submitted["snapshot"]
    client.post(f"{sub_url()}/return", json={"reason": "请核实"}, headers=reported.province)
    _, second = reported.pairings
    edited = client.put(report_url(second), json=report_body(jobs_done=6, funds_arrived_wan="25"),
                        headers=reported.liaison(second))
    assert edited.status_code == 200, edited.text
    live = client.get(table_url(), headers=reported.officer).json()
    assert live != frozen
    assert live["rows"][1]["jobs_done"] == 6

    assert client.get(sub_url(), headers=reported.officer).json()["snapshot"] == frozen
    again = client.post(sub_url(), json=CONFIRM, headers=reported.officer).json()
    assert again["snapshot"] == live

    listed = client.get(f"/api/v1/counties/{COUNTY}/submissions", headers=reported.officer).json()
    old_id = next(s["id"] for s in listed if s["status"] == "returned")
    assert old_id == submitted["id"]
    session.expire_all()
    assert session.get(Submission, old_id).snapshot == frozen
    assert frozen["rows"][1]["jobs_done"] == 8


def test_the_snapshot_ignores_later_changes_outside_the_lock(client, session, world):
    """Plans and earlier weeks are not locked; the table moves, the snapshot does not."""
    first, second = world.pairings
    make_report(session, second, LAST_WEEK, jobs_done=3)  # carried forward into this week
    client.put(report_url(first), json=report_body(), headers=world.liaison(first))
    submission = client.post(sub_url(), json=CONFIRM, headers=world.officer).json()
    frozen = submission["snapshot"]
    assert frozen["rows"][1]["reported_this_week"] is False and frozen["rows"][1]["jobs_done"] == 3

    earlier = client.put(report_url(second, LAST_WEEK), json=report_body(jobs_done=4),
                         headers=world.liaison(second))
    assert earlier.status_code == 200, earlier.text
    plan = client.put(f"/api/v1/pairings/{first.id}/plan", json=plan_body(employment__jobs_target=40),
                      headers=world.liaison(first))
    assert plan.status_code == 200, plan.text
    live = client.get(table_url(), headers=world.officer).json()
    assert live["rows"][1]["jobs_done"] == 4 and live["rows"][0]["jobs_planned"] == 40

    assert client.get(sub_url(), headers=world.officer).json()["snapshot"] == frozen
    session.expire_all()
    assert session.get(Submission, submission["id"]).snapshot == frozen


# --- stages ---------------------------------------------------------------------------------


def row_of(client, headers, pairing: Pairing) -> dict:
    table = client.get(table_url(), headers=headers).json()
    return next(row for row in table["rows"] if row["pairing_id"] == pairing.id)


def test_a_value_moves_from_reported_to_county_approved_to_province_accepted(client, session, world):
    first, _ = world.pairings
    url, liaison = report_url(first), world.liaison(first)
    assert row_of(client, world.officer, first)["stage"] is None  # nothing reported yet

    put = client.put(url, json=report_body(), headers=liaison)
    assert put.json()["stage"] == "reported"
    assert client.get(url, headers=liaison).json()["stage"] == "reported"
    assert row_of(client, world.officer, first)["stage"] == "reported"

    approved = client.post(f"{url}/approve", headers=world.officer)
    assert approved.json()["stage"] == "county_approved"
    assert client.get(url, headers=liaison).json()["stage"] == "county_approved"
    assert row_of(client, world.officer, first)["stage"] == "county_approved"

    client.post(sub_url(), json=CONFIRM, headers=world.officer)
    assert client.get(url, headers=liaison).json()["stage"] == "county_approved"
    assert row_of(client, world.officer, first)["stage"] == "county_approved"

    client.post(f"{sub_url()}/accept", headers=world.province)
    assert client.get(url, headers=liaison).json()["stage"] == "province_accepted"
    assert row_of(client, world.officer, first)["stage"] == "province_accepted"
    assert row_of(client, world.province, first)["stage"] == "province_accepted"
    listed = client.get(f"/api/v1/pairings/{first.id}/reports", headers=liaison).json()
    assert [r["stage"] for r in listed["items"]] == ["province_accepted"]


def test_a_returned_week_is_no_longer_province_accepted(client, session, reported, submitted):
    first, _ = reported.pairings
    client.post(f"{sub_url()}/return", json={"reason": "请核实"}, headers=reported.province)
    assert client.get(report_url(first), headers=reported.officer).json()["stage"] == "county_approved"
    assert row_of(client, reported.officer, first)["stage"] == "county_approved"


def test_the_week_accepted_does_not_lift_other_weeks(client, session, world):
    first, _ = world.pairings
    client.put(report_url(first, LAST_WEEK), json=report_body(jobs_done=5), headers=world.liaison(first))
    client.put(report_url(first), json=report_body(), headers=world.liaison(first))
    client.post(sub_url(), json=CONFIRM, headers=world.officer)
    client.post(f"{sub_url()}/accept", headers=world.province)
    assert client.get(report_url(first), headers=world.officer).json()["stage"] == "province_accepted"
    assert client.get(report_url(first, LAST_WEEK), headers=world.officer).json()["stage"] == "reported"
    other = client.put(report_url(world.other), json=report_body(), headers=world.liaison(world.other))
    assert other.json()["stage"] == "reported"


def test_an_accepted_week_can_still_be_returned_which_unlocks_it(client, session, reported, submitted):
    assert client.post(f"{sub_url()}/accept", headers=reported.province).status_code == 200
    answer = client.post(f"{sub_url()}/return", json={"reason": "发现错报"}, headers=reported.province)
    assert answer.status_code == 200 and answer.json()["status"] == "returned"


def test_the_city_above_the_county_may_accept_its_submission(client, session, settings, reported, submitted):
    from tests.factories import auth_headers, make_user

    city = auth_headers(session, settings, make_user(session, Role.officer, region_code=CITY))
    answer = client.post(f"{sub_url()}/accept", headers=city)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
