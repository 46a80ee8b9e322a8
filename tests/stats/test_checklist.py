"""The county's checklist before it sends its week up (API.md "Submissions"): the counts, the
submission refused while a report is returned, the confirmation and note an incomplete week
needs, what the province then sees, and the province's return reason shown back to the county.

The clock is pinned to 2020-07-15 (2020-W29)."""

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.review.models import Flag, FlagStatus
from app.stats.models import Submission
from tests.factories import report_body
from tests.scenario import COUNTY, LAST_WEEK, OTHER_COUNTY, PROVINCE, WEEK, Scenario, return_week, submit_week
from tests.web.pages import browser_login

API = f"/api/v1/counties/{COUNTY}/submissions"
NOTE = "甲村所在片区断网，周报下周补报；其余已电话核实"


@pytest.fixture
def world(session, settings) -> Scenario:
    """County 五华区 in week W29, one pairing in each state the checklist counts:
    missing (never reported), unreviewed (reported), returned (sent back to the liaison),
    flagged (approved, but S5 open: 100 jobs against a plan of 20) and clean (approved).
    An ended pairing and a pairing of another county, both flagged, do not count."""
    w = Scenario(session, settings)
    for key, village, name in [("missing", "530102001001", "甲村"), ("unreviewed", "530102001002", "乙村"),
                               ("returned", "530102001003", "丙村"), ("flagged", "530102001004", "丁村"),
                               ("clean", "530102001005", "戊村")]:
        w.pairing(key, village, unit=f"{key}公司", village=name)
    w.pairing("elsewhere", "530103001001", unit="外县公司")
    w.user("county", Role.officer, COUNTY)
    w.user("other_county", Role.officer, OTHER_COUNTY)
    w.user("province", Role.officer, PROVINCE)
    for key in ("unreviewed", "returned", "clean"):
        w.file_report("county", key, WEEK)
    w.file_report("county", "flagged", WEEK, jobs_done=100)
    w.file_report("other_county", "elsewhere", WEEK, jobs_done=100)
    return w


def review(client, world: Scenario, key: str, action: str, **body) -> None:
    answer = client.post(f"/api/v1/pairings/{world.id(key)}/reports/{WEEK}/{action}", json=body or None,
                         headers=world.headers("county"))
    assert answer.status_code == 200, answer.text


@pytest.fixture
def week(client, world) -> Scenario:
    review(client, world, "returned", "return", reason="就业人数与花名册不符，请核实")
    review(client, world, "flagged", "approve")
    review(client, world, "clean", "approve")
    return world


def checklist(client, world: Scenario, who: str = "county", week: str = WEEK):
    return client.get(f"{API}/{week}/checklist", headers=world.headers(who))


def submissions(session) -> list[Submission]:
    session.expire_all()
    return list(session.scalars(select(Submission)))


def open_flags(session) -> list[Flag]:
    return list(session.scalars(select(Flag).where(Flag.status == FlagStatus.open)))


# --- the checklist ----------------------------------------------------------------------------


def test_the_checklist_counts_missing_unreviewed_returned_and_flagged_reports(client, session, week):
    # The flags the rules raised: S5 on 丁村 and on the other county's pairing, nothing else.
    assert sorted((f.pairing_id, f.rule) for f in open_flags(session)) == sorted(
        [(week.id("flagged"), "S5"), (week.id("elsewhere"), "S5")])
    answer = checklist(client, week)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {key: body[key] for key in ("expected", "received", "missing", "unreviewed", "returned",
                                       "open_flags", "ready")} == {
        "expected": 5, "received": 4, "missing": 1, "unreviewed": 1, "returned": 1, "open_flags": 1,
        "ready": False}
    assert [(r["pairing_id"], r["village"], r["unit"]) for r in body["returned_reports"]] == [
        (week.id("returned"), "丙村", "returned公司")]
    # The province reads the same checklist.
    assert checklist(client, week, "province").json()["open_flags"] == 1


def test_a_week_the_county_has_finished_is_ready(client, session, week):
    week.file_report("county", "missing", WEEK)
    week.file_report("county", "returned", WEEK)  # re-sent: submitted again
    for key in ("missing", "returned", "unreviewed"):
        review(client, week, key, "approve")
    (flag,) = [f for f in open_flags(session) if f.pairing_id == week.id("flagged")]
    resolved = client.post(f"/api/v1/flags/{flag.id}/resolve", json={"resolution": "verified", "note": "已核实"},
                           headers=week.headers("county"))
    assert resolved.status_code == 200, resolved.text
    body = checklist(client, week).json()
    assert (body["received"], body["missing"], body["unreviewed"], body["returned"], body["open_flags"],
            body["ready"]) == (5, 0, 0, 0, 0, True)

    # A complete week goes up without a body, as before the checklist.
    answer = client.post(f"{API}/{WEEK}", headers=week.headers("county"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["note"] is None
    assert answer.json()["checklist"] == {"expected": 5, "received": 5, "missing": 0, "unreviewed": 0,
                                          "returned": 0, "open_flags": 0}


def test_a_pairing_ended_before_the_week_is_not_expected(client, session, week):
    pairing = week.pairings["missing"]
    pairing.active, pairing.ended_on = False, date(2020, 7, 1)  # ended before W29 began
    session.flush()
    body = checklist(client, week).json()
    assert (body["expected"], body["missing"]) == (4, 0)


def test_the_checklist_is_for_the_county_s_readers_only(client, session, week):
    assert checklist(client, week, "other_county").status_code == 404
    week.user("liaison", Role.liaison, unit="clean公司")
    assert checklist(client, week, "liaison").status_code == 404
    assert checklist(client, week, week="2020-W99").status_code == 422


# --- submitting --------------------------------------------------------------------------------


def test_a_returned_report_blocks_the_submission_even_when_confirmed(client, session, week):
    for body in (None, {"confirm_incomplete": True, "note": NOTE}):
        answer = client.post(f"{API}/{WEEK}", json=body, headers=week.headers("county"))
        assert answer.status_code == 409, answer.text
        detail = answer.json()["detail"]
        assert "1 份周报已退回" in detail and "丙村（returned公司" in detail
        assert answer.json()["checklist"]["returned"] == 1
    assert submissions(session) == []
    # The report can still be fixed: the week is not locked.
    again = client.put(f"/api/v1/pairings/{week.id('returned')}/reports/{WEEK}",
                       json=report_body(jobs_done=7), headers=week.headers("county"))
    assert again.status_code == 200, again.text


def test_an_incomplete_week_needs_a_confirmation_and_a_note(client, session, week):
    week.file_report("county", "returned", WEEK)  # re-sent; now only missing, unreviewed, flagged remain
    headers = week.headers("county")
    refused = client.post(f"{API}/{WEEK}", headers=headers)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "本周未报 1 个结对" in detail and "待审核周报 2 份" in detail and "待核实存疑数据 1 条" in detail
    assert client.post(f"{API}/{WEEK}", json={}, headers=headers).status_code == 409
    assert client.post(f"{API}/{WEEK}", json={"note": NOTE}, headers=headers).status_code == 409

    for bad, field in [({"confirm_incomplete": True}, "note"), ({"confirm_incomplete": True, "note": "  "}, "note"),
                       ({"confirm_incomplete": True, "note": "x" * 2001}, "note"),
                       ({"confirm_incomplete": "maybe", "note": NOTE}, "confirm_incomplete"),
                       ({"confirm_incomplete": True, "note": NOTE, "status": "accepted"}, "status")]:
        answer = client.post(f"{API}/{WEEK}", json=bad, headers=headers)
        assert answer.status_code == 422, (bad, answer.text)
        assert any(e["loc"] == ["body", field] for e in answer.json()["detail"]), answer.text
    assert submissions(session) == []

    answer = client.post(f"{API}/{WEEK}", json={"confirm_incomplete": True, "note": NOTE}, headers=headers)
    assert answer.status_code == 201, answer.text
    counts = {"expected": 5, "received": 4, "missing": 1, "unreviewed": 2, "returned": 0, "open_flags": 1}
    assert answer.json()["note"] == NOTE and answer.json()["checklist"] == counts
    (stored,) = submissions(session)
    assert (stored.note, stored.checklist) == (NOTE, counts)

    # The province reads the note and the counts, in the submission and in the list.
    got = client.get(f"{API}/{WEEK}", headers=week.headers("province")).json()
    assert got["note"] == NOTE and got["checklist"] == counts
    listed = client.get(API, headers=week.headers("province")).json()
    assert listed[0]["note"] == NOTE and listed[0]["checklist"] == counts

    # Audited as the submission it is, note and counts included.
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "submission")).one()
    assert event.action == "create" and event.after["note"] == NOTE and event.after["checklist"] == counts
    assert "snapshot" not in event.after


# --- pages ---------------------------------------------------------------------------------


HTMX = {"HX-Request": "true"}


def test_the_table_page_shows_the_checklist_and_refuses_while_a_report_is_returned(client, session, week):
    token = browser_login(client, week.users["county"])
    page = client.get(f"/counties/{COUNTY}/table?week={WEEK}").text
    assert 'id="checklist"' in page and "上报前核对" in page
    assert f"/pairings/{week.id('returned')}/reports/{WEEK}" in page  # the returned report, linked
    assert f'/review?week={WEEK}#reports' in page and f'/review?week={WEEK}#flags' in page
    assert 'aria-describedby="submit-blocked" disabled' in page or 'disabled aria-describedby="submit-blocked"' in page
    assert "暂不能上报：有 1 份周报已退回" in page

    # A post made anyway is refused in place with the reason, nothing stored.
    answer = client.post(f"/counties/{COUNTY}/submissions/{WEEK}", headers=HTMX,
                         data={"csrf_token": token, "confirm_incomplete": "true", "note": NOTE})
    assert answer.status_code == 409 and 'id="checklist"' in answer.text and "1 份周报已退回" in answer.text
    assert submissions(session) == []


def test_the_page_asks_an_incomplete_week_for_a_confirmation_and_a_note(client, session, week):
    week.file_report("county", "returned", WEEK)
    token = browser_login(client, week.users["county"])
    page = client.get(f"/counties/{COUNTY}/table?week={WEEK}").text
    assert 'name="confirm_incomplete"' in page and 'name="note"' in page and "带缺项上报省扶贫办" in page
    url = f"/counties/{COUNTY}/submissions/{WEEK}"

    unticked = client.post(url, headers=HTMX, data={"csrf_token": token, "note": NOTE})
    assert unticked.status_code == 422 and "本周未报 1 个结对" in unticked.text
    assert "请勾选“确认带缺项上报”" in unticked.text
    assert NOTE in unticked.text  # what was typed stays
    no_note = client.post(url, headers=HTMX, data={"csrf_token": token, "confirm_incomplete": "true", "note": ""})
    assert no_note.status_code == 422 and "请填写说明" in no_note.text and "checked" in no_note.text
    assert submissions(session) == []

    done = client.post(url, headers=HTMX, data={"csrf_token": token, "confirm_incomplete": "true", "note": NOTE})
    assert done.status_code == 200 and "本周周报已锁定" in done.text
    assert done.headers["HX-Retarget"] == "#main"
    (stored,) = submissions(session)
    assert stored.note == NOTE and stored.checklist["missing"] == 1


def test_the_province_sees_the_note_and_the_counts_where_it_decides(client, session, week):
    week.file_report("county", "returned", WEEK)
    submit_week(session, week.settings, week.users["county"], COUNTY, WEEK)
    submission = submissions(session)[0]
    browser_login(client, week.users["province"])
    page = client.get(f"/counties/{COUNTY}/submissions/{WEEK}").text
    assert "县级确认带缺项上报" in page and submission.note in page
    assert "本周未报</dt><dd>1</dd>" in page and "待审核周报</dt><dd>2</dd>" in page
    assert "退回县级修改" in page  # and decides on the same page
    home = client.get("/").text
    assert "带缺项上报" in home


# --- the reason back down -------------------------------------------------------------------


def test_the_county_sees_why_the_province_returned_its_week(client, session, week):
    week.file_report("county", "returned", WEEK)
    submit_week(session, week.settings, week.users["county"], COUNTY, WEEK)
    reason = "丁村就业人数是计划的 5 倍，请核实后重报"
    return_week(session, week.settings, week.users["province"], COUNTY, WEEK, reason)
    browser_login(client, week.users["county"])
    home = client.get("/").text
    assert 'id="returned-weeks"' in home and reason in home
    assert f"/counties/{COUNTY}/table?week={WEEK}#checklist" in home
    table = client.get(f"/counties/{COUNTY}/table?week={WEEK}").text
    assert "省扶贫办已退回本县 2020-W29 统计表" in table and reason in table
    # The week is open again: the form is back.
    assert "带缺项上报省扶贫办" in table


def test_an_earlier_week_returned_stays_on_the_worklist_until_sent_again(client, session, week):
    submit_week(session, week.settings, week.users["county"], COUNTY, LAST_WEEK)
    return_week(session, week.settings, week.users["province"], COUNTY, LAST_WEEK, "上周资金数据有误")
    browser_login(client, week.users["county"])
    home = client.get("/").text
    assert "上周资金数据有误" in home and LAST_WEEK in home
    submit_week(session, week.settings, week.users["county"], COUNTY, LAST_WEEK)
    assert "上周资金数据有误" not in client.get("/").text
