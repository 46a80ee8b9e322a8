"""Odd values are a 422 naming the field, never a 500, and nothing is stored: ids and offsets past
their types, control characters in text, weeks at the calendar's end, bad JSON, counts that are not
JSON integers, text that only looks filled in. Forms and imports still take what people type."""

import pytest
from sqlmodel import func, select

from app.auth.models import Role
from app.reports.models import Report
from tests.factories import report_body
from tests.imports.files import csv_bytes
from tests.scenario import COUNTY, WEEK, Scenario
from tests.web.pages import browser_login

BIG = 2**31  # one past PostgreSQL's integer
HUGE = 2**63  # past bigint


@pytest.fixture
def world(session, settings):
    world = Scenario(session, settings)
    world.pairing("mine", "530102001001", unit="甲公司")
    world.user("admin", Role.admin)
    world.user("county", Role.officer, COUNTY)
    world.user("liaison", Role.liaison, unit="甲公司")
    return world


def reports_stored(session) -> int:
    return session.exec(select(func.count()).select_from(Report)).one()


def assert_names(answer, *loc):
    assert answer.status_code == 422, answer.text
    assert [list(e["loc"]) for e in answer.json()["detail"]][0] == list(loc), answer.json()


@pytest.mark.parametrize("method, path, loc", [
    ("GET", f"/api/v1/pairings/{BIG}", ["path", "pairing_id"]),
    ("GET", f"/api/v1/pairings/{BIG}/plan", ["path", "pairing_id"]),
    ("GET", f"/api/v1/pairings/{BIG}/reports/{WEEK}", ["path", "pairing_id"]),
    ("GET", f"/api/v1/units/{HUGE}", ["path", "unit_id"]),
    ("GET", f"/api/v1/publications/{BIG}", ["path", "publication_id"]),
    ("GET", f"/api/v1/pairings?unit_id={BIG}", ["query", "unit_id"]),
    ("GET", f"/api/v1/flags?pairing_id={BIG}", ["query", "pairing_id"]),
    ("GET", f"/api/v1/pairings?offset={HUGE}", ["query", "offset"]),
    ("GET", f"/api/v1/villages?offset={HUGE * 2}", ["query", "offset"]),
    ("GET", f"/api/v1/audit?offset={BIG}", ["query", "offset"]),
    ("POST", f"/api/v1/flags/{BIG}/resolve", ["path", "flag_id"]),
    ("PATCH", f"/api/v1/users/{BIG}", ["path", "user_id"]),
])
def test_ids_and_offsets_past_their_types_are_422(client, world, method, path, loc):
    answer = client.request(method, path, headers=world.headers("admin"), json={})
    assert_names(answer, *loc)
    assert "不能大于" in answer.json()["detail"][0]["msg"]


def test_an_id_past_its_type_in_a_body_is_422(client, world):
    body = {"unit_id": BIG, "village_code": "530102001001", "signed_on": "2020-05-01",
            "committed_funds_wan": "10"}
    assert_names(client.post("/api/v1/pairings", json=body, headers=world.headers("admin")), "body", "unit_id")


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "2100-W01", "1999-W52"])
@pytest.mark.parametrize("path", [
    "/api/v1/pairings/{id}/reports/{week}",
    "/api/v1/counties/530102000000/weekly-table?week={week}",
    "/api/v1/provinces/530000000000/weekly-table?week={week}",
    "/api/v1/national/weekly-table?week={week}",
    "/api/v1/counties/530102000000/completeness?week={week}",
    "/api/v1/counties/530102000000/submissions/{week}",
    "/api/v1/counties/530102000000/candidates?week={week}",
])
def test_weeks_at_the_calendar_s_end_are_422(client, world, path, week):
    answer = client.get(path.format(id=world.id("mine"), week=week), headers=world.headers("admin"))
    assert answer.status_code == 422, answer.text
    assert "周次" in answer.json()["detail"][0]["msg"]


def test_writing_a_report_for_week_9999_is_422_and_stores_nothing(client, world, session):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/9999-W52", json=report_body(),
                        headers=world.headers("liaison"))
    assert answer.status_code == 422, answer.text
    assert reports_stored(session) == 0


@pytest.mark.parametrize("path", ["/pairings/{id}/reports/9999-W52", "/counties/530102000000/table?week=9999-W52"])
def test_pages_for_week_9999_answer_a_page_not_a_500(client, world, session, path):
    browser_login(client, world.users["county"])
    answer = client.get(path.format(id=world.id("mine")))
    assert 400 <= answer.status_code < 500 and "<html" in answer.text, answer.text


@pytest.mark.parametrize("field, value", [
    ("progress", "大棚\x00完工"), ("progress", "\x1b[31m"), ("progress", "进展\x7f"),
])
def test_control_characters_in_a_body_are_422_and_nothing_is_stored(client, world, session, field, value):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}", json=report_body(**{field: value}),
                        headers=world.headers("liaison"))
    assert_names(answer, "body", field)
    assert "控制字符" in answer.json()["detail"][0]["msg"]
    assert reports_stored(session) == 0


def test_control_characters_in_a_nested_text_and_a_list_are_422(client, world):
    story = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}",
                       json=report_body(story={"title": "标题\x00", "body": "正文"}), headers=world.headers("liaison"))
    assert_names(story, "body", "story", "title")


def test_tabs_and_line_breaks_in_text_are_kept(client, world):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}",
                        json=report_body(progress="第一行\n第二行\t完"), headers=world.headers("liaison"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["progress"] == "第一行\n第二行\t完"


@pytest.mark.parametrize("path, loc", [
    ("/api/v1/villages?q=%00", ["query", "q"]),
    ("/api/v1/units?name=a%00b", ["query", "name"]),
    ("/api/v1/regions/5301%00", ["path", "code"]),
])
def test_control_characters_in_the_path_or_query_are_422(client, world, path, loc):
    assert_names(client.get(path, headers=world.headers("admin")), *loc)


def test_a_nul_in_a_login_form_is_422_not_500(client):
    answer = client.post("/api/v1/auth/token", data={"username": "ad\x00min", "password": "x" * 10})
    assert_names(answer, "body", "username")


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d", " \ufeff ", "\u3000\u200b"])
def test_a_progress_text_of_only_invisible_characters_is_refused(client, world, session, text):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}", json=report_body(progress=text),
                        headers=world.headers("liaison"))
    assert_names(answer, "body", "progress")
    assert reports_stored(session) == 0


def test_invisible_characters_around_a_text_are_dropped(client, world):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}",
                        json=report_body(progress="\u200b完工\ufeff"), headers=world.headers("liaison"))
    assert answer.status_code == 201 and answer.json()["progress"] == "完工"


@pytest.mark.parametrize("value", ["5", 5.0, True, "5.0", [5]])
def test_a_count_in_json_is_a_json_integer(client, world, session, value):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}", json=report_body(jobs_done=value),
                        headers=world.headers("liaison"))
    assert_names(answer, "body", "jobs_done")
    assert answer.json()["detail"][0]["msg"] == "已解决就业人数必须是整数"
    assert reports_stored(session) == 0


def test_a_form_still_takes_a_count_as_typed(client, world, session):
    token = browser_login(client, world.users["liaison"])
    form = {"csrf_token": token, **{k: str(v) for k, v in report_body().items() if not isinstance(v, (dict, bool))
                                     and v is not None}, "industry_plan_done": "false", "jobs_done": "5"}
    answer = client.post(f"/pairings/{world.id('mine')}/reports/{WEEK}", data=form)
    assert answer.status_code in (200, 303), answer.text
    assert session.exec(select(Report.jobs_done)).one() == 5


def test_an_import_still_takes_counts_as_text(client, world, session):
    header = ["结对编号", "周次", "资金已到位总投入（万元）", "物资已到位（万元）", "是否已完成计划", "已完成销售（万元）",
              "已解决就业人数", "已完成培训人数", "已驻村人数", "本周项目进展"]
    rows = [header, [str(world.id("mine")), WEEK, "1", "0", "否", "0", "5", "0", "0", "进展"]]
    answer = client.post("/api/v1/imports/reports", headers=world.headers("county"),
                         files={"file": ("r.csv", csv_bytes(rows))})
    assert answer.status_code == 200, answer.text
    assert session.exec(select(Report.jobs_done)).one() == 5


@pytest.mark.parametrize("body", [b"{", b'{"progress": "x"', b"\xff\xfe", b"[1, 2", b"nul"])
def test_bad_json_is_422(client, world, session, body):
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}", content=body,
                        headers={**world.headers("liaison"), "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert reports_stored(session) == 0


@pytest.mark.parametrize("field, value", [
    ("funds_arrived_wan", "１２０"), ("funds_arrived_wan", "1,000"), ("funds_arrived_wan", "55万"),
    ("jobs_done", "８"), ("jobs_done", "1,000"), ("jobs_done", "8人"),
])
def test_the_json_api_stays_strict_about_numbers_people_type(client, world, session, field, value):
    """Forms and sheets read them (tests/web, tests/imports); a machine sends plain JSON numbers."""
    answer = client.put(f"/api/v1/pairings/{world.id('mine')}/reports/{WEEK}",
                        json=report_body(**{field: value}), headers=world.headers("liaison"))
    assert_names(answer, "body", field)
    assert reports_stored(session) == 0
