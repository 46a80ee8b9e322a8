"""Publishing goes through a preview: the month's figures drawn exactly as the public page will
draw them, the week's table they come from, then a confirmation that publishes what was
previewed. A month that has not ended is refused, on the API and on the page.

The clock is pinned to 2020-07-15 (2020-W29): June is the last month that has ended."""

import re

import pytest
from sqlalchemy import func, select

from app.public.models import Publication
from app.reports.models import Report
from tests.web.pages import browser_login

PREVIEW = "/api/v1/publications/preview"


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(Publication))


def preview_page(client, month: str):
    return client.get(f"/publications/preview?month={month}")


def digest_of(page: str) -> str:
    return re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)


def figures(page: str) -> str:
    """The published-figures part of a page (templates/public/_summary.html), without the time
    of publishing, which a preview can only guess, and which province is unfolded (a province's
    preview unfolds its own)."""
    start = page.index('<div class="public-summary">')
    part = page[start:page.index("<!-- /public-summary -->", start)]
    part = re.sub(r'(<details class="province" id="p-[0-9]+") ?(open)?>', r"\1>", part)  # which is unfolded
    return re.sub(r"发布于 [^（]*（北京时间）", "发布于", part)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_previews_what_publishing_would_freeze_and_stores_nothing(client, session, world):
    answer = client.post(PREVIEW, json={"month": "2020-06"}, headers=world.headers("national"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["month"], body["week"], body["week_start"], body["week_end"], body["region_code"]) == \
        ("2020-06", "2020-W26", "2020-06-22", "2020-06-28", None)
    assert stored(session) == 0
    published = client.post("/api/v1/publications", json={"month": "2020-06"}, headers=world.headers("national"))
    assert published.json()["snapshot"] == body["snapshot"]


@pytest.mark.parametrize("month,message", [("2020-07", "尚未结束"), ("2020-08", "尚未开始"), ("2020/06", "格式不对")])
def test_the_api_preview_refuses_a_month_that_cannot_be_published(client, session, world, month, message):
    answer = client.post(PREVIEW, json={"month": month}, headers=world.headers("province"))
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "month"] and message in error["msg"]


@pytest.mark.parametrize("who", ["county", "city", "liaison"])
def test_only_publishers_preview(client, world, who):
    assert client.post(PREVIEW, json={"month": "2020-06"}, headers=world.headers(who)).status_code == 403


# --- the page ---------------------------------------------------------------------------------


def test_the_preview_shows_the_figures_as_the_public_page_will_and_then_confirm_publishes(client, session, world):
    token = browser_login(client, world.users["national"])
    answer = preview_page(client, "2020-06")
    assert answer.status_code == 200
    page = answer.text
    assert "数据来自 <strong>2020-W26</strong> 周统计表（2020-06-22 至 2020-06-28）" in page
    assert ">123.0833<" in page and ">119.75<" in page and ">19.75<" in page  # nation, 云南, 五华区
    assert "确认发布 2020年6月" in page and 'hx-confirm="确认发布 2020年6月' in page
    assert stored(session) == 0  # a preview stores nothing
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-06",
                                                 "digest": digest_of(page)})
    assert answer.status_code == 200 and "已发布 2020年6月 信息公开数据（按 2020-W26 周统计表）" in answer.text
    assert stored(session) == 1
    # What the public now sees is what the preview showed.
    assert figures(client.get("/public").text) == figures(page)


def test_a_province_previews_its_own_counties(client, session, world):
    browser_login(client, world.users["province"])
    page = preview_page(client, "2020-06").text
    assert "预览：2020年6月 · 云南省" in page
    assert "五华区" in page and "盘龙区" in page and "南明区" not in page


def test_a_month_that_has_not_ended_is_refused_on_the_page(client, session, world):
    token = browser_login(client, world.users["national"])
    answer = preview_page(client, "2020-07")
    assert answer.status_code == 422 and "月份 2020-07 尚未结束" in answer.text
    assert 'name="digest"' not in answer.text
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-07", "digest": "0" * 16})
    assert answer.status_code == 422 and "尚未结束" in answer.text
    assert stored(session) == 0


def test_a_post_without_the_previews_digest_only_previews(client, session, world):
    token = browser_login(client, world.users["national"])
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-06"})
    assert answer.status_code == 200 and "请核对以下预览" in answer.text and 'name="digest"' in answer.text
    assert stored(session) == 0


def test_figures_that_changed_after_the_preview_are_previewed_again_not_published(client, session, world):
    token = browser_login(client, world.users["national"])
    seen = digest_of(preview_page(client, "2020-06").text)
    report = session.scalars(select(Report).where(Report.pairing_id == world.mine.id,
                                                  Report.week == "2020-W26")).one()
    report.funds_arrived_wan += 100  # a late correction arrives
    session.flush()
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-06", "digest": seen})
    assert answer.status_code == 409 and "预览之后数据有变化" in answer.text
    assert ">223.0833<" in answer.text and digest_of(answer.text) != seen
    assert stored(session) == 0


def test_the_preview_says_when_the_month_was_published_before_or_a_newer_one_stays_shown(client, world):
    client.post("/api/v1/publications", json={"month": "2020-06"}, headers=world.headers("national"))
    browser_login(client, world.users["national"])
    again = preview_page(client, "2020-06").text
    assert "2020年6月已于" in again and "确认后公开页面改为显示本次发布的数据" in again
    older = preview_page(client, "2020-05").text
    assert "公开页面正在显示更新的 2020年6月 数据" in older


def test_the_publish_page_offers_only_ended_months(client, world):
    browser_login(client, world.users["province"])
    page = client.get("/publications").text
    assert re.findall(r'<option value="([0-9-]+)"', page) == ["2020-06", "2020-05", "2020-04"]
    assert 'action="/publications/preview"' in page


def test_a_provinces_preview_is_the_public_page_with_its_own_figures_in_it(client, session, world):
    client.post("/api/v1/publications", json={"month": "2020-05"}, headers=world.headers("national"))
    token = browser_login(client, world.users["province"])
    page = preview_page(client, "2020-06").text
    # The nation's May stays the lead; 云南's row becomes its own June, 贵州 stays as the nation published it.
    assert "2020年5月 全国进展" in page
    assert re.search(r'id="p-530000000000"\s*open>', page)  # its own province unfolded
    rows = re.findall(r'<tr><td><a href="#p-[0-9]+">([^<]+)</a></td>\s*<td>([^<]+)(<span class="muted">（省发布）)?', page)
    assert [(name, month, bool(own)) for name, month, own in rows] == [
        ("贵州省", "2020年5月", False), ("云南省", "2020年6月", True)]
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-06", "digest": digest_of(page)})
    assert answer.status_code == 200
    assert figures(client.get("/public").text) == figures(page)
