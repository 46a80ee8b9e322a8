"""In Chromium: the county table keeps 序号 · 帮扶村 · 结对帮扶单位 in view while it scrolls sideways
(1366×768 and a phone), filters without a page load, and the review queue approves in bulk with
the result shown beside the buttons pressed."""

from playwright.sync_api import expect

from tests.browser.conftest import login

TABLE = "/counties/530102000000/table?week=2020-W29"


def _inside(box: dict, frame: dict) -> bool:
    return (box["x"] >= frame["x"] - 1 and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
            and box["width"] > 0)


def _first_three_stay(page) -> None:
    login(page, "county")
    page.goto(TABLE)
    wrap = page.locator(".table-wrap")
    wrap.scroll_into_view_if_needed()
    scrolled = page.evaluate("(() => { const w = document.querySelector('.table-wrap');"
                             " w.scrollLeft = w.scrollWidth; return w.scrollLeft; })()")
    assert scrolled > 200, "the table does not scroll sideways in its box"
    page.wait_for_timeout(100)
    frame = wrap.bounding_box()
    viewport = {"x": 0, "width": page.viewport_size["width"]}
    cells = page.locator("table.annex tbody tr").first.locator("td")
    for n in range(3):
        box = cells.nth(n).bounding_box()
        assert _inside(box, frame) and _inside(box, viewport), (n, box, frame)
    # The three are side by side, not on top of each other, and the figures did move under them.
    boxes = [cells.nth(n).bounding_box() for n in range(4)]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1 <= boxes[2]["x"] + 1
    assert boxes[3]["x"] < boxes[2]["x"] + boxes[2]["width"], "the first figure column did not scroll away"
    # The header's lead cells stay above their columns too.
    head = page.locator("table.annex thead th.lead2").bounding_box()
    assert abs(head["x"] - boxes[2]["x"]) <= 1


def test_the_first_three_columns_stay_when_the_table_scrolls_right_at_1366(page):
    _first_three_stay(page)


def test_the_first_three_columns_stay_when_the_table_scrolls_right_on_a_phone(phone):
    _first_three_stay(phone)


def test_filtering_the_table_swaps_the_rows_in_place_and_the_address_follows(page):
    login(page, "county")
    page.goto(TABLE)
    names = page.locator("table.annex tbody td.name")
    expect(names).to_have_count(2)
    page.fill("#view-q", "新华")  # typed: the rows follow without a page load, the field keeps its focus
    expect(names).to_have_count(1)
    assert names.inner_text() == "新华村" and page.evaluate("document.activeElement.id") == "view-q"
    page.select_option("#table-view select[name=filter]", "late")
    page.wait_for_url("**filter=late**")
    assert page.url.endswith("/table?week=2020-W29&q=%E6%96%B0%E5%8D%8E&filter=late"), page.url  # no empty parameters
    expect(names).to_have_count(0)
    assert "显示 0 / 2 个结对" in page.locator("#annex-view .view-count").inner_text()
    page.select_option("#table-view select[name=filter]", "missing")
    expect(names).to_have_count(1)
    page.reload()  # the address is the view
    expect(names).to_have_count(1)
    assert page.input_value("#view-q") == "新华"


def _notice_in_view(page) -> None:
    notice = page.locator("#queue p.success[role=status]")
    notice.wait_for()
    box = notice.bounding_box()
    height = page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)


def test_approve_all_without_open_flags_shows_the_result_beside_the_button(page):
    login(page, "county")
    page.goto("/review")
    group = page.locator("#week-2020-W28")
    group.get_by_role("button", name="通过全部无存疑数据的周报（1 份）").click()
    _notice_in_view(page)
    assert "2020-W28：已审核通过 1 份周报" in page.locator("#week-2020-W28 p.success").inner_text()
    assert "县级已审核" in page.locator("#week-2020-W28 tbody tr").first.inner_text()


def test_approve_selected_on_a_phone(phone):
    login(phone, "county")
    phone.goto("/review")
    group = phone.locator("#week-2020-W27")
    group.locator("[data-pick-all]").check()
    assert group.locator("input[name=pairing_ids]").first.is_checked()
    group.get_by_role("button", name="通过所选").click()
    _notice_in_view(phone)
    assert "2020-W27：已审核通过 1 份周报" in phone.locator("#week-2020-W27 p.success").inner_text()
