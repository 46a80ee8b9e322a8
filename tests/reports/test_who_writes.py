"""SPEC "Who writes what" over HTTP: liaisons write their unit's plans and reports, a county officer
(or an admin) may file them on the unit's behalf and the record says who did, city, province and
national officers read only; a liaison edits its unit's contact details, not its name, kind or
credit code."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.pairings.models import Plan
from app.reports.models import Report
from app.units.models import Unit
from tests.factories import credit_code, plan_body, report_body
from tests.scenario import CITY, COUNTY, PROVINCE, WEEK, Scenario
from tests.web.pages import browser_login

API = "/api/v1"


@pytest.fixture
def world(session, settings) -> Scenario:
    w = Scenario(session, settings)
    w.pairing("mine", "530102001001", unit="甲公司", village="大坪村", with_plan=False)
    w.user("liaison", Role.liaison, unit="甲公司", display_name="联络员甲")
    w.user("county", Role.officer, COUNTY, display_name="五华区扶贫办小王")
    w.user("city", Role.officer, CITY)
    w.user("province", Role.officer, PROVINCE)
    w.user("national", Role.officer)
    w.user("admin", Role.admin)
    return w


def stored_report(session, pairing_id: int) -> Report | None:
    session.expire_all()
    return session.scalars(select(Report).where(Report.pairing_id == pairing_id, Report.week == WEEK)).first()


@pytest.mark.parametrize("who", ["city", "province", "national"])
def test_officers_above_the_county_read_but_may_not_write_a_plan_or_a_report(client, session, world, who):
    pid = world.id("mine")
    headers = world.headers(who)
    plan = client.put(f"{API}/pairings/{pid}/plan", json=plan_body(), headers=headers)
    report = client.put(f"{API}/pairings/{pid}/reports/{WEEK}", json=report_body(), headers=headers)
    for answer in (plan, report):
        assert answer.status_code == 403, answer.text
        assert "只查看数据" in answer.json()["detail"]
    assert session.scalars(select(Plan).where(Plan.pairing_id == pid)).first() is None
    assert stored_report(session, pid) is None
    assert client.get(f"{API}/pairings/{pid}", headers=headers).status_code == 200


@pytest.mark.parametrize("who", ["county", "admin"])
def test_the_county_or_an_admin_files_on_the_units_behalf_and_the_record_says_who(client, session, world, who):
    pid = world.id("mine")
    plan = client.put(f"{API}/pairings/{pid}/plan", json=plan_body(), headers=world.headers(who))
    assert plan.status_code == 201, plan.text
    assert plan.json()["updated_by"] == world.users[who].id
    report = client.put(f"{API}/pairings/{pid}/reports/{WEEK}", json=report_body(), headers=world.headers(who))
    assert report.status_code == 201, report.text
    assert report.json()["submitted_by"] == world.users[who].id
    assert stored_report(session, pid).submitted_by == world.users[who].id


def test_the_report_page_names_the_county_officer_who_filed_for_the_unit(client, session, world):
    world.file_report("county", "mine", WEEK)
    browser_login(client, world.users["liaison"])
    page = client.get(f"/pairings/{world.id('mine')}/reports/{WEEK}").text
    assert "本周进展由五华区扶贫办小王代帮扶单位填报" in page


def test_a_report_the_liaison_filed_names_nobody(client, session, world):
    world.file_report("liaison", "mine", WEEK)
    browser_login(client, world.users["county"])
    page = client.get(f"/pairings/{world.id('mine')}/reports/{WEEK}").text
    assert "代帮扶单位填报。" not in page
    assert "您正以扶贫办工作人员身份代帮扶单位填报" in page  # the county may still file


def test_a_province_officer_sees_the_report_form_without_a_save_button(client, session, world):
    browser_login(client, world.users["province"])
    page = client.get(f"/pairings/{world.id('mine')}/reports/{WEEK}").text
    assert "报送本周进展" not in page and "disabled" in page


@pytest.mark.parametrize("change", [{"name": "改名公司"}, {"kind": "social_org"},
                                    {"credit_code": credit_code(424242)}])
def test_a_liaison_may_not_change_its_units_name_kind_or_credit_code(client, session, world, change):
    unit = world.units["甲公司"]
    before = (unit.name, unit.kind, unit.credit_code)
    answer = client.patch(f"{API}/units/{unit.id}", json=change, headers=world.headers("liaison"))
    assert answer.status_code == 403, answer.text
    assert "信息联络员只能修改本单位的联系信息" in answer.json()["detail"]
    session.expire_all()
    stored = session.get(Unit, unit.id)
    assert (stored.name, stored.kind, stored.credit_code) == before


def test_a_liaison_changes_its_units_contact_details(client, session, world):
    unit = world.units["甲公司"]
    answer = client.patch(f"{API}/units/{unit.id}", json={"contact_name": "李主任"}, headers=world.headers("liaison"))
    assert answer.status_code == 200 and answer.json()["contact_name"] == "李主任"


def test_a_constraint_race_lost_on_a_page_is_a_409_page_not_json(app, client, world):
    @app.get("/pages-test/conflict")
    def conflict() -> None:
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    browser_login(client, world.users["county"])
    answer = client.get("/pages-test/conflict")
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("text/html")
    assert "数据冲突" in answer.text and "<html" in answer.text
    fragment = client.get("/pages-test/conflict", headers={"HX-Request": "true"})
    assert fragment.status_code == 409 and fragment.headers["HX-Retarget"] == "#flash"


@pytest.mark.parametrize("who", ["city", "province", "national"])
def test_a_reader_is_refused_with_403_even_for_a_malformed_body(client, world, who):
    pid = world.id("mine")
    headers = world.headers(who)
    plan = client.put(f"{API}/pairings/{pid}/plan", json={"industry": {"planned_funds_wan": "很多"}}, headers=headers)
    report = client.put(f"{API}/pairings/{pid}/reports/{WEEK}", json=report_body(jobs_done=-1), headers=headers)
    assert (plan.status_code, report.status_code) == (403, 403), (plan.text, report.text)


def test_a_reader_posting_the_report_page_is_refused_whatever_it_holds(client, world):
    token = browser_login(client, world.users["city"])
    answer = client.post(f"/pairings/{world.id('mine')}/reports/{WEEK}",
                         data={"csrf_token": token, "jobs_done": "-1"})
    assert answer.status_code == 403 and "只查看数据" in answer.text


def test_a_report_returned_while_the_liaison_resends_it_goes_back_for_review(session, settings, world):
    """The access loads the week's report before the write takes its row lock: the write reads the
    row again under the lock, so a return that landed in between is seen."""
    from sqlalchemy import text

    from app.reports.flows import save_report
    from app.reports.models import ReportIn
    from app.reports.policy import report_access
    from tests.scenario import access

    world.file_report("liaison", "mine", WEEK)
    week = report_access(session, access(session, world.users["liaison"], world.id("mine")), WEEK)
    # The county's return, by another writer: straight to the row, past this session's objects.
    session.connection().execute(text("UPDATE report SET status = 'returned', return_reason = '请核实' "
                                      "WHERE id = :id"), {"id": week.report.id})
    saved, created, _flags = save_report(session, settings, week, ReportIn.model_validate(report_body()))
    assert created is False
    assert stored_report(session, world.id("mine")).status == "submitted"
