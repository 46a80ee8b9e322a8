"""The forms and the table in a real browser: htmx, the live checks and the week switch."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fill_report, login

pytestmark = pytest.mark.browser
SAVED = re.compile("本周进展已(报送|更新)")


def test_plan_form_checks_live_and_submits(page, live_server):
    login(page, "liaison")
    page.goto(f"/pairings/{live_server['pairing']}/plan")
    project_plan = page.locator("textarea[name='industry.project_plan']")
    expect(project_plan).to_be_hidden()

    page.fill("input[name='industry.planned_funds_wan']", "50")
    page.check("input[name='industry.has_project'][value=true]")
    expect(project_plan).to_be_visible()
    message = page.locator("#err-industry-project_plan")
    expect(message).to_have_text("有相关项目时必须填写促进产业扶贫计划")
    project_plan.fill("建设蔬菜大棚 10 座")
    expect(message).to_be_empty()

    page.fill("input[name='consumption.sales_target_wan']", "30")
    page.fill("input[name='consumption.self_purchase_wan']", "40")
    sales = page.locator("#err-consumption-sales_target_wan")
    expect(sales).to_contain_text("超过计划销售收入")
    page.fill("input[name='consumption.self_purchase_wan']", "10")
    expect(sales).to_be_empty()

    page.check("input[name='stationing.will_station'][value=true]")
    page.fill("input[name='stationing.stationed_target']", "1")
    page.fill("input[name='stationing.start_date']", "2020-06-01")
    page.fill("textarea[name='stationing.members']", "张三")
    page.click("button[value=submit]")
    expect(page.locator("#plan-status")).to_contain_text("已提交待确认")
    expect(page.locator("p.success")).to_contain_text("已保存并提交")
    expect(page.locator("input[name='industry.planned_funds_wan']")).to_have_value("50")


def test_the_week_after_a_report_opens_with_its_figures_and_one_change_is_enough(page, live_server):
    login(page, "liaison")
    url = f"/pairings/{live_server['planned']}/reports/2020-W29"
    page.goto(url)
    expect(page.locator("#carried")).to_contain_text("已沿用上次（2020-W28）")
    expect(page.locator("input[name=funds_arrived_wan]")).to_have_value("30")
    expect(page.locator("input[name=jobs_done]")).to_have_value("6")
    page.fill("input[name=jobs_done]", "7")
    page.fill("textarea[name=progress]", "新增 1 人进棚务工")
    page.click("text=报送本周进展")
    expect(page.locator("p.success")).to_contain_text("本周进展已报送")
    page.goto(url)
    expect(page.locator("#carried")).to_have_count(0)
    expect(page.locator("input[name=funds_arrived_wan]")).to_have_value("30")
    expect(page.locator("input[name=jobs_done]")).to_have_value("7")


def test_weekly_report_shows_percentages_as_one_types_and_submits(page, live_server):
    login(page, "liaison")
    page.goto(f"/pairings/{live_server['planned']}/reports/2020-W29")
    expect(page.locator("body")).to_contain_text("上次（2020-W28）：30")
    page.fill("input[name=funds_arrived_wan]", "20")
    expect(page.locator("#pct-funds_arrived_wan")).to_have_text("完成计划 25.00%")
    expect(page.locator("#decrease-warning")).to_contain_text("由 30 减为 20")
    page.fill("input[name=funds_arrived_wan]", "40")
    expect(page.locator("#pct-funds_arrived_wan")).to_have_text("完成计划 50.00%")
    expect(page.locator("#decrease-warning")).to_be_empty()
    fill_report(page, materials_arrived_wan="0", sales_done_wan="0", jobs_done="8", trained_done="0",
                stationed_now="0")
    page.click("text=报送本周进展")
    expect(page.locator("p.success")).to_contain_text(SAVED)  # filed or, filed before, updated
    expect(page.locator("#report-status")).to_contain_text("已报送")


def test_county_table_switches_weeks_in_place(page, live_server):
    login(page, "county")
    page.goto("/counties/530102000000/table?week=2020-W29")
    table = page.locator("#annex")
    expect(table).to_contain_text("2020-W29")
    expect(page.locator("table.annex thead tr").first).to_contain_text("加大资金投入，促进产业扶贫")
    expect(page.locator("tr.total")).to_contain_text("合计")
    page.select_option("select[name=week]", "2020-W27")
    expect(table).to_contain_text("2020-W27（2020-06-29 至 2020-07-05）")
    expect(page).to_have_url(re.compile(r"week=2020-W27"))
    row = page.locator("tr", has_text="新华村")
    expect(row.locator("td").nth(4)).to_contain_text("10")
    expect(page.locator("a", has_text="下载 Excel")).to_have_attribute(
        "href", "/counties/530102000000/table.xlsx?week=2020-W27")
    # The back button restores the week before, without a script error (the fixture checks).
    page.go_back()
    expect(page).to_have_url(re.compile(r"week=2020-W29"))
    expect(page.locator("#annex")).to_contain_text("2020-W29")
    page.go_forward()
    expect(page.locator("#annex")).to_contain_text("2020-W27")


def test_a_file_over_the_upload_limit_is_refused_before_it_is_sent(page, live_server, tmp_path):
    from app.imports.api import MAX_UPLOAD_BYTES

    big = tmp_path / "全县进展.csv"
    with big.open("wb") as out:
        out.truncate(MAX_UPLOAD_BYTES + 1)
    login(page, "county")
    page.goto("/imports")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.set_input_files("#import-file", str(big))
    expect(page.locator("#err-file")).to_have_text("文件超过 50 MB，请拆分后分别导入")
    page.click("#upload button[type=submit]")
    assert page.evaluate("document.querySelector('#import-file').validity.valid") is False
    page.wait_for_timeout(300)
    assert sent == []
    small = tmp_path / "small.csv"
    small.write_text("结对编号,周次\n", encoding="utf-8")
    page.set_input_files("#import-file", str(small))
    expect(page.locator("#err-file")).to_have_text("")


def test_api_docs_work_offline_under_the_sites_content_security_policy(page, live_server):
    """Swagger UI comes from the site's own copy: with every other host unreachable and the CSP
    in force, /docs lists the API's operations (the fixture fails on any CSP violation)."""
    base = live_server["base"]
    elsewhere = []
    page.route(re.compile(r"^(?!" + re.escape(base) + ").*"),
               lambda route: (elsewhere.append(route.request.url), route.abort()))
    answer = page.goto(f"{base}/docs")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    expect(page.locator(".opblock-tag").first).to_be_visible(timeout=15000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token")).to_be_visible()
    assert elsewhere == []


def test_numbers_typed_with_a_chinese_input_method_are_saved_as_plain_numbers(page, live_server):
    """Full-width digits (what the input method gives by default) and thousands separators."""
    login(page, "liaison")
    url = f"/pairings/{live_server['planned']}/reports/2020-W29"
    page.goto(url)
    funds = page.locator("input[name=funds_arrived_wan]")
    funds.fill("")
    funds.press_sequentially("１２０")
    expect(page.locator("#pct-funds_arrived_wan")).to_have_text("完成计划 150.00%")
    fill_report(page, materials_arrived_wan="1,000", sales_done_wan="０", jobs_done="８人", trained_done="0",
                stationed_now="0")
    page.click("text=报送本周进展")
    expect(page.locator("p.success")).to_contain_text(SAVED)  # filed or, filed before, updated
    page.goto(url)
    expect(funds).to_have_value("120")
    expect(page.locator("input[name=materials_arrived_wan]")).to_have_value("1000")
    expect(page.locator("input[name=jobs_done]")).to_have_value("8")
