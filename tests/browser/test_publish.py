"""Publishing in the browser: choose an ended month, see the preview drawn as the public page
draws it and the week it comes from, confirm, then withdraw it with a reason; on the desk
(1366x768) and on a phone (390x844)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_a_province_previews_confirms_and_withdraws_a_month(page, live_server):
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    login(page, "province")
    page.goto("/publications")
    # On 15 July only the months that have ended are offered.
    months = page.locator("#f-month option").evaluate_all("options => options.map(o => o.value)")
    assert months == ["2020-06", "2020-05", "2020-04"]
    page.select_option("#f-month", "2020-06")
    page.get_by_role("button", name="预览").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("预览：2020年6月 · ")
    expect(preview).to_contain_text("数据来自 2020-W26 周统计表（2020-06-22 至 2020-06-28）")
    expect(preview.locator(".public-summary")).to_contain_text("五华区")
    assert page.url.endswith("/publications/preview?month=2020-06")  # the preview has its address
    confirm = page.get_by_role("button", name="确认发布 2020年6月")
    expect(confirm).to_be_in_viewport()  # the confirmation bar stays at hand below the figures
    confirm.click()
    expect(page.locator("p.success")).to_contain_text("已发布 2020年6月 信息公开数据（按 2020-W26 周统计表）")
    assert asked and "确认发布 2020年6月" in asked[-1]
    expect(page.locator("#preview")).to_have_count(0)

    row = page.locator("table.publications tbody tr").first
    expect(row).to_contain_text("已发布")
    row.locator("summary", has_text="撤回").click()
    row.get_by_label("撤回原因").fill("五华区数据待核实")
    row.get_by_role("button", name="确认撤回").click()
    expect(page.locator("p.success")).to_contain_text("已撤回 2020年6月 的发布")
    assert "公开页面将改为显示此前的发布" in asked[-1]
    withdrawn = page.locator("table.publications tr.withdrawn").first
    expect(withdrawn).to_contain_text("已撤回")
    expect(withdrawn).to_contain_text("五华区数据待核实")
    expect(withdrawn).to_contain_text("云南省扶贫办")
    page.goto("/public")
    expect(page.locator("main")).to_contain_text("尚未发布信息公开数据")


def test_a_withdrawal_without_a_reason_says_so_beside_the_field(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "admin")
    page.goto("/publications/preview?month=2020-05")
    page.get_by_role("button", name="确认发布 2020年5月").click()
    expect(page.locator("p.success")).to_contain_text("已发布 2020年5月")
    row = page.locator("table.publications tbody tr", has_text="全国").first
    row.locator("summary", has_text="撤回").click()
    row.get_by_role("button", name="确认撤回").click()
    expect(page.locator(".error", has_text="请填写撤回原因")).to_be_visible()
    expect(page.locator("table.publications tr", has_text="2020年5月").first).to_contain_text("已发布")


def fits(handset) -> tuple[int, int]:
    return handset.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def test_the_preview_and_the_record_fit_a_phone(phone, live_server):
    login(phone, "province")
    phone.goto("/publications/preview?month=2020-04")
    expect(phone.locator("#preview")).to_contain_text("数据来自 2020-W17 周统计表")
    scroll, client = fits(phone)
    assert scroll <= client, f"{scroll}px wide on a {client}px screen"
    confirm = phone.get_by_role("button", name="确认发布 2020年4月")
    box = confirm.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= client
    phone.goto("/publications")
    scroll, client = fits(phone)
    assert scroll <= client, f"{scroll}px wide on a {client}px screen"
