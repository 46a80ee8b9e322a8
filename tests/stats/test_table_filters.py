"""The county table page as a table to work in: filtered and sorted by query parameters (so a link
can point at a view), the annex's own title, the lead columns marked to stay at the left, and a
week's decrease in red with its sign."""

import re
from datetime import UTC, datetime

import pytest

from app.auth.models import Role
from app.stats.models import TITLE
from tests.scenario import COUNTY, LAST_WEEK, WEEK, Scenario, file_report
from tests.web.pages import browser_login

URL = f"/counties/{COUNTY}/table?week={WEEK}"
VILLAGES = re.compile(r'<td class="name lead lead1">([^<]*)</td>')
# After Friday 18:00 in Shanghai, the deadline of 2020-W29.
AFTER_DEADLINE = datetime(2020, 7, 17, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(session, settings):
    """Four pairings of the county, in annex order (by village code):
    1 大坪村 · 甲公司: W28 and W29, jobs 5 -> 8 (本周新增 3)
    2 新华村 · 乙公司: W28 and W29, jobs 10 -> 2 with a correction note (S6 open: flagged)
    3 和平村 · 丙公司: W29 filed after the deadline (late)
    4 青山村 · 丁公司: W28 only (本周未报)"""
    w = Scenario(session, settings)
    for n, (key, village, unit) in enumerate((("grew", "大坪村", "甲公司"), ("fell", "新华村", "乙公司"),
                                              ("late", "和平村", "丙公司"), ("missing", "青山村", "丁公司")), start=1):
        w.pairing(key, f"530102001{n:03d}", unit=unit, village=village)
        w.user(key, Role.liaison, unit=unit)
    w.file_report("grew", "grew", LAST_WEEK, jobs_done=5)
    w.file_report("grew", "grew", WEEK, jobs_done=8)
    w.file_report("fell", "fell", LAST_WEEK, jobs_done=10)
    w.file_report("fell", "fell", WEEK, jobs_done=2, correction_note="上周误把临时工计入")
    file_report(session, settings, w.users["late"], w.id("late"), WEEK, now=AFTER_DEADLINE)
    w.file_report("missing", "missing", LAST_WEEK)
    w.user("county", Role.officer, COUNTY)
    return w


@pytest.fixture
def page(client, world):
    browser_login(client, world.users["county"])

    def get(query: str = "") -> str:
        answer = client.get(URL + query)
        assert answer.status_code == 200, answer.text
        return answer.text
    return get


@pytest.mark.parametrize(("query", "villages"), [
    ("", ["大坪村", "新华村", "和平村", "青山村"]),
    ("&filter=missing", ["青山村"]),
    ("&filter=flagged", ["新华村"]),
    ("&filter=late", ["和平村"]),
    ("&q=大坪", ["大坪村"]),
    ("&q=乙公司", ["新华村"]),
    ("&q=公司&filter=late", ["和平村"]),
    ("&q=没有这个", []),
    ("&sort=missing", ["青山村", "大坪村", "新华村", "和平村"]),
    ("&sort=late", ["和平村", "大坪村", "新华村", "青山村"]),
    ("&sort=flagged", ["新华村", "大坪村", "和平村", "青山村"]),
    ("&sort=village", sorted(["大坪村", "新华村", "和平村", "青山村"])),
])
def test_filters_and_sorts_return_the_right_rows(page, query, villages):
    assert VILLAGES.findall(page(query)) == villages


def test_a_filtered_row_keeps_its_number_and_the_total_is_of_the_rows_shown(page):
    html = page("&filter=missing")
    assert '<td class="num lead lead0">4</td>' in html
    assert "筛选结果合计" in html and "显示 1 / 4 个结对" in html
    # The one row shown carries W28's 8 jobs forward; the whole county's 合计 would be 26.
    total = html[html.index('<tr class="total">'):]
    assert re.search(r'<td class="num">8</td>', total) and '<td class="num">26</td>' not in total
    assert "筛选结果合计" not in page() and '<td colspan="3" class="lead lead0">合计</td>' in page()


def test_a_link_can_point_at_a_view_and_bad_views_are_422(client, page):
    assert 'href="/counties/530102000000/table?week=2020-W29&amp;filter=missing"' in page()
    for query, message in (("&filter=everything", "筛选条件只能是：missing（本周未报）"),
                           ("&sort=funds", "排序只能是：seq（序号）"),
                           ("&q=" + "长" * 51, "查找帮扶村或结对帮扶单位不能超过 50 个字")):
        answer = client.get(URL + query)
        assert answer.status_code == 422 and message in answer.text, (query, answer.status_code)


def test_a_decrease_is_red_with_its_sign_and_an_increase_as_before(page):
    html = page()
    assert '<span class="inc down">本周变动 -8</span>' in html
    assert '<span class="inc">本周新增 3</span>' in html
    assert '<span class="inc">本周新增 -8</span>' not in html


def test_the_heading_is_the_annexs_own_title_and_the_lead_columns_are_marked_to_stay(page):
    html = page()
    assert f'<h1 class="annex-title">{TITLE}</h1>' in html
    assert '<th rowspan="2" scope="col" class="lead lead2">结对帮扶单位</th>' in html
    assert html.count('class="unit lead lead2"') == 4


def test_htmx_asks_for_the_table_part_only(client, page):
    page()  # logged in
    answer = client.get(URL + "&filter=late", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'id="annex-view"' in answer.text and VILLAGES.findall(answer.text) == ["和平村"]
