"""Featured case stories (典型案例): only the county features, only in its scope, only a story
without personal numbers or known names, and a story edited afterwards waits for the county again.

The clock is pinned to 2020-07-15 (2020-W29)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.reports.models import Report, ReportIn
from tests.factories import report_body
from tests.public.conftest import PERSONAL, STORY_BODY, STORY_TITLE, WUHUA, make_report
from tests.scenario import WEEK, put_report, submit_week

CASES = "/api/v1/public/cases"


def feature_url(pairing, week=WEEK, action="feature") -> str:
    return f"/api/v1/pairings/{pairing.id}/reports/{week}/{action}"


def cases(client) -> list[dict]:
    answer = client.get(CASES)
    assert answer.status_code == 200
    return answer.json()["items"]


def test_the_county_features_a_story_and_the_public_reads_it(client, session, world):
    assert cases(client) == []
    answer = client.post(feature_url(world.mine), headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["featured"] is True
    [case] = cases(client)
    assert case == {**case, "title": STORY_TITLE, "body": STORY_BODY, "week": WEEK, "village": "大坪村",
                    "county": "五华区", "province": "云南省", "unit": "甲农业科技有限公司"}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "feature")).one()
    assert (event.entity, event.region_code, event.after["featured_by"]) == \
        ("report", WUHUA, world.users["county"].id)
    # Withdrawn: gone from the public list, and audited.
    answer = client.post(feature_url(world.mine, action="unfeature"), headers=world.headers("county"))
    assert answer.status_code == 200 and answer.json() == {**answer.json(), "featured": False, "featured_at": None}
    assert cases(client) == []
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "unfeature")).one()


@pytest.mark.parametrize("who,status", [
    ("panlong", 404),  # another county's officer: not in scope
    ("other_liaison", 404),  # another unit's liaison
    ("liaison", 403),  # the unit's own liaison sees the report but may not feature it
    ("province", 403),
    ("city", 403),
    ("national", 403),
])
def test_only_the_county_features(client, session, world, who, status):
    for action in ("feature", "unfeature"):
        answer = client.post(feature_url(world.mine, action=action), headers=world.headers(who))
        assert answer.status_code == status, (action, answer.text)
    assert session.get(Report, report_id(session, world.mine)).featured_at is None


def report_id(session, pairing, week=WEEK) -> int:
    return session.scalar(select(Report.id).where(Report.pairing_id == pairing.id, Report.week == week))


def test_a_report_without_a_story_cannot_be_featured(client, world):
    answer = client.post(feature_url(world.mine, "2020-W26"), headers=world.headers("county"))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["story"]
    assert "没有案例故事" in answer.json()["detail"][0]["msg"]


def test_a_week_without_a_report_is_not_found(client, world):
    assert client.post(feature_url(world.mine, "2020-W28"), headers=world.headers("county")).status_code == 404
    assert client.post(feature_url(world.mine, "2020-W99"), headers=world.headers("county")).status_code == 422


def test_featuring_needs_a_token(client, world):
    assert client.post(feature_url(world.mine)).status_code == 401


@pytest.mark.parametrize("story", [
    f"联络员{PERSONAL['liaison_name']}带领大家建起了大棚。",
    f"驻村队员{PERSONAL['member_b']}天天在地头。",
    f"欢迎联系{PERSONAL['contact_name']}订购。",
    "订购请拨打 13800138000。",
    "咨询电话 0871-12345678。",
    "贫困户身份证号 53010219800101123X 已登记。",
])
def test_a_story_with_personal_data_is_refused_naming_story(client, session, world, story):
    make_report(session, world.second, WEEK, story_title="好故事", story_body=story)
    answer = client.post(feature_url(world.second), headers=world.headers("county"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["story"]
    assert "不能公开" in answer.json()["detail"][0]["msg"]
    assert cases(client) == []


@pytest.mark.parametrize("written, kind", [
    ("138-1234-5678", "手机号"), ("138 1234 5678", "手机号"), ("138.1234.5678", "手机号"),
    ("+8613912345678", "手机号"), ("+86 139 1234 5678", "手机号"), ("0086-139-1234-5678", "手机号"),
    ("(+86) 13912345678", "手机号"), ("１３７１２３４５６７８", "手机号"), ("１３８　１２３４　５６７８", "手机号"),
    ("139１２３4５678", "手机号"), ("138—1234—5678", "手机号"), ("１３８－１２３４－５６７８", "手机号"),
    ("0871-65432100", "固定电话"), ("(0871) 6543210", "固定电话"), ("（０８７１）６５４３２１０", "固定电话"),
    ("087165432100", "固定电话"),
    ("530102 19800101 123X", "身份证号"), ("5301 0219 8001 0112 3x", "身份证号"),
    ("５３０１０２１９８００１０１１２３Ｘ", "身份证号"), ("530102-19800101-1234", "身份证号"),
])
def test_a_personal_number_in_any_spelling_is_refused_and_named(client, session, world, written, kind):
    make_report(session, world.second, WEEK, story_title="好故事", story_body=f"联系方式：{written}，欢迎来看大棚。")
    answer = client.post(feature_url(world.second), headers=world.headers("county"))
    assert answer.status_code == 422, answer.text
    message = answer.json()["detail"][0]["msg"]
    assert f"{kind}“" in message and written.lstrip("(（") in message, message
    assert cases(client) == []
    assert written not in client.get("/public").text


@pytest.mark.parametrize("story", [
    "投入 120.5 万元，2020-07-15 验收，帮扶 30 户 120 人。",
    "销售额 1000 2000 3000 万元逐年上升。",
    "项目编号 2020-0715-03，大棚 12 座。",
])
def test_figures_and_dates_are_not_taken_for_personal_numbers(client, session, world, story):
    make_report(session, world.second, WEEK, story_title="好故事", story_body=story)
    assert client.post(feature_url(world.second), headers=world.headers("county")).status_code == 200


def test_a_story_edited_after_featuring_waits_for_the_county_again(client, session, world, settings):
    client.post(feature_url(world.mine), headers=world.headers("county"))
    put_report(session, settings, world.users["liaison"], world.mine.id, WEEK,
               ReportIn.model_validate(report_body(funds_arrived_wan="30", jobs_done=9,
                                                   story={"title": STORY_TITLE, "body": "改过的故事"})),
               now=datetime(2020, 7, 16, 3, tzinfo=UTC))
    session.flush()
    assert cases(client) == []
    client.post(feature_url(world.mine), headers=world.headers("county"))
    assert [c["body"] for c in cases(client)] == ["改过的故事"]


def test_a_submitted_week_can_still_be_featured(client, session, world, settings):
    submit_week(session, settings, world.users["county"], WUHUA, WEEK)
    session.flush()
    answer = client.post(feature_url(world.mine), headers=world.headers("county"))
    assert answer.status_code == 200 and len(cases(client)) == 1


def test_cases_come_newest_week_first_and_page(client, session, world):
    make_report(session, world.mine, "2020-W27", story_title="早一些的故事", story_body="合作社成立。")
    make_report(session, world.panlong, "2020-W28", story_title="盘龙的故事", story_body="产业路修通了。")
    client.post(feature_url(world.mine, "2020-W27"), headers=world.headers("county"))
    client.post(feature_url(world.mine), headers=world.headers("county"))
    client.post(feature_url(world.panlong, "2020-W28"), headers=world.headers("panlong"))
    assert [c["week"] for c in cases(client)] == [WEEK, "2020-W28", "2020-W27"]
    page = client.get(CASES, params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [c["title"] for c in page["items"]] == ["盘龙的故事"]


def test_a_story_naming_a_deactivated_liaison_is_not_featured(client, session, world, settings):
    from app.auth.models import Role
    from tests.factories import make_user

    make_user(session, Role.liaison, unit_id=world.mine.unit_id, display_name="公孙离离", active=False)
    put_report(session, settings, world.users["liaison"], world.mine.id, WEEK,
               ReportIn.model_validate(report_body(funds_arrived_wan="30", jobs_done=9,
                                                   story={"title": STORY_TITLE, "body": "公孙离离带大家建起了大棚。"})))
    session.flush()
    answer = client.post(feature_url(world.mine), headers=world.headers("county"))
    assert answer.status_code == 422 and "公孙离离" in answer.json()["detail"][0]["msg"]
    assert cases(client) == []
