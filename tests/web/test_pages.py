"""Each page for each role, out-of-scope pages, fragments versus whole pages, and forms that
come back with the user's values and the reasons when input is refused."""

import io
import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.common import clock_now
from app.pairings.models import Plan
from app.reports.models import Report
from tests.factories import (
    make_pairing,
    make_report,
    make_unit,
    make_village,
)
from tests.scenario import COUNTY, LAST_WEEK, PROVINCE, Scenario
from tests.web.pages import browser_login

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(session, settings):
    w = Scenario(session, settings)
    mine = w.pairing("mine", "530102001001", unit="甲公司", village="大坪村")
    make_report(session, mine, LAST_WEEK, funds_arrived_wan=Decimal(10))
    w.pairing("other", "530103001001", unit="乙公司", village="远方村", with_plan=False)
    w.user("liaison", Role.liaison, unit="甲公司", display_name="联络员甲")
    w.user("county", Role.officer, COUNTY)
    w.user("province", Role.officer, PROVINCE)
    w.user("national", Role.officer)
    return {**w.pairings, **w.users}


@pytest.mark.parametrize("who,path,expect", [
    ("liaison", "/", "本单位结对帮扶项目"),
    ("liaison", "/pairings/{mine}/plan", "举措五"),
    ("liaison", "/pairings/{mine}/plan/print", "乙方代表"),
    ("liaison", "/pairings/{mine}/reports/2020-W29", "上次（2020-W28）：10"),
    ("county", "/", "本周未报"),
    ("county", "/pairings/{mine}/plan", "举措一"),
    ("county", "/counties/530102000000/table", "结对帮扶项目进展统计表"),
    ("province", "/", "各县本周报送情况"),
    ("province", "/provinces/530000000000/table", "分县汇总表"),
    ("province", "/counties/530103000000/table", "盘龙区"),
    ("national", "/", "各省本周报送情况"),
    ("national", "/national/table", "全国分省汇总表"),
])
def test_each_role_reaches_its_pages(client, world, who, path, expect):
    browser_login(client, world[who])
    answer = client.get(path.format(mine=world["mine"].id))
    assert answer.status_code == 200, answer.text[:500]
    assert expect in answer.text
    assert answer.text.lstrip().startswith("<!doctype html>")


@pytest.mark.parametrize("who,path", [
    ("liaison", "/pairings/{other}/plan"),
    ("liaison", "/pairings/{other}/reports/2020-W29"),
    ("liaison", "/counties/530102000000/table"),
    ("county", "/pairings/{other}/plan"),
    ("county", "/counties/530103000000/table"),
    ("county", "/provinces/530000000000/table"),
    ("county", "/national/table"),
    ("province", "/national/table"),
    ("county", "/counties/530103000000/table.xlsx"),
])
def test_out_of_scope_pages_are_404(client, world, who, path):
    browser_login(client, world[who])
    answer = client.get(path.format(other=world["other"].id))
    assert answer.status_code == 404
    assert "未找到" in answer.text


def test_htmx_gets_the_table_block_and_a_plain_request_the_whole_page(client, world):
    browser_login(client, world["county"])
    url = f"/counties/{COUNTY}/table?week=2020-W28"
    whole = client.get(url).text
    part = client.get(url, headers={"HX-Request": "true"}).text
    assert "<html" in whole and "<html" not in part
    assert part.lstrip().startswith('<div id="annex">') and "大坪村" in part


def test_table_downloads_work_with_the_session(client, world):
    browser_login(client, world["county"])
    answer = client.get(f"/counties/{COUNTY}/table.xlsx?week=2020-W28")
    assert answer.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert ws["B5"].value == "大坪村"
    csv = client.get(f"/counties/{COUNTY}/table.csv?week=2020-W28")
    assert csv.content.startswith("\ufeff".encode())


def test_a_bad_week_on_a_page_is_a_page_not_a_stack_trace(client, world):
    browser_login(client, world["county"])
    answer = client.get(f"/counties/{COUNTY}/table?week=2020-W99")
    assert answer.status_code == 422 and "不存在" in answer.text and "<html" in answer.text


def plan_form(**overrides):
    form = {"industry.planned_funds_wan": "50", "industry.planned_materials_wan": "10",
            "industry.usage_plan": "建大棚", "industry.has_project": "true",
            "industry.project_plan": "蔬菜", "consumption.sales_target_wan": "30",
            "consumption.self_purchase_wan": "10", "consumption.market_link_wan": "20",
            "employment.jobs_target": "20", "employment.unit_jobs": "5",
            "training.trainees_target": "40", "stationing.will_station": "false", "action": "save"}
    form.update(overrides)
    return form


def test_plan_form_refusal_keeps_what_was_typed_and_says_why(client, session, world):
    token = browser_login(client, world["liaison"])
    pairing = make_pairing(session, make_unit(session), make_village(session, code="530102001002"))
    world["liaison"].unit_id = pairing.unit_id
    session.flush()
    form = plan_form(**{"consumption.self_purchase_wan": "25", "employment.jobs_target": "abc",
                        "csrf_token": token})
    answer = client.post(f"/pairings/{pairing.id}/plan", data=form)
    assert answer.status_code == 422
    assert 'value="25"' in answer.text and 'value="abc"' in answer.text
    assert "计划解决就业（人）必须是整数" in answer.text
    assert session.scalars(select(Plan).where(Plan.pairing_id == pairing.id)).first() is None
    form.update({"employment.jobs_target": "20", "consumption.self_purchase_wan": "10",
                 "action": "submit"})
    answer = client.post(f"/pairings/{pairing.id}/plan", data=form)
    assert answer.status_code == 200 and "已提交待确认" in answer.text
    stored = session.scalars(select(Plan).where(Plan.pairing_id == pairing.id)).one()
    assert (stored.status, stored.sales_target_wan, stored.unit_jobs) == ("submitted", Decimal(30), 5)


def test_plan_live_check_returns_out_of_band_messages(client, world):
    token = browser_login(client, world["liaison"])
    answer = client.post(f"/pairings/{world['mine'].id}/plan/check",
                         data=plan_form(**{"industry.project_plan": ""}),
                         headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert answer.status_code == 200
    assert 'id="err-industry-project_plan"' in answer.text and "hx-swap-oob" in answer.text
    assert "有相关项目时必须填写促进产业扶贫计划" in answer.text
    quiet = client.post(f"/pairings/{world['mine'].id}/plan/check", data=plan_form(),
                        headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert "必须填写" not in quiet.text


def test_county_officer_confirms_or_returns_a_submitted_plan_on_the_page(client, session, world):
    plan = session.scalars(select(Plan).where(Plan.pairing_id == world["mine"].id)).one()
    plan.status = "submitted"
    session.flush()
    token = browser_login(client, world["county"])
    page = client.get(f"/pairings/{world['mine'].id}/plan").text
    assert "确认计划书" in page
    answer = client.post(f"/pairings/{world['mine'].id}/plan/return", data={"csrf_token": token,
                                                                            "reason": ""})
    assert answer.status_code == 422 and "请填写退回原因" in answer.text
    answer = client.post(f"/pairings/{world['mine'].id}/plan/return",
                         data={"csrf_token": token, "reason": "资金用途不具体"})
    assert "退回原因：资金用途不具体" in answer.text


def report_form(**overrides):
    form = {"funds_arrived_wan": "20", "materials_arrived_wan": "5", "industry_plan_done": "false",
            "sales_done_wan": "12.5", "jobs_done": "8", "trained_done": "15", "stationed_now": "2",
            "beneficiaries": "", "progress": "大棚完工", "story.title": "", "story.body": "",
            "correction_note": ""}
    form.update(overrides)
    return form


def test_report_form_saves_and_a_decrease_needs_the_note(client, session, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W29"
    answer = client.post(url, data=report_form(funds_arrived_wan="5", csrf_token=token))
    assert answer.status_code == 422
    assert "资金已到位总投入（万元）由 10 减为 5" in answer.text and 'value="5"' in answer.text
    assert session.scalars(select(Report).where(Report.week == "2020-W29")).first() is None
    answer = client.post(url, data=report_form(funds_arrived_wan="5", correction_note="上周多报",
                                               csrf_token=token))
    assert answer.status_code == 200 and "本周进展已报送" in answer.text
    stored = session.scalars(select(Report).where(Report.week == "2020-W29")).one()
    assert stored.funds_arrived_wan == Decimal(5) and stored.story_body is None


@pytest.mark.parametrize("funds, jobs", [("4", "1"), ("４万", "1人")], ids=["plain", "as-typed"])
def test_report_live_check_computes_percentages_and_warns_of_a_decrease(client, world, funds, jobs):
    token = browser_login(client, world["liaison"])
    answer = client.post(f"/pairings/{world['mine'].id}/reports/2020-W29/check",
                         data=report_form(funds_arrived_wan=funds, jobs_done=jobs),
                         headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert 'id="pct-funds_arrived_wan"' in answer.text and "完成计划 8.00%" in answer.text
    assert "完成计划 5.00%" in answer.text  # 1 of 20 jobs
    assert "由 10 减为 4" in answer.text


def test_last_week_is_marked_late_before_saving(client, world):
    browser_login(client, world["liaison"])
    page = client.get(f"/pairings/{world['mine'].id}/reports/2020-W27").text
    assert "已过截止时间" in page


def test_report_form_reads_full_width_digits_separators_and_units(client, session, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W29"
    answer = client.post(url, data=report_form(funds_arrived_wan="１２０", materials_arrived_wan="1,000",
                                               sales_done_wan="12.5万", jobs_done="８", trained_done="1,500人",
                                               csrf_token=token))
    assert answer.status_code == 200 and "本周进展已报送" in answer.text, answer.text
    stored = session.scalars(select(Report).where(Report.week == "2020-W29")).one()
    assert (stored.funds_arrived_wan, stored.materials_arrived_wan, stored.sales_done_wan) == (
        Decimal(120), Decimal(1000), Decimal("12.5"))
    assert (stored.jobs_done, stored.trained_done) == (8, 1500)



def test_the_phones_save_time_travels_with_the_form_and_the_county_sees_it(client, session, settings, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W29"
    phone_time = clock_now(settings) - timedelta(hours=3)  # saved without signal, sent now from the outbox
    answer = client.post(url, data=report_form(client_saved_at=phone_time.isoformat(), csrf_token=token))
    assert answer.status_code == 200 and "本周进展已报送" in answer.text, answer.text
    stored = session.scalars(select(Report).where(Report.week == "2020-W29")).one()
    assert stored.client_saved_at == phone_time
    shown = f"手机上 {phone_time.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 保存，服务器 {stored.submitted_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 收到"
    assert shown in answer.text
    client.cookies.clear()
    browser_login(client, world["county"])
    assert shown in client.get(url).text
    queue = client.get("/review").text  # a narrow cell: the short form, the whole sentence as its title
    assert f'title="{shown}">手机 {phone_time.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 保存</span>' in queue


def test_a_save_sent_at_once_shows_no_phone_time_and_a_garbage_one_is_refused(client, session, settings, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W29"
    refused = client.post(url, data=report_form(client_saved_at="not a time", csrf_token=token))
    assert refused.status_code == 422 and "手机保存时间必须是时间" in refused.text
    assert session.scalars(select(Report).where(Report.week == "2020-W29")).all() == []
    answer = client.post(url, data=report_form(client_saved_at=clock_now(settings).isoformat(), csrf_token=token))
    assert answer.status_code == 200 and "手机上" not in answer.text


def test_a_week_not_yet_filed_opens_with_the_latest_reports_figures_marked_as_carried(client, session, world):
    session.get(Report, session.scalars(select(Report.id).where(Report.week == LAST_WEEK)).one()).industry_plan_done = True
    session.flush()
    browser_login(client, world["liaison"])
    page = client.get(f"/pairings/{world['mine'].id}/reports/2020-W29").text
    assert "已沿用上次（2020-W28）报送的累计数和选择" in page and page.count("沿用上次</span>") == 8
    assert 'name="funds_arrived_wan" value="10"' in page and 'name="jobs_done" value="8"' in page
    assert 'name="industry_plan_done" value="true" checked' in page  # not silently back to 否
    assert "本周无新进展" in page
    # The week already filed shows its own report, not the one before.
    make_report(session, world["mine"], "2020-W29", funds_arrived_wan=Decimal(12))
    page = client.get(f"/pairings/{world['mine'].id}/reports/2020-W29").text
    assert 'name="funds_arrived_wan" value="12"' in page and "已沿用上次" not in page


def test_a_save_with_one_field_changed_stores_it_and_carries_the_rest(client, session, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W29"
    page = client.get(url).text
    form = {name: value for name, value in re.findall(r'name="([a-z_.]+)" value="([^"]*)"', page)
            if name not in ("csrf_token", "action")}  # a browser sends only the button pressed
    form.update(jobs_done="11", progress="新增 3 人务工", industry_plan_done="false", csrf_token=token)
    answer = client.post(url, data=form)
    assert answer.status_code == 200 and "本周进展已报送" in answer.text, answer.text
    stored = session.scalars(select(Report).where(Report.week == "2020-W29")).one()
    before = session.scalars(select(Report).where(Report.week == LAST_WEEK)).one()
    assert stored.jobs_done == 11
    assert [getattr(stored, f) for f in ("funds_arrived_wan", "materials_arrived_wan", "sales_done_wan",
                                         "trained_done", "stationed_now", "beneficiaries")] == [
        getattr(before, f) for f in ("funds_arrived_wan", "materials_arrived_wan", "sales_done_wan",
                                     "trained_done", "stationed_now", "beneficiaries")]


def test_no_new_progress_files_last_weeks_figures_with_a_progress_text(client, session, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W29"
    typed = report_form(funds_arrived_wan="999", progress="", action="unchanged", csrf_token=token)
    answer = client.post(url, data=typed)
    assert answer.status_code == 422 and "本周项目进展" in answer.text
    assert session.scalars(select(Report).where(Report.week == "2020-W29")).first() is None
    answer = client.post(url, data={**typed, "progress": "本周无新进展，继续跟进大棚销售"})
    assert answer.status_code == 200 and "本周进展已报送" in answer.text, answer.text
    stored = session.scalars(select(Report).where(Report.week == "2020-W29")).one()
    before = session.scalars(select(Report).where(Report.week == LAST_WEEK)).one()
    assert stored.funds_arrived_wan == before.funds_arrived_wan == Decimal(10)  # not the 999 typed
    assert (stored.jobs_done, stored.beneficiaries, stored.progress) == (before.jobs_done, before.beneficiaries,
                                                                         "本周无新进展，继续跟进大棚销售")


def test_no_new_progress_without_any_earlier_report_is_refused(client, session, world):
    token = browser_login(client, world["liaison"])
    url = f"/pairings/{world['mine'].id}/reports/2020-W27"
    answer = client.post(url, data=report_form(action="unchanged", csrf_token=token))
    assert answer.status_code == 422 and "此前没有报送过周报" in answer.text
    assert session.scalars(select(Report).where(Report.week == "2020-W27")).first() is None
