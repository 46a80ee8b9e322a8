"""The review pages: the county's queue, flags on the report form and the table, submitting
the week and the province deciding on it."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.reports.models import Report
from app.review.models import Flag
from app.stats.models import Submission
from tests.scenario import COUNTY, PROVINCE, WEEK, Scenario, return_week, submit_week
from tests.web.pages import browser_login


@pytest.fixture
def world(session, client, settings):
    w = Scenario(session, settings)
    w.pairing("pairing", "530102001001", unit="甲公司", village="大坪村")
    w.user("liaison", Role.liaison, unit="甲公司")
    # Through the real flow, so the rules run: S3 fires at more than 10000 万元.
    w.file_report("liaison", "pairing", WEEK, funds_arrived_wan="20000")
    w.user("county", Role.officer, COUNTY)
    w.user("province", Role.officer, PROVINCE)
    return {**w.pairings, **w.users}


def test_review_queue_lists_flags_and_reports_and_resolves_a_flag(client, session, world):
    token = browser_login(client, world["county"])
    page = client.get("/review").text
    # S3 (more than 1 亿元), S4 (666 万元 a head) and S5 (more than three times the plan of 50 万元)
    assert "存疑数据（3）" in page and "待审核的周报（1）" in page
    assert all(f">{rule}</span>" in page for rule in ("S3", "S4", "S5"))
    flag = session.scalars(select(Flag).where(Flag.rule == "S3")).one()
    refused = client.post(f"/review/flags/{flag.id}/resolve", data={"csrf_token": token,
                                                                    "resolution": "verified", "note": ""})
    assert refused.status_code == 422 and "不能为空" in refused.text
    answer = client.post(f"/review/flags/{flag.id}/resolve",
                         data={"csrf_token": token, "resolution": "verified", "note": "大额捐赠，已核实"})
    assert answer.status_code == 200 and "存疑数据（2）" in answer.text
    session.refresh(flag)
    assert (flag.status, flag.note) == ("verified", "大额捐赠，已核实")


def test_review_queue_approves_and_returns_reports(client, session, world):
    token = browser_login(client, world["county"])
    pid = world["pairing"].id
    answer = client.post(f"/review/reports/{pid}/{WEEK}/return", data={"csrf_token": token, "reason": ""})
    assert answer.status_code == 422 and "请填写退回原因" in answer.text
    answer = client.post(f"/review/reports/{pid}/{WEEK}/approve", data={"csrf_token": token})
    assert "周报已审核通过" in answer.text
    assert session.scalars(select(Report)).one().status == "approved"


def test_only_county_officers_open_the_review_queue(client, world):
    browser_login(client, world["liaison"])
    assert client.get("/review").status_code == 403
    client.cookies.clear()
    browser_login(client, world["province"])
    assert client.get("/review").status_code == 403


def test_flags_show_on_the_report_form_and_in_the_table(client, world):
    browser_login(client, world["county"])
    form = client.get(f"/pairings/{world['pairing'].id}/reports/{WEEK}").text
    assert "S3" in form and "审核通过" in form
    table = client.get(f"/counties/{COUNTY}/table?week={WEEK}").text
    assert 'class="num flagged"' in table and "存疑" in table


def test_submitting_locks_the_week_until_the_province_returns_it(client, session, world):
    token = browser_login(client, world["county"])
    answer = client.post(f"/counties/{COUNTY}/submissions/{WEEK}",
                         data={"csrf_token": token, "confirm_incomplete": "true", "note": "待审核周报下周补审"})
    assert answer.status_code == 200 and "本周周报已锁定" in answer.text
    assert "上报省扶贫办" not in client.get(f"/counties/{COUNTY}/table?week={WEEK}").text

    client.cookies.clear()
    liaison_token = browser_login(client, world["liaison"])
    form = client.get(f"/pairings/{world['pairing'].id}/reports/{WEEK}").text
    assert "本周周报已锁定" in form and "报送本周进展" not in form
    refused = client.post(f"/pairings/{world['pairing'].id}/reports/{WEEK}",
                          data={"csrf_token": liaison_token, "funds_arrived_wan": "1",
                                "materials_arrived_wan": "0", "industry_plan_done": "false",
                                "sales_done_wan": "0", "jobs_done": "0", "trained_done": "0",
                                "stationed_now": "0", "progress": "x", "correction_note": "改"})
    assert refused.status_code == 409 and "上报编号" in refused.text

    client.cookies.clear()
    token = browser_login(client, world["province"])
    page = client.get(f"/counties/{COUNTY}/submissions/{WEEK}").text
    assert "接收" in page and "退回县级修改" in page and "大坪村" in page
    answer = client.post(f"/counties/{COUNTY}/submissions/{WEEK}/return",
                         data={"csrf_token": token, "reason": "请核实大额资金"})
    assert "县级周报已解锁" in answer.text
    assert session.scalars(select(Submission)).one().status == "returned"


def test_the_province_worklist_shows_which_counties_submitted(client, session, world, settings):
    submit_week(session, settings, world["county"], COUNTY, WEEK)
    browser_login(client, world["province"])
    page = client.get("/").text
    assert "已上报，待省级审核" in page and f"/counties/{COUNTY}/submissions/{WEEK}" in page


def test_a_county_officer_cannot_accept_its_own_submission(client, session, world, settings):
    submit_week(session, settings, world["county"], COUNTY, WEEK)
    token = browser_login(client, world["county"])
    assert "接收</button>" not in client.get(f"/counties/{COUNTY}/submissions/{WEEK}").text
    answer = client.post(f"/counties/{COUNTY}/submissions/{WEEK}/accept", data={"csrf_token": token})
    assert answer.status_code == 403
    assert session.scalars(select(Submission)).one().status == "submitted"


def test_money_in_the_frozen_snapshot_stays_as_submitted(client, session, world, settings):
    submission = submit_week(session, settings, world["county"], COUNTY, WEEK)
    return_week(session, settings, world["province"], COUNTY, WEEK, "请核实")
    report = session.scalars(select(Report)).one()
    report.funds_arrived_wan = Decimal(5)
    session.flush()
    browser_login(client, world["province"])
    page = client.get(f"/counties/{COUNTY}/submissions/{WEEK}").text
    assert "20000" in page and submission.snapshot["total"]["funds_arrived_wan"] == "20000"
