"""A returned report, plan or submission tells whoever must act, with the reason: the unit's
liaisons for a report or a plan, the county's officers for its week's table."""

from app.auth.models import Role
from app.pairings.models import PlanStatus
from tests.scenario import COUNTY, WEEK, Scenario


def inbox(client, world, who):
    return client.get("/api/v1/notifications?unread=true", headers=world.headers(who)).json()


def test_a_returned_report_tells_the_units_liaisons_why(client, session, settings):
    world = Scenario(session, settings)
    world.pairing("mine", "530102001001", unit="甲公司", village="大坪村")
    world.user("liaison", Role.liaison, unit="甲公司")
    world.user("colleague", Role.liaison, unit="甲公司")
    world.user("county", Role.officer, COUNTY)
    world.file_report("liaison", "mine")
    answer = client.post(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}/return", json={"reason": "资金数与凭证不符"},
                         headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    for who in ("liaison", "colleague"):
        (notice,) = inbox(client, world, who)
        assert notice["kind"] == "returned" and "大坪村" in notice["title"] and "资金数与凭证不符" in notice["body"]
        assert notice["url"] == f"/pairings/{world.id('mine')}/reports/{WEEK}"
    assert inbox(client, world, "county") == []


def test_a_returned_plan_tells_the_units_liaisons_why(client, session, settings):
    world = Scenario(session, settings)
    world.pairing("mine", "530102001001", unit="甲公司", plan={"status": PlanStatus.submitted})
    world.user("liaison", Role.liaison, unit="甲公司")
    world.user("county", Role.officer, COUNTY)
    answer = client.post(f"/api/v1/pairings/{world.id('mine')}/plan/return", json={"reason": "请补充用工计划"},
                         headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    (notice,) = inbox(client, world, "liaison")
    assert "计划书被退回" in notice["title"] and "请补充用工计划" in notice["body"]


def test_a_returned_week_tells_the_countys_officers_why(client, session, settings):
    world = Scenario(session, settings)
    world.pairing("mine", "530102001001", unit="甲公司")
    world.user("liaison", Role.liaison, unit="甲公司")
    world.user("county", Role.officer, COUNTY)
    world.user("province", Role.officer, "530000000000")
    world.file_report("liaison", "mine")
    world.submit("county")
    answer = client.post(f"/api/v1/counties/{COUNTY}/submissions/{WEEK}/return", json={"reason": "请核实就业人数"},
                         headers=world.headers("province"))
    assert answer.status_code == 200, answer.text
    (notice,) = inbox(client, world, "county")
    assert notice["kind"] == "returned" and WEEK in notice["title"] and "请核实就业人数" in notice["body"]
    assert inbox(client, world, "liaison") == [] and inbox(client, world, "province") == []
