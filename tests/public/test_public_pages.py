"""The public page (no login) with its tables and bar charts, the cases page, the officers'
publish page, and the feature button on the weekly report page."""

import re

import pytest
from sqlalchemy import func, select

from app.public.models import Publication
from app.public.views import bar_chart
from app.reports.models import Report
from tests.public.conftest import STORY_TITLE, YUNNAN
from tests.scenario import WEEK
from tests.web.pages import browser_login


def publish(client, world, who="national", month="2020-06"):
    assert client.post("/api/v1/publications", json={"month": month},
                       headers=world.headers(who)).status_code == 201


def test_the_public_page_needs_no_login_and_says_when_nothing_is_published(client, world):
    answer = client.get("/public")
    assert answer.status_code == 200
    assert "信息公开" in answer.text and "尚未发布" in answer.text and "暂无典型案例" in answer.text


def test_the_public_page_shows_the_published_month_by_province_and_county(client, world):
    publish(client, world)
    client.post(f"/api/v1/pairings/{world.mine.id}/reports/{WEEK}/feature", headers=world.headers("county"))
    page = client.get("/public").text
    assert "2020年6月 全国进展" in page and "2020-W26" in page
    # The national total, a province row and a county row of the frozen figures.
    assert ">123.0833<" in page and ">119.75<" in page and ">19.75<" in page
    assert "云南省" in page and "贵州省" in page and "五华区" in page and "盘龙区" in page
    assert page.count("<svg") >= 2 + 2 * 2  # national charts and two per province
    assert f'id="p-{YUNNAN}"' in page
    assert STORY_TITLE in page and "大坪村" in page and "甲农业科技有限公司" in page
    # The CSP allows neither: charts are presentation attributes, the only scripts are files.
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "社会力量助力挂牌督战村" in page


def test_the_public_header_offers_the_public_page_and_login_to_visitors(client, world):
    page = client.get("/public").text
    assert 'href="/public"' in page and 'href="/login"' in page
    login = client.get("/login").text
    assert 'href="/public"' in login


def test_the_cases_page_lists_featured_stories_without_login(client, session, world):
    client.post(f"/api/v1/pairings/{world.mine.id}/reports/{WEEK}/feature", headers=world.headers("county"))
    answer = client.get("/public/cases")
    assert answer.status_code == 200 and STORY_TITLE in answer.text and "共 1 个" in answer.text
    assert client.get("/public/cases?page=0").status_code == 422


# --- the publish page -----------------------------------------------------------------------


@pytest.mark.parametrize("who,scope", [("national", "全国（国务院扶贫办）"), ("province", "云南省（本省）")])
def test_national_and_province_officers_publish_from_their_page(client, session, world, who, scope):
    token = browser_login(client, world.users[who])
    page = client.get("/publications").text
    assert scope in page and 'href="/publications"' in page  # and the nav links to it
    # The newest month that has ended is offered first: on 15 July that is June; July is not offered.
    assert re.search(r'<option value="2020-06"\s+selected', page)
    assert 'value="2020-07"' not in page
    preview = client.get("/publications/preview?month=2020-06").text
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview).group(1)
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-06", "digest": digest})
    assert answer.status_code == 200 and "已发布 2020年6月 信息公开数据" in answer.text
    stored = session.scalars(select(Publication)).one()
    assert stored.region_code == (None if who == "national" else YUNNAN)


def test_a_refused_month_on_the_publish_page_says_why_and_stores_nothing(client, session, world):
    token = browser_login(client, world.users["national"])
    answer = client.post("/publications", data={"csrf_token": token, "month": "2020-09"})
    assert answer.status_code == 422 and "尚未开始" in answer.text
    answer = client.post("/publications", data={"csrf_token": token, "month": "June"})
    assert answer.status_code == 422 and "格式不对" in answer.text
    assert session.scalar(select(func.count()).select_from(Publication)) == 0


def test_publishing_from_the_page_needs_the_csrf_token(client, session, world):
    browser_login(client, world.users["national"])
    assert client.post("/publications", data={"month": "2020-06"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(Publication)) == 0


@pytest.mark.parametrize("who", ["county", "city", "liaison"])
def test_others_may_not_open_the_publish_page(client, world, who):
    browser_login(client, world.users[who])
    answer = client.get("/publications")
    assert answer.status_code == 403 and "无权操作" in answer.text
    assert 'href="/publications"' not in client.get("/").text


def test_the_publish_page_asks_a_visitor_to_log_in(client, world):
    answer = client.get("/publications", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


# --- the feature button on the weekly report ------------------------------------------------


def report_page(client, pairing, week=WEEK) -> str:
    return client.get(f"/pairings/{pairing.id}/reports/{week}").text


def test_the_county_features_and_withdraws_a_story_from_the_report_page(client, session, world):
    token = browser_login(client, world.users["county"])
    page = report_page(client, world.mine)
    assert "设为典型案例" in page and "请先确认其中没有个人姓名" in page
    answer = client.post(f"/pairings/{world.mine.id}/reports/{WEEK}/feature", data={"csrf_token": token},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "已设为典型案例" in answer.text and "取消典型案例" in answer.text
    assert "<html" not in answer.text  # htmx gets the block
    report = session.scalars(select(Report).where(Report.pairing_id == world.mine.id, Report.week == WEEK)).one()
    assert report.featured_by == world.users["county"].id
    answer = client.post(f"/pairings/{world.mine.id}/reports/{WEEK}/unfeature", data={"csrf_token": token})
    assert answer.status_code == 200 and "已取消典型案例" in answer.text
    session.refresh(report)
    assert report.featured_at is None


def test_no_feature_button_without_a_story_or_for_others(client, world):
    browser_login(client, world.users["county"])
    assert "设为典型案例" not in report_page(client, world.mine, "2020-W26")
    client.cookies.clear()
    token = browser_login(client, world.users["liaison"])
    assert "设为典型案例" not in report_page(client, world.mine)
    answer = client.post(f"/pairings/{world.mine.id}/reports/{WEEK}/feature", data={"csrf_token": token})
    assert answer.status_code == 403


def test_a_refused_feature_says_why_on_the_page(client, session, world):
    token = browser_login(client, world.users["county"])
    report = session.scalars(select(Report).where(Report.pairing_id == world.mine.id, Report.week == WEEK)).one()
    report.story_body = "联系电话 13912345678"
    session.flush()
    answer = client.post(f"/pairings/{world.mine.id}/reports/{WEEK}/feature", data={"csrf_token": token},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 422 and "手机号“13912345678”" in answer.text
    assert answer.headers["HX-Retarget"] == "#flash"
    session.refresh(report)
    assert report.featured_at is None


def test_bar_charts_scale_to_the_largest_and_shorten_long_names():
    rows = [{"name": "积石山保安族东乡族撒拉族自治县", "funds_arrived_wan": "50"},
            {"name": "五华区", "funds_arrived_wan": "200"}, {"name": "盘龙区", "funds_arrived_wan": "0"}]
    chart = bar_chart(rows, "funds_arrived_wan", "各县资金已到位（万元）")
    long, biggest, nothing = chart["bars"]
    assert biggest["width"] == 4 * long["width"] and nothing["width"] == 0
    assert long["label"] == "积石山保安族东乡族…" and long["name"] == rows[0]["name"]
    assert bar_chart([], "jobs_done", "空")["bars"] == []
