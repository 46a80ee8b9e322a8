"""Weekly progress reports (每周项目进展): create-or-replace by week, the week and body rules, the
cumulative-decrease rule, lateness, review state on replace, ended pairings and scope.

The clock is pinned to 2020-07-15 (a Wednesday in 2020-W29); the campaign runs 2020-04-08 to
2020-12-31 (2020-W15 to 2020-W53)."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.common import week_deadline
from app.errors import Conflict, Invalid
from app.reports.models import Report, ReportIn, ReportStatus
from tests.factories import (
    auth_headers,
    make_pairing,
    make_plan,
    make_report,
    make_unit,
    make_user,
    report_body,
)
from tests.scenario import COUNTY, OTHER_COUNTY, put_report

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def url(pairing_id: int, week: str | None = None) -> str:
    base = f"/api/v1/pairings/{pairing_id}/reports"
    return base if week is None else f"{base}/{week}"


def report_count(session, pairing_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(Report)
    if pairing_id is not None:
        stmt = stmt.where(Report.pairing_id == pairing_id)
    return session.scalar(stmt)


def stored(session, pairing_id: int, week: str) -> Report | None:
    session.expire_all()
    return session.scalars(
        select(Report).where(Report.pairing_id == pairing_id, Report.week == week)
    ).first()


@pytest.fixture
def pairing(session):
    pairing = make_pairing(session)
    make_plan(session, pairing)
    return pairing


@pytest.fixture
def liaison(session, pairing):
    return make_user(session, Role.liaison, unit_id=pairing.unit_id)


@pytest.fixture
def headers(session, settings, liaison):
    return auth_headers(session, settings, liaison)


def assert_422(answer, loc: list, *, contains: str | None = None) -> dict:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    error = next((e for e in detail if e["loc"] == loc), None)
    assert error is not None, f"no error at {loc}: {detail}"
    assert CHINESE.search(error["msg"]), error
    if contains is not None:
        assert contains in error["msg"], error
    return error


# --- create, replace, read -------------------------------------------------------------------


def test_liaison_creates_a_report_with_201_and_the_answer_shows_its_state(
        client, session, pairing, liaison, headers):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["pairing_id"] == pairing.id and body["week"] == "2020-W29"
    assert body["status"] == "submitted"
    assert body["late"] is False
    assert isinstance(body["flags"], list)
    assert body["return_reason"] is None
    # money as decimal strings, counts as integers
    assert body["funds_arrived_wan"] == "20"
    assert body["materials_arrived_wan"] == "5"
    assert body["sales_done_wan"] == "12.5"
    assert body["jobs_done"] == 8 and body["trained_done"] == 15
    assert body["stationed_now"] == 2 and body["beneficiaries"] == 30
    assert body["industry_plan_done"] is False
    assert body["story"] == {"title": "大棚里的新希望", "body": "……"}
    assert body["correction_note"] is None
    assert body["progress"] == "大棚主体完工，8 名贫困户进棚务工"

    report = stored(session, pairing.id, "2020-W29")
    assert report is not None and report.id == body["id"]
    assert report.submitted_by == liaison.id
    assert report.funds_arrived_wan == Decimal("20")
    assert report.sales_done_wan == Decimal("12.5")
    assert str(report.week_start) == "2020-07-13"


def test_money_keeps_four_decimal_places_exactly(client, session, pairing, headers):
    body = report_body(funds_arrived_wan="1234567.8901", materials_arrived_wan="0.0001",
                       sales_done_wan=12.5)
    answer = client.put(url(pairing.id, "2020-W29"), json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["funds_arrived_wan"] == "1234567.8901"
    assert answer.json()["materials_arrived_wan"] == "0.0001"
    assert answer.json()["sales_done_wan"] == "12.5"
    again = client.get(url(pairing.id, "2020-W29"), headers=headers).json()
    assert again["funds_arrived_wan"] == "1234567.8901"
    assert again["materials_arrived_wan"] == "0.0001"
    assert stored(session, pairing.id, "2020-W29").funds_arrived_wan == Decimal("1234567.8901")


def test_a_second_put_of_the_same_week_answers_200_and_replaces_the_report(
        client, session, pairing, headers):
    first = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert first.status_code == 201
    second = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(jobs_done=9, progress="第二次填报"), headers=headers)
    assert second.status_code == 200, second.text
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["jobs_done"] == 9 and second.json()["progress"] == "第二次填报"
    assert report_count(session, pairing.id) == 1
    assert stored(session, pairing.id, "2020-W29").jobs_done == 9


def test_the_same_put_twice_stores_one_report_and_leaves_it_unchanged(
        client, session, pairing, headers):
    first = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert first.status_code == 201
    second = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert second.status_code == 200, second.text
    assert report_count(session, pairing.id) == 1
    assert second.json() == first.json()  # same id, values, submitted_at, status
    report = stored(session, pairing.id, "2020-W29")
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "report", AuditEvent.entity_id == str(report.id))).all()
    assert [e.action for e in events] == ["create"]  # nothing changed, nothing recorded


def test_the_same_put_twice_leaves_an_approved_report_approved(client, session, pairing, headers):
    client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    report = stored(session, pairing.id, "2020-W29")
    report.status = ReportStatus.approved
    session.flush()
    again = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert again.status_code == 200
    assert again.json()["status"] == "approved"


def test_a_report_without_story_or_beneficiaries_is_accepted(client, pairing, headers):
    body = report_body(story=None, beneficiaries=None)
    del body["correction_note"]
    answer = client.put(url(pairing.id, "2020-W29"), json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["story"] is None and answer.json()["beneficiaries"] is None


def test_a_story_without_a_title_is_accepted(client, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(story={"body": "王大姐在大棚里找到了工作"}), headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["story"] == {"title": None, "body": "王大姐在大棚里找到了工作"}


def test_get_one_report_answers_what_was_stored(client, pairing, headers):
    put = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    answer = client.get(url(pairing.id, "2020-W29"), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == put.json()


def test_get_a_week_without_a_report_is_404(client, pairing, headers):
    answer = client.get(url(pairing.id, "2020-W28"), headers=headers)
    assert answer.status_code == 404
    assert CHINESE.search(answer.json()["detail"])


def test_list_answers_items_and_total_ordered_by_week(client, session, pairing, headers):
    make_report(session, pairing, "2020-W27", jobs_done=5)
    make_report(session, pairing, "2020-W16", jobs_done=1)
    client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=9), headers=headers)
    make_report(session, pairing, "2020-W28")
    other = make_pairing(session)
    make_report(session, other, "2020-W20")  # another pairing's report is not listed

    answer = client.get(url(pairing.id), headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"items", "total"}
    assert body["total"] == 4
    assert [r["week"] for r in body["items"]] == ["2020-W16", "2020-W27", "2020-W28", "2020-W29"]
    assert all(r["pairing_id"] == pairing.id for r in body["items"])
    assert body["items"][0]["funds_arrived_wan"] == "20"


def test_list_orders_weeks_across_the_year_boundary(client, session, pairing, headers):
    make_report(session, pairing, "2021-W01")
    make_report(session, pairing, "2020-W53")
    make_report(session, pairing, "2020-W09")  # older than the campaign, say from an import
    weeks = [r["week"] for r in client.get(url(pairing.id), headers=headers).json()["items"]]
    assert weeks == ["2020-W09", "2020-W53", "2021-W01"]


def test_list_pages_with_limit_and_offset(client, session, pairing, headers):
    for week in ("2020-W25", "2020-W26", "2020-W27"):
        make_report(session, pairing, week)
    page = client.get(url(pairing.id), params={"limit": 1, "offset": 1}, headers=headers).json()
    assert page["total"] == 3
    assert [r["week"] for r in page["items"]] == ["2020-W26"]


def test_list_of_a_pairing_without_reports_is_empty(client, pairing, headers):
    assert client.get(url(pairing.id), headers=headers).json() == {"items": [], "total": 0}


def test_report_of_an_unknown_pairing_is_404(client, session, settings):
    admin = make_user(session)
    headers = auth_headers(session, settings, admin)
    assert client.put(url(999999, "2020-W29"), json=report_body(), headers=headers).status_code == 404
    assert client.get(url(999999), headers=headers).status_code == 404
    assert client.get(url(999999, "2020-W29"), headers=headers).status_code == 404


def test_reports_need_a_token(client, pairing):
    assert client.put(url(pairing.id, "2020-W29"), json=report_body()).status_code == 401
    assert client.get(url(pairing.id)).status_code == 401
    assert client.get(url(pairing.id, "2020-W29")).status_code == 401


def test_creating_and_replacing_a_report_are_audited(client, session, pairing, liaison, headers):
    client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=10), headers=headers)
    report = stored(session, pairing.id, "2020-W29")
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "report", AuditEvent.entity_id == str(report.id))
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert all(e.actor_id == liaison.id and e.region_code == COUNTY for e in events)
    assert events[1].before["jobs_done"] == 8 and events[1].after["jobs_done"] == 10


# --- week rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("week", [
    "2020-W60", "2020-W00", "2021-W53",  # 2021 has 52 ISO weeks
    "2020-27", "abc", "2020-W7", "2020-w29",
    "２０２０-W２９",  # full-width digits: not the canonical spelling of 2020-W29
    "2020-W29%0A",  # a trailing newline
])
def test_a_malformed_or_nonexistent_week_is_422_on_the_path(client, session, pairing, headers, week):
    answer = client.put(url(pairing.id, week), json=report_body(), headers=headers)
    assert_422(answer, ["path", "week"])
    assert report_count(session, pairing.id) == 0


def test_a_week_before_the_campaign_start_is_422(client, session, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W10"), json=report_body(), headers=headers)
    error = assert_422(answer, ["path", "week"], contains="2020-W10")
    assert "2020-04-08" in error["msg"]  # names the campaign start
    assert report_count(session, pairing.id) == 0


def test_the_week_before_the_campaign_start_week_is_422(client, session, pairing, headers):
    # 2020-W14 ends on Sunday 2020-04-05, three days before the campaign starts.
    answer = client.put(url(pairing.id, "2020-W14"), json=report_body(), headers=headers)
    assert_422(answer, ["path", "week"])
    assert report_count(session, pairing.id) == 0


def test_the_week_containing_the_campaign_start_is_accepted(client, session, pairing, headers):
    # 2020-W15 runs Monday 2020-04-06 to Sunday 2020-04-12; the campaign starts on the Wednesday.
    answer = client.put(url(pairing.id, "2020-W15"), json=report_body(), headers=headers)
    assert answer.status_code == 201, answer.text
    assert report_count(session, pairing.id) == 1


def test_a_week_after_the_campaign_end_is_422(client, session, settings, pairing, liaison):
    settings.today = datetime(2021, 1, 20).date()  # so that the week is not also in the future
    headers = auth_headers(session, settings, liaison)
    answer = client.put(url(pairing.id, "2021-W02"), json=report_body(), headers=headers)
    error = assert_422(answer, ["path", "week"], contains="2021-W02")
    assert "2020-12-31" in error["msg"]  # names the campaign end
    assert report_count(session, pairing.id) == 0


def test_a_week_after_the_campaign_end_is_422_even_while_it_is_also_in_the_future(
        client, session, pairing, headers):
    answer = client.put(url(pairing.id, "2021-W02"), json=report_body(), headers=headers)
    assert_422(answer, ["path", "week"])
    assert report_count(session, pairing.id) == 0


def test_the_last_campaign_week_is_accepted_once_it_has_begun(client, session, settings, pairing,
                                                              liaison):
    settings.today = datetime(2020, 12, 29).date()
    headers = auth_headers(session, settings, liaison)
    answer = client.put(url(pairing.id, "2020-W53"), json=report_body(), headers=headers)
    assert answer.status_code == 201, answer.text


def test_a_future_week_is_422(client, session, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W30"), json=report_body(), headers=headers)
    assert_422(answer, ["path", "week"], contains="2020-W30")
    assert report_count(session, pairing.id) == 0


def test_the_current_week_is_accepted(client, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert answer.status_code == 201, answer.text


# --- body rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, field", [
    ({"funds_arrived_wan": "-1"}, "funds_arrived_wan"),
    ({"materials_arrived_wan": "-0.0001"}, "materials_arrived_wan"),
    ({"sales_done_wan": "abc"}, "sales_done_wan"),
    ({"funds_arrived_wan": "12.34567"}, "funds_arrived_wan"),  # 5 decimal places
    ({"funds_arrived_wan": "NaN"}, "funds_arrived_wan"),
    ({"funds_arrived_wan": "Infinity"}, "funds_arrived_wan"),
    ({"funds_arrived_wan": "12345678901"}, "funds_arrived_wan"),  # too many whole digits
    ({"jobs_done": 1.5}, "jobs_done"),
    ({"jobs_done": -1}, "jobs_done"),
    ({"trained_done": "many"}, "trained_done"),
    ({"stationed_now": -2}, "stationed_now"),
    ({"beneficiaries": -5}, "beneficiaries"),
    ({"industry_plan_done": "maybe"}, "industry_plan_done"),
    ({"progress": ""}, "progress"),
    ({"progress": "   "}, "progress"),  # blank once trimmed
    ({"progress": "进" * 2001}, "progress"),
    ({"progress": None}, "progress"),
    ({"correction_note": "改" * 2001}, "correction_note"),
    ({"status": "approved"}, "status"),
    ({"pairing_id": 7}, "pairing_id"),
    ({"late": False}, "late"),
    ({"week": "2020-W28"}, "week"),
])
def test_a_bad_body_is_422_naming_the_field_and_nothing_is_stored(
        client, session, pairing, headers, overrides, field):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(**overrides), headers=headers)
    assert answer.status_code == 422, (overrides, answer.text)
    detail = answer.json()["detail"]
    error = next((e for e in detail if e["loc"][-1] == field), None)
    assert error is not None and error["loc"][0] == "body", (overrides, detail)
    assert CHINESE.search(error["msg"]), error
    assert report_count(session, pairing.id) == 0


@pytest.mark.parametrize("field", [
    "funds_arrived_wan", "materials_arrived_wan", "industry_plan_done", "sales_done_wan",
    "jobs_done", "trained_done", "stationed_now", "progress",
])
def test_a_missing_required_field_is_422_and_says_it_is_required(
        client, session, pairing, headers, field):
    body = report_body()
    del body[field]
    answer = client.put(url(pairing.id, "2020-W29"), json=body, headers=headers)
    error = assert_422(answer, ["body", field], contains="必填")
    assert error["type"] == "missing"
    assert report_count(session, pairing.id) == 0


def test_a_missing_progress_message_names_the_field_in_chinese(client, pairing, headers):
    body = report_body()
    del body["progress"]
    answer = client.put(url(pairing.id, "2020-W29"), json=body, headers=headers)
    assert_422(answer, ["body", "progress"], contains="本周项目进展")


def test_progress_of_exactly_2000_characters_is_accepted(client, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(progress="进" * 2000),
                        headers=headers)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("story, loc", [
    ({"title": "无正文"}, ["body", "story", "body"]),
    ({"title": "空正文", "body": ""}, ["body", "story", "body"]),
    ({"title": "标" * 201, "body": "正文"}, ["body", "story", "title"]),
    ({"body": "正文", "featured": True}, ["body", "story", "featured"]),
    ("一个字符串", ["body", "story"]),
])
def test_a_bad_story_is_422_naming_the_story_field(client, session, pairing, headers, story, loc):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(story=story), headers=headers)
    assert_422(answer, loc)
    assert report_count(session, pairing.id) == 0


def test_a_body_that_is_not_json_is_422(client, session, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"), content=b"{not json",
                        headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 422
    assert report_count(session, pairing.id) == 0


def test_every_bad_field_is_reported_at_once(client, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(funds_arrived_wan="-1", jobs_done=1.5, progress=""),
                        headers=headers)
    assert answer.status_code == 422
    fields = {e["loc"][-1] for e in answer.json()["detail"]}
    assert {"funds_arrived_wan", "jobs_done", "progress"} <= fields


def test_a_bad_replacement_leaves_the_stored_report_as_it_was(client, session, pairing, headers):
    client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=-1, progress="改"),
                        headers=headers)
    assert answer.status_code == 422
    report = stored(session, pairing.id, "2020-W29")
    assert report.jobs_done == 8 and report.progress == "大棚主体完工，8 名贫困户进棚务工"


# --- cumulative values may not go down without a correction note ----------------------------


@pytest.mark.parametrize("field, lower, old_text, new_text", [
    ("funds_arrived_wan", "10", "20", "10"),
    ("materials_arrived_wan", "4.5", "5", "4.5"),
    ("sales_done_wan", "12.4999", "12.5", "12.4999"),
    ("jobs_done", 7, "8", "7"),
    ("trained_done", 0, "15", "0"),
    ("beneficiaries", 29, "30", "29"),
])
def test_a_lower_cumulative_value_without_a_note_is_422_naming_the_field_and_both_values(
        client, session, pairing, headers, field, lower, old_text, new_text):
    from app.catalogue import label

    make_report(session, pairing, "2020-W28")
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(**{field: lower}),
                        headers=headers)
    error = assert_422(answer, ["body", "correction_note"])
    assert label(field) in error["msg"], error
    assert f"{old_text} 减为 {new_text}" in error["msg"], error
    assert "2020-W28" in error["msg"]
    assert stored(session, pairing.id, "2020-W29") is None


def test_a_plan_marked_done_then_undone_needs_a_note(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28", industry_plan_done=True)
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(industry_plan_done=False),
                        headers=headers)
    assert_422(answer, ["body", "correction_note"], contains="是否已完成计划")


def test_several_decreases_are_all_named_in_one_message(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28")
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(funds_arrived_wan="1", jobs_done=1), headers=headers)
    error = assert_422(answer, ["body", "correction_note"])
    assert "资金已到位总投入" in error["msg"] and "已解决就业人数" in error["msg"]


def test_a_blank_correction_note_does_not_excuse_a_decrease(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28")
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(funds_arrived_wan="10", correction_note="   "),
                        headers=headers)
    assert_422(answer, ["body", "correction_note"])
    assert stored(session, pairing.id, "2020-W29") is None


def test_a_lower_cumulative_value_with_a_correction_note_is_stored(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28")
    note = "上周多填了 10 万元，已核对银行回单更正"
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(funds_arrived_wan="10", correction_note=note),
                        headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["funds_arrived_wan"] == "10"
    assert answer.json()["correction_note"] == note
    report = stored(session, pairing.id, "2020-W29")
    assert report.funds_arrived_wan == Decimal("10") and report.correction_note == note


def test_fewer_people_stationed_needs_no_note(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28", stationed_now=2)
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(stationed_now=0),
                        headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["stationed_now"] == 0


def test_equal_or_higher_cumulative_values_need_no_note(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28")
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(funds_arrived_wan="20.0000", jobs_done=9), headers=headers)
    assert answer.status_code == 201, answer.text


def test_the_comparison_is_with_the_latest_earlier_report_even_weeks_back(
        client, session, pairing, headers):
    make_report(session, pairing, "2020-W20", jobs_done=100)
    make_report(session, pairing, "2020-W25", jobs_done=5)  # itself corrected downwards
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=6), headers=headers)
    assert answer.status_code == 201, answer.text
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=4), headers=headers)
    error = assert_422(answer, ["body", "correction_note"])
    assert "2020-W25" in error["msg"] and "5 减为 4" in error["msg"]


def test_a_later_report_is_not_the_previous_one(client, session, pairing, headers):
    make_report(session, pairing, "2020-W29", jobs_done=50)
    answer = client.put(url(pairing.id, "2020-W28"), json=report_body(jobs_done=8), headers=headers)
    assert answer.status_code == 201, answer.text


def test_the_first_report_of_a_pairing_needs_no_note(client, session, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(funds_arrived_wan="0",
                                                                    jobs_done=0), headers=headers)
    assert answer.status_code == 201, answer.text


def test_another_pairings_reports_do_not_count_as_previous(client, session, pairing, headers):
    other = make_pairing(session, unit=make_unit(session))
    make_report(session, other, "2020-W28", jobs_done=500)
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=1), headers=headers)
    assert answer.status_code == 201, answer.text


def test_a_decrease_across_the_year_boundary_is_caught(session, settings, pairing, liaison):
    settings.today = datetime(2021, 1, 6).date()
    settings.campaign_end = datetime(2021, 3, 31).date()
    pairing.valid_until = settings.campaign_end
    make_report(session, pairing, "2020-W53", jobs_done=8)
    data = ReportIn.model_validate(report_body(jobs_done=3))
    with pytest.raises(Invalid) as caught:
        put_report(session, settings, liaison, pairing.id, "2021-W01", data)
    assert caught.value.errors[0]["loc"] == ["body", "correction_note"]
    assert "2020-W53" in caught.value.errors[0]["msg"]


# --- lateness --------------------------------------------------------------------------------

# 2020-W29's deadline: Friday 2020-07-17 18:00 Asia/Shanghai = 10:00 UTC.
DEADLINE_W29 = datetime(2020, 7, 17, 10, 0, tzinfo=UTC)


def put(session, settings, actor, pairing, week, now, **overrides):
    data = ReportIn.model_validate(report_body(**overrides))
    return put_report(session, settings, actor, pairing.id, week, data, now=now)


def test_the_deadline_of_2020_w29_is_friday_10_00_utc(settings):
    assert week_deadline(settings, "2020-W29") == DEADLINE_W29


@pytest.mark.parametrize("now", [
    datetime(2020, 7, 13, 0, 0, tzinfo=UTC),  # Monday 08:00 in Shanghai
    datetime(2020, 7, 17, 9, 59, 59, tzinfo=UTC),
    DEADLINE_W29,  # exactly on the deadline is still on time
])
def test_a_report_filed_by_friday_18_00_shanghai_is_on_time(session, settings, pairing, liaison, now):
    report, created = put(session, settings, liaison, pairing, "2020-W29", now)
    assert created is True
    assert report.late is False
    assert stored(session, pairing.id, "2020-W29").late is False


@pytest.mark.parametrize("now", [
    DEADLINE_W29 + timedelta(seconds=1),
    datetime(2020, 7, 18, 3, 0, tzinfo=UTC),
    datetime(2020, 8, 3, 3, 0, tzinfo=UTC),
])
def test_a_report_filed_after_friday_18_00_shanghai_is_kept_and_marked_late(
        session, settings, pairing, liaison, now):
    report, created = put(session, settings, liaison, pairing, "2020-W29", now)
    assert created is True
    assert report.late is True
    assert stored(session, pairing.id, "2020-W29").late is True


def test_the_deadline_is_compared_as_an_instant_in_any_time_zone(session, settings, pairing, liaison):
    one_second_late = datetime.fromisoformat("2020-07-17T18:00:01+08:00")  # Shanghai wall clock
    report, _ = put(session, settings, liaison, pairing, "2020-W29", one_second_late)
    assert report.late is True


def test_first_filing_time_is_kept_and_submitted_at_moves_on_replace(
        session, settings, pairing, liaison):
    early = datetime(2020, 7, 14, 2, 0, tzinfo=UTC)
    later = datetime(2020, 7, 16, 2, 0, tzinfo=UTC)
    put(session, settings, liaison, pairing, "2020-W29", early)
    report, created = put(session, settings, liaison, pairing, "2020-W29", later, jobs_done=9)
    assert created is False
    report = stored(session, pairing.id, "2020-W29")
    assert report.first_submitted_at == early
    assert report.submitted_at == later


def test_replacing_an_on_time_report_after_the_deadline_keeps_it_on_time(
        session, settings, pairing, liaison):
    put(session, settings, liaison, pairing, "2020-W29", DEADLINE_W29 - timedelta(hours=1))
    report, created = put(session, settings, liaison, pairing, "2020-W29",
                          DEADLINE_W29 + timedelta(days=3), jobs_done=12, progress="补充")
    assert created is False
    assert report.jobs_done == 12
    assert report.late is False
    assert stored(session, pairing.id, "2020-W29").late is False


def test_replacing_a_late_report_keeps_it_late(session, settings, pairing, liaison):
    put(session, settings, liaison, pairing, "2020-W29", DEADLINE_W29 + timedelta(minutes=5))
    report, _ = put(session, settings, liaison, pairing, "2020-W29",
                    DEADLINE_W29 + timedelta(days=1), jobs_done=12)
    assert report.late is True


def test_via_the_api_last_weeks_report_is_late_and_this_weeks_is_not(
        client, session, pairing, headers):
    last = client.put(url(pairing.id, "2020-W28"), json=report_body(), headers=headers)
    assert last.status_code == 201, last.text
    assert last.json()["late"] is True
    this = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert this.json()["late"] is False
    assert stored(session, pairing.id, "2020-W28").late is True


def test_submitted_times_are_answered_in_utc(client, pairing, headers):
    body = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers).json()
    for name in ("submitted_at", "first_submitted_at"):
        moment = datetime.fromisoformat(body[name].replace("Z", "+00:00"))
        assert moment.utcoffset() == timedelta(0)
        assert moment.date() in (datetime(2020, 7, 14).date(), datetime(2020, 7, 15).date())


def test_the_service_refuses_a_future_week_relative_to_its_now(session, settings, pairing, liaison):
    with pytest.raises(Invalid) as caught:
        put(session, settings, liaison, pairing, "2020-W29", datetime(2020, 7, 12, 15, 59, tzinfo=UTC))
    assert caught.value.errors[0]["loc"] == ["path", "week"]
    # 2020-07-12 16:00 UTC is already Monday 2020-07-13 00:00 in Shanghai: the week has begun.
    report, _ = put(session, settings, liaison, pairing, "2020-W29",
                    datetime(2020, 7, 12, 16, 0, tzinfo=UTC))
    assert report.late is False


# --- review state on replace -----------------------------------------------------------------


@pytest.mark.parametrize("status", [ReportStatus.approved, ReportStatus.returned])
def test_replacing_a_reviewed_report_puts_it_back_to_submitted_and_clears_the_reason(
        client, session, pairing, headers, status):
    report = make_report(session, pairing, "2020-W29", status=status,
                         return_reason="就业人数与花名册不符" if status == ReportStatus.returned else None,
                         reviewed_at=datetime(2020, 7, 15, 1, 0, tzinfo=UTC))
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=9), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == report.id
    assert answer.json()["status"] == "submitted"
    assert answer.json()["return_reason"] is None
    again = stored(session, pairing.id, "2020-W29")
    assert again.status == ReportStatus.submitted
    assert again.return_reason is None and again.reviewed_at is None


def test_a_returned_report_shows_its_reason_until_resubmitted(client, session, pairing, headers):
    make_report(session, pairing, "2020-W29", status=ReportStatus.returned,
                return_reason="请补充案例故事")
    answer = client.get(url(pairing.id, "2020-W29"), headers=headers)
    assert answer.json()["status"] == "returned"
    assert answer.json()["return_reason"] == "请补充案例故事"


# --- ended pairings --------------------------------------------------------------------------


def test_a_report_for_an_ended_pairing_is_409_and_nothing_is_stored(client, session, pairing,
                                                                     headers):
    pairing.active = False
    session.flush()
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert answer.status_code == 409, answer.text
    assert CHINESE.search(answer.json()["detail"])
    assert report_count(session, pairing.id) == 0


def test_an_ended_pairings_earlier_reports_stay_readable(client, session, pairing, headers):
    make_report(session, pairing, "2020-W28")
    pairing.active = False
    session.flush()
    assert client.get(url(pairing.id, "2020-W28"), headers=headers).status_code == 200
    assert client.get(url(pairing.id), headers=headers).json()["total"] == 1


def test_the_service_refuses_an_ended_pairing_with_a_conflict(session, settings, pairing, liaison):
    pairing.active = False
    session.flush()
    with pytest.raises(Conflict):
        put(session, settings, liaison, pairing, "2020-W29", DEADLINE_W29)


# --- scope -----------------------------------------------------------------------------------


def test_a_liaison_of_another_unit_gets_404_reading_or_writing(client, session, settings, pairing):
    make_report(session, pairing, "2020-W28")
    stranger_pairing = make_pairing(session)
    stranger = make_user(session, Role.liaison, unit_id=stranger_pairing.unit_id)
    headers = auth_headers(session, settings, stranger)
    assert client.get(url(pairing.id), headers=headers).status_code == 404
    assert client.get(url(pairing.id, "2020-W28"), headers=headers).status_code == 404
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert answer.status_code == 404
    assert report_count(session, pairing.id) == 1
    # ... while its own pairing works
    assert client.put(url(stranger_pairing.id, "2020-W29"), json=report_body(),
                      headers=headers).status_code == 201


def test_a_liaison_without_a_unit_sees_no_reports(client, session, settings, pairing):
    make_report(session, pairing, "2020-W28")
    nobody = make_user(session, Role.liaison)
    headers = auth_headers(session, settings, nobody)
    assert client.get(url(pairing.id), headers=headers).status_code == 404
    assert client.put(url(pairing.id, "2020-W29"), json=report_body(),
                      headers=headers).status_code == 404


def test_an_officer_of_another_county_gets_404(client, session, settings, pairing):
    make_report(session, pairing, "2020-W28")
    officer = make_user(session, Role.officer, region_code=OTHER_COUNTY)
    headers = auth_headers(session, settings, officer)
    assert client.get(url(pairing.id), headers=headers).status_code == 404
    assert client.get(url(pairing.id, "2020-W28"), headers=headers).status_code == 404
    assert client.put(url(pairing.id, "2020-W29"), json=report_body(),
                      headers=headers).status_code == 404
    assert report_count(session, pairing.id) == 1


def test_an_officer_of_the_county_may_report_on_behalf_and_read(client, session, settings, pairing):
    officer = make_user(session, Role.officer, region_code=COUNTY)
    headers = auth_headers(session, settings, officer)
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(), headers=headers)
    assert answer.status_code == 201, answer.text
    assert stored(session, pairing.id, "2020-W29").submitted_by == officer.id
    assert client.get(url(pairing.id, "2020-W29"), headers=headers).status_code == 200
    assert client.get(url(pairing.id), headers=headers).json()["total"] == 1


@pytest.mark.parametrize("region", ["530100000000", "530000000000", None])
def test_officers_above_the_county_read_its_reports(client, session, settings, pairing, region):
    make_report(session, pairing, "2020-W28")
    officer = make_user(session, Role.officer, region_code=region)
    headers = auth_headers(session, settings, officer)
    assert client.get(url(pairing.id, "2020-W28"), headers=headers).status_code == 200


def test_the_units_liaison_reads_a_report_an_officer_filed(client, session, settings, pairing,
                                                          headers):
    officer = make_user(session, Role.officer, region_code=COUNTY)
    client.put(url(pairing.id, "2020-W29"), json=report_body(),
               headers=auth_headers(session, settings, officer))
    answer = client.get(url(pairing.id, "2020-W29"), headers=headers)
    assert answer.status_code == 200
    assert answer.json()["funds_arrived_wan"] == "20"


def test_back_filling_an_earlier_week_above_a_later_one_needs_a_correction_note(
        client, session, settings):
    pairing = make_pairing(session)
    make_report(session, pairing, "2020-W28", funds_arrived_wan=Decimal(100))
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=pairing.unit_id))
    url = f"/api/v1/pairings/{pairing.id}/reports/2020-W27"
    answer = client.put(url, json=report_body(funds_arrived_wan="150"), headers=headers)
    assert answer.status_code == 422
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["body", "correction_note"] and "2020-W28" in detail["msg"]
    assert client.put(url, json=report_body(funds_arrived_wan="150", correction_note="补录并更正"),
                      headers=headers).status_code == 201
    assert client.put(url.replace("W27", "W26"), json=report_body(funds_arrived_wan="90"),
                      headers=headers).status_code == 201


def test_weeks_outside_the_pairing_agreement_are_refused(client, session, settings):
    pairing = make_pairing(session, signed_on=date(2020, 6, 10), valid_until=date(2020, 7, 5))
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=pairing.unit_id))
    for week, words in (("2020-W23", "签订"), ("2020-W28", "有效期")):
        answer = client.put(f"/api/v1/pairings/{pairing.id}/reports/{week}", json=report_body(),
                            headers=headers)
        assert answer.status_code == 422, week
        assert answer.json()["detail"][0]["loc"] == ["path", "week"] and words in answer.json()["detail"][0]["msg"]
    assert client.put(f"/api/v1/pairings/{pairing.id}/reports/2020-W24", json=report_body(),
                      headers=headers).status_code == 201


def test_full_width_digits_are_not_an_amount(client, session, settings):
    pairing = make_pairing(session)
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=pairing.unit_id))
    answer = client.put(f"/api/v1/pairings/{pairing.id}/reports/2020-W29",
                        json=report_body(funds_arrived_wan="１２"), headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "funds_arrived_wan"]


def test_a_returned_report_can_be_sent_again_as_it_was(client, session, settings):
    pairing = make_pairing(session)
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=pairing.unit_id))
    url = f"/api/v1/pairings/{pairing.id}/reports/2020-W29"
    assert client.put(url, json=report_body(), headers=headers).status_code == 201
    report = session.scalars(select(Report)).one()
    report.status, report.return_reason = ReportStatus.returned, "请核实就业人数"
    session.flush()
    answer = client.put(url, json=report_body(), headers=headers)
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["return_reason"]) == ("submitted", None)


# --- the phone's save time (a report sent later from the phone's outbox) ---------------------


def test_the_phones_save_time_is_kept_beside_the_servers_and_does_not_judge_lateness(
        client, session, settings, pairing, headers):
    saved_on_phone = DEADLINE_W29 - timedelta(days=7, hours=1)  # before W28's deadline, without signal
    answer = client.put(url(pairing.id, "2020-W28"),
                        json=report_body(client_saved_at=saved_on_phone.isoformat()), headers=headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert datetime.fromisoformat(body["client_saved_at"]) == saved_on_phone
    assert body["late"] is True  # W28's deadline passed before the server received it
    report = stored(session, pairing.id, "2020-W28")
    assert report.client_saved_at == saved_on_phone and report.submitted_at > saved_on_phone


def test_a_client_time_in_another_zone_is_kept_as_the_same_instant(client, session, pairing, headers):
    answer = client.put(url(pairing.id, "2020-W29"),
                        json=report_body(client_saved_at="2020-07-15T09:30:00+08:00"), headers=headers)
    assert answer.status_code == 201, answer.text
    assert stored(session, pairing.id, "2020-W29").client_saved_at == datetime(2020, 7, 15, 1, 30, tzinfo=UTC)


def test_the_same_report_sent_again_with_another_client_time_is_unchanged(client, session, pairing, headers):
    first = "2020-07-15T01:00:00Z"
    client.put(url(pairing.id, "2020-W29"), json=report_body(client_saved_at=first), headers=headers)
    again = client.put(url(pairing.id, "2020-W29"), json=report_body(client_saved_at="2020-07-15T02:00:00Z"),
                       headers=headers)
    assert again.status_code == 200, again.text
    # The figures are those already stored: no new version, and the time of the version stored stays.
    assert stored(session, pairing.id, "2020-W29").client_saved_at == datetime(2020, 7, 15, 1, tzinfo=UTC)
    changed = client.put(url(pairing.id, "2020-W29"), json=report_body(jobs_done=9), headers=headers)
    assert changed.status_code == 200 and changed.json()["client_saved_at"] is None  # a desk's save


@pytest.mark.parametrize("value,contains", [
    ("2020-07-15T01:00:00", "时区"),   # no zone: which instant is meant is unknown
    ("yesterday", "ISO 8601"),
    ("1999-12-31T23:00:00Z", "合理范围"),
    ("2150-01-01T00:00:00Z", "合理范围"),
    (12, "合理范围"),                  # seconds since 1970
    ([], "时间"),
])
def test_a_bad_client_time_is_422_naming_the_field_and_nothing_is_stored(
        client, session, pairing, headers, value, contains):
    answer = client.put(url(pairing.id, "2020-W29"), json=report_body(client_saved_at=value), headers=headers)
    error = assert_422(answer, ["body", "client_saved_at"], contains=contains)
    assert "手机保存时间" in error["msg"]
    assert report_count(session, pairing.id) == 0
