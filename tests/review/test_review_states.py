"""Plan and report states: every transition, allowed and forbidden, and who may make it.

Plans: draft → submitted (liaison) → confirmed or returned with a reason (county); a returned plan
is submitted again; editing a confirmed plan puts it back to submitted.
Reports: submitted → approved or returned with a reason (county); an approved report may still be
returned; a returned report resubmitted by PUT is submitted again.

The clock is pinned to 2020-07-15 (2020-W29)."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.pairings.models import Pairing, Plan
from app.reports.models import Report
from tests.factories import (
    auth_headers,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
    plan_body,
    report_body,
)
from tests.scenario import CITY, COUNTY, OTHER_COUNTY, PROVINCE, WEEK


@dataclass
class Setup:
    pairing: Pairing
    liaison: dict
    officer: dict
    session: object
    settings: object

    @property
    def plan_url(self) -> str:
        return f"/api/v1/pairings/{self.pairing.id}/plan"

    def report_url(self, week: str = WEEK) -> str:
        return f"/api/v1/pairings/{self.pairing.id}/reports/{week}"

    def headers(self, role: Role, region_code: str | None = None, **kw) -> dict:
        return auth_headers(self.session, self.settings,
                            make_user(self.session, role, region_code=region_code, **kw))


@pytest.fixture
def setup(session, settings) -> Setup:
    unit = make_unit(session)
    pairing = make_pairing(session, unit, make_village(session, code="530102004001"))
    return Setup(
        pairing=pairing,
        liaison=auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit.id)),
        officer=auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY)),
        session=session, settings=settings,
    )


# Callers who may read a county's plans and reports but not review them.
NOT_REVIEWERS = {
    "liaison": None,  # the pairing's own liaison, filled in by the fixture
    "province officer": PROVINCE,
    "city officer": CITY,
    "national officer": None,
}


def non_reviewer(setup: Setup, who: str) -> dict:
    if who == "liaison":
        return setup.liaison
    return setup.headers(Role.officer, region_code=NOT_REVIEWERS[who])


def plan_status(session, pairing_id: int) -> Plan:
    session.expire_all()
    return session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()


def stored_report(session, pairing_id: int, week: str = WEEK) -> Report:
    session.expire_all()
    return session.scalars(select(Report).where(Report.pairing_id == pairing_id,
                                                Report.week == week)).first()


def events(session, entity: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.entity == entity)
                                .order_by(AuditEvent.id)))


# --- plans ----------------------------------------------------------------------------------


def test_plan_goes_through_every_state(client, session, setup):
    url = setup.plan_url
    created = client.put(url, json=plan_body(), headers=setup.liaison)
    assert created.status_code == 201 and created.json()["status"] == "draft"

    submitted = client.post(f"{url}/submit", headers=setup.liaison)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"

    returned = client.post(f"{url}/return", json={"reason": "派驻人员名单不全"}, headers=setup.officer)
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reason"] == "派驻人员名单不全"

    again = client.post(f"{url}/submit", headers=setup.liaison)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "submitted" and again.json()["return_reason"] is None

    confirmed = client.post(f"{url}/confirm", headers=setup.officer)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"

    edited = client.put(url, json=plan_body(employment__jobs_target=30), headers=setup.liaison)
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "submitted"
    assert plan_status(session, setup.pairing.id).status == "submitted"

    reconfirmed = client.post(f"{url}/confirm", headers=setup.officer)
    assert reconfirmed.json()["status"] == "confirmed"

    trail = [(e.action, e.before and e.before["status"], e.after["status"])
             for e in events(session, "plan")]
    assert trail == [
        ("create", None, "draft"),
        ("state", "draft", "submitted"),
        ("state", "submitted", "returned"),
        ("state", "returned", "submitted"),
        ("state", "submitted", "confirmed"),
        ("update", "confirmed", "submitted"),
        ("state", "submitted", "confirmed"),
    ]


@pytest.mark.parametrize("who", list(NOT_REVIEWERS))
def test_only_the_county_confirms_or_returns_a_plan(client, session, setup, who):
    make_plan(session, setup.pairing, status="submitted")
    headers = non_reviewer(setup, who)
    assert client.get(setup.plan_url, headers=headers).status_code == 200  # may read it
    confirm = client.post(f"{setup.plan_url}/confirm", headers=headers)
    assert confirm.status_code == 403, confirm.text
    back = client.post(f"{setup.plan_url}/return", json={"reason": "不行"}, headers=headers)
    assert back.status_code == 403, back.text
    plan = plan_status(session, setup.pairing.id)
    assert plan.status == "submitted" and plan.return_reason is None
    assert events(session, "plan") == []


def test_an_officer_of_another_county_gets_404_on_plan_review(client, session, setup):
    make_plan(session, setup.pairing, status="submitted")
    outsider = setup.headers(Role.officer, region_code=OTHER_COUNTY)
    assert client.post(f"{setup.plan_url}/confirm", headers=outsider).status_code == 404
    assert client.post(f"{setup.plan_url}/return", json={"reason": "x"},
                       headers=outsider).status_code == 404
    assert plan_status(session, setup.pairing.id).status == "submitted"


@pytest.mark.parametrize("action, to", [("confirm", "confirmed"), ("return", "returned")])
def test_an_admin_may_review_a_plan(client, session, setup, action, to):
    make_plan(session, setup.pairing, status="submitted")
    admin = setup.headers(Role.admin)
    answer = client.post(f"{setup.plan_url}/{action}", json={"reason": "管理员处理"}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == to


@pytest.mark.parametrize("status", ["draft", "confirmed", "returned"])
def test_confirming_a_plan_not_awaiting_confirmation_is_409(client, session, setup, status):
    make_plan(session, setup.pairing, status=status)
    answer = client.post(f"{setup.plan_url}/confirm", headers=setup.officer)
    assert answer.status_code == 409, answer.text
    assert plan_status(session, setup.pairing.id).status == status


@pytest.mark.parametrize("status", ["draft", "confirmed", "returned"])
def test_returning_a_plan_not_awaiting_confirmation_is_409(client, session, setup, status):
    make_plan(session, setup.pairing, status=status)
    answer = client.post(f"{setup.plan_url}/return", json={"reason": "原因"}, headers=setup.officer)
    assert answer.status_code == 409, answer.text
    assert plan_status(session, setup.pairing.id).status == status


@pytest.mark.parametrize("status", ["submitted", "confirmed"])
def test_submitting_a_plan_twice_or_after_confirmation_is_409(client, session, setup, status):
    make_plan(session, setup.pairing, status=status)
    answer = client.post(f"{setup.plan_url}/submit", headers=setup.liaison)
    assert answer.status_code == 409, answer.text
    assert plan_status(session, setup.pairing.id).status == status


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_returning_a_plan_needs_a_reason(client, session, setup, body):
    make_plan(session, setup.pairing, status="submitted")
    answer = client.post(f"{setup.plan_url}/return", json=body, headers=setup.officer)
    assert answer.status_code == 422, answer.text
    assert any("reason" in e["loc"] for e in answer.json()["detail"])
    assert plan_status(session, setup.pairing.id).status == "submitted"


# --- reports --------------------------------------------------------------------------------


@pytest.fixture
def reported(client, session, setup) -> Setup:
    """The pairing has a confirmed plan and a report for this week, submitted by its liaison."""
    make_plan(session, setup.pairing)
    answer = client.put(setup.report_url(), json=report_body(), headers=setup.liaison)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "submitted"
    return setup


def test_county_approves_a_submitted_report(client, session, reported):
    answer = client.post(f"{reported.report_url()}/approve", headers=reported.officer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "approved" and body["return_reason"] is None
    report = stored_report(session, reported.pairing.id)
    assert report.status == "approved" and report.reviewed_at is not None
    got = client.get(reported.report_url(), headers=reported.liaison).json()
    assert got["status"] == "approved"


def test_county_returns_a_submitted_report_with_a_reason_the_liaison_sees(client, session, reported):
    answer = client.post(f"{reported.report_url()}/return", json={"reason": "就业人数与花名册不符"},
                         headers=reported.officer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "returned"
    assert answer.json()["return_reason"] == "就业人数与花名册不符"
    got = client.get(reported.report_url(), headers=reported.liaison).json()
    assert got["status"] == "returned" and got["return_reason"] == "就业人数与花名册不符"


def test_an_approved_report_may_still_be_returned(client, session, reported):
    client.post(f"{reported.report_url()}/approve", headers=reported.officer)
    answer = client.post(f"{reported.report_url()}/return", json={"reason": "复核发现资金未到位"},
                         headers=reported.officer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "returned"
    assert stored_report(session, reported.pairing.id).return_reason == "复核发现资金未到位"


@pytest.mark.parametrize("first, then", [
    ("approve", "approve"), ("return", "approve"), ("return", "return"),
])
def test_a_review_from_the_wrong_state_is_409(client, session, reported, first, then):
    done = client.post(f"{reported.report_url()}/{first}", json={"reason": "原因"},
                       headers=reported.officer)
    assert done.status_code == 200, done.text
    status = done.json()["status"]
    before = len(events(session, "report"))
    answer = client.post(f"{reported.report_url()}/{then}", json={"reason": "再次"},
                         headers=reported.officer)
    assert answer.status_code == 409, answer.text
    assert isinstance(answer.json()["detail"], str) and status in answer.json()["detail"]
    assert stored_report(session, reported.pairing.id).status == status
    assert len(events(session, "report")) == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
def test_returning_a_report_needs_a_reason(client, session, reported, body):
    answer = client.post(f"{reported.report_url()}/return", json=body, headers=reported.officer)
    assert answer.status_code == 422, answer.text
    assert any("reason" in e["loc"] for e in answer.json()["detail"])
    report = stored_report(session, reported.pairing.id)
    assert report.status == "submitted" and report.return_reason is None


def test_returning_a_report_refuses_unknown_fields(client, session, reported):
    answer = client.post(f"{reported.report_url()}/return", json={"reason": "x", "status": "approved"},
                         headers=reported.officer)
    assert answer.status_code == 422, answer.text
    assert stored_report(session, reported.pairing.id).status == "submitted"


@pytest.mark.parametrize("who", list(NOT_REVIEWERS))
def test_only_the_county_reviews_a_report(client, session, reported, who):
    headers = non_reviewer(reported, who)
    assert client.get(reported.report_url(), headers=headers).status_code == 200  # may read it
    approve = client.post(f"{reported.report_url()}/approve", headers=headers)
    assert approve.status_code == 403, approve.text
    back = client.post(f"{reported.report_url()}/return", json={"reason": "不行"}, headers=headers)
    assert back.status_code == 403, back.text
    report = stored_report(session, reported.pairing.id)
    assert report.status == "submitted" and report.return_reason is None


@pytest.mark.parametrize("action, to", [("approve", "approved"), ("return", "returned")])
def test_an_admin_may_review_a_report(client, session, reported, action, to):
    admin = reported.headers(Role.admin)
    answer = client.post(f"{reported.report_url()}/{action}", json={"reason": "管理员处理"}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == to


@pytest.mark.parametrize("who", ["officer of another county", "liaison of another unit",
                                 "officer of another province"])
def test_out_of_scope_review_is_404(client, session, reported, who):
    headers = {
        "officer of another county": lambda: reported.headers(Role.officer, region_code=OTHER_COUNTY),
        "liaison of another unit": lambda: reported.headers(Role.liaison, unit_id=make_unit(session).id),
        "officer of another province": lambda: reported.headers(Role.officer, region_code="520000000000"),
    }[who]()
    assert client.post(f"{reported.report_url()}/approve", headers=headers).status_code == 404
    assert client.post(f"{reported.report_url()}/return", json={"reason": "x"},
                       headers=headers).status_code == 404
    assert stored_report(session, reported.pairing.id).status == "submitted"


@pytest.mark.parametrize("week", ["2020-W28", "2020-W30"])
def test_review_of_a_week_without_a_report_is_404(client, session, reported, week):
    assert client.post(f"{reported.report_url(week)}/approve", headers=reported.officer).status_code == 404
    assert client.post(f"{reported.report_url(week)}/return", json={"reason": "x"},
                       headers=reported.officer).status_code == 404


@pytest.mark.parametrize("week", ["2020-W99", "nonsense", "9999-W52"])
def test_review_of_a_week_that_cannot_be_is_422_naming_the_week(client, session, reported, week):
    for action, body in (("approve", None), ("return", {"reason": "x"})):
        answer = client.post(f"{reported.report_url(week)}/{action}", json=body, headers=reported.officer)
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == ["path", "week"]
    assert stored_report(session, reported.pairing.id).status == "submitted"


def test_review_of_an_unknown_pairing_is_404(client, session, reported):
    url = f"/api/v1/pairings/999999/reports/{WEEK}"
    assert client.post(f"{url}/approve", headers=reported.officer).status_code == 404


def test_review_needs_a_token(client, reported):
    assert client.post(f"{reported.report_url()}/approve").status_code == 401
    assert client.post(f"{reported.report_url()}/return", json={"reason": "x"}).status_code == 401


def test_a_returned_report_resubmitted_by_put_is_submitted_again_without_the_reason(
        client, session, reported):
    client.post(f"{reported.report_url()}/return", json={"reason": "请补充案例故事"},
                headers=reported.officer)
    fixed = client.put(reported.report_url(), json=report_body(jobs_done=9), headers=reported.liaison)
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["status"] == "submitted" and body["return_reason"] is None
    assert body["stage"] == "reported"
    report = stored_report(session, reported.pairing.id)
    assert report.status == "submitted" and report.return_reason is None and report.reviewed_at is None
    # And the county can review it again.
    again = client.post(f"{reported.report_url()}/approve", headers=reported.officer)
    assert again.status_code == 200 and again.json()["status"] == "approved"


def test_an_approved_report_edited_goes_back_to_submitted(client, session, reported):
    client.post(f"{reported.report_url()}/approve", headers=reported.officer)
    edited = client.put(reported.report_url(), json=report_body(trained_done=20), headers=reported.liaison)
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "submitted" and edited.json()["stage"] == "reported"


def test_report_reviews_are_audited_with_before_and_after(client, session, reported):
    client.post(f"{reported.report_url()}/approve", headers=reported.officer)
    client.post(f"{reported.report_url()}/return", json={"reason": "数据有误"}, headers=reported.officer)
    trail = events(session, "report")
    assert [(e.action, e.before and e.before["status"], e.after["status"]) for e in trail] == [
        ("create", None, "submitted"), ("state", "submitted", "approved"),
        ("state", "approved", "returned"),
    ]
    assert trail[-1].after["return_reason"] == "数据有误"
    assert all(e.region_code == COUNTY for e in trail)
