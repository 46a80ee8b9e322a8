"""The county sends an incomplete week up from its table page in Chromium: the checklist, the
confirmation and note it asks for, the province reading the note where it decides, and the
province's return reason back on the county's worklist and table page.

The live server's county has two pairings and no report of 2020-W29 (the pinned week)."""

from tests.browser.conftest import login

COUNTY = "530102000000"
WEEK = "2020-W29"
TABLE = f"/counties/{COUNTY}/table?week={WEEK}"
NOTE = "两个村本周断网，已电话核实进展，下周补报"
REASON = "新华村资金到位数与台账不符，请核实后重新上报"


def test_an_incomplete_week_goes_up_with_a_note_and_comes_back_with_a_reason(page, browser, live_server):
    page.on("dialog", lambda dialog: dialog.accept())  # 上报后本周周报将锁定，确定上报？
    login(page, "county")
    page.goto(TABLE)
    checklist = page.locator("#checklist")
    assert checklist.locator("li.todo", has_text="本周未报").locator(".count").inner_text() == "2"
    assert "带缺项上报省扶贫办" in checklist.inner_text()

    # The form opens on asking; unticked, it is refused in place, the box marked, nothing sent.
    assert not page.locator("#submit-note").is_visible()
    page.click("#checklist summary:has-text('带缺项上报')")
    page.fill("#submit-note", NOTE)
    page.click("#checklist button[type=submit]")
    page.locator("#checklist .alert", has_text="尚不完整").wait_for()
    assert page.locator("#checklist .field.invalid input[name=confirm_incomplete]").count() == 1
    assert page.input_value("#submit-note") == NOTE  # what was typed stays

    # Ticked without a note: the note is asked for.
    page.fill("#submit-note", "")
    page.check("input[name=confirm_incomplete]")
    page.click("#checklist button[type=submit]")
    page.locator("#checklist .field.invalid", has_text="请填写说明").wait_for()

    page.fill("#submit-note", NOTE)
    page.click("#checklist button[type=submit]")
    page.locator("p.success", has_text="本周周报已锁定").wait_for()
    assert NOTE in page.locator("#submitted-check").inner_text()

    # The province reads the note and the counts where it decides, and returns the week.
    context = browser.new_context(locale="zh-CN", base_url=live_server["base"], viewport={"width": 1366, "height": 768})
    province = context.new_page()
    login(province, "province")
    province.goto(f"/counties/{COUNTY}/submissions/{WEEK}")
    seen = province.locator("#submitted-check").inner_text()
    assert "县级确认带缺项上报" in seen and NOTE in seen and "本周未报" in seen
    province.fill("input[name=reason]", REASON)
    province.click("text=退回县级修改")
    province.locator("p.success", has_text="县级周报已解锁").wait_for()
    context.close()

    # The county sees why, on its worklist and on the table page, and may send the week again.
    page.goto("/")
    returned = page.locator("#returned-weeks")
    assert REASON in returned.inner_text()
    returned.locator("text=核实并重新上报").click()
    page.wait_for_url(f"**/counties/{COUNTY}/table?week={WEEK}*")
    assert REASON in page.locator("#checklist .returned-reason").inner_text()
    assert page.locator("#checklist button[type=submit]").is_enabled()
