"""Approving many of a county's reports of a week at once (API.md "Weekly reports across
pairings"): exactly those without open flags, each as the single approve approves it and audited
so, the rest skipped with their reasons; and a report re-sent while the approve runs is judged by
its new figures, on SQLite and PostgreSQL."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.auth.policy import Principal
from app.catalogue import LABELS
from app.common import clock_now
from app.config import Settings
from app.db import create_db_engine, writer
from app.pairings.policy import pairing_access
from app.reports import service
from app.reports.flows import save_report
from app.reports.models import FIGURE_FIELDS, Report, ReportIn
from app.reports.policy import report_access, write_access
from app.review.models import Flag
from app.stats.models import Submission
from tests.conftest import migrate
from tests.factories import make_report, report_body
from tests.scenario import COUNTY, LAST_WEEK, OTHER_COUNTY, WEEK, Scenario
from tests.web.pages import browser_login

URL = f"/api/v1/counties/{COUNTY}/reports/{WEEK}/approve"


@pytest.fixture
def world(session, settings):
    """Five pairings in the county and one next door: two clean reports this week, one with
    open flags (S3, S4, S5: 20000 万元), one already approved, one returned, one not reported;
    and last week's report of a clean pairing, still waiting."""
    w = Scenario(session, settings)
    for n, key in enumerate(("clean1", "clean2", "flagged", "approved", "returned", "missing"), start=1):
        w.pairing(key, f"530102001{n:03d}", unit=f"{key}公司")
        w.user(f"{key}-liaison", Role.liaison, unit=f"{key}公司")
    w.pairing("next_door", "530103001001", unit="邻县公司")
    w.user("next_door-liaison", Role.liaison, unit="邻县公司")
    w.user("county", Role.officer, COUNTY)
    w.user("other_county", Role.officer, OTHER_COUNTY)
    w.user("province", Role.officer, "530000000000")
    w.file_report("clean1-liaison", "clean1", LAST_WEEK, funds_arrived_wan="10")
    for key in ("clean1", "clean2", "approved", "returned"):
        w.file_report(f"{key}-liaison", key, WEEK)
    w.file_report("flagged-liaison", "flagged", WEEK, funds_arrived_wan="20000")
    w.file_report("next_door-liaison", "next_door", WEEK)
    officer = Principal.of(w.users["county"])
    for key, action in (("approved", "approve"), ("returned", "return")):
        access = report_access(session, pairing_access(session, officer, w.id(key), lock=True), WEEK)
        if action == "approve":
            service.approve_report(session, access)
        else:
            service.return_report(session, settings, access, "请补充进展说明")
    session.flush()
    return w


def status_of(session, world, key, week=WEEK):
    return session.scalars(select(Report.status).where(Report.pairing_id == world.id(key),
                                                        Report.week == week)).one()


def approvals(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "report", AuditEvent.action == "state",
        AuditEvent.after["status"].as_string() == "approved")) or 0


def test_all_without_open_flags_approves_exactly_those(client, session, world):
    before = approvals(session)
    answer = client.post(URL, json={"all_without_open_flags": True}, headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["approved"] == 2
    assert sorted(body["approved_pairing_ids"]) == sorted([world.id("clean1"), world.id("clean2")])
    reasons = {item["pairing_id"]: item["reason"] for item in body["skipped"]}
    assert reasons == {
        world.id("flagged"): "有 3 条待核实的存疑数据（S3、S4、S5），请先核实",
        world.id("approved"): "已审核通过",
        world.id("returned"): "已退回，待联络员重新报送",
        world.id("missing"): f"{WEEK} 本周未报",
    }
    assert [status_of(session, world, k) for k in ("clean1", "clean2", "flagged", "approved", "returned")] == \
        ["approved", "approved", "submitted", "approved", "returned"]
    # Only the week asked: last week's report and the county next door are untouched.
    assert status_of(session, world, "clean1", LAST_WEEK) == "submitted"
    assert status_of(session, world, "next_door") == "submitted"
    # Audited per report, as the single approve is.
    assert approvals(session) - before == 2


def test_the_pairings_named_are_approved_and_the_rest_skipped_with_reasons(client, session, world):
    named = [world.id("clean1"), world.id("flagged"), world.id("next_door"), 999999, world.id("clean1")]
    answer = client.post(URL, json={"pairing_ids": named}, headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["approved_pairing_ids"] == [world.id("clean1")]
    assert [item["pairing_id"] for item in body["skipped"]] == [world.id("flagged"), world.id("next_door"), 999999]
    # Another county's pairing reads like an unknown one: nothing is told about it.
    assert body["skipped"][1]["reason"] == f"结对 {world.id('next_door')} 不存在或不在您的管辖范围内"
    assert body["skipped"][2]["reason"] == "结对 999999 不存在或不在您的管辖范围内"
    assert status_of(session, world, "clean2") == "submitted"  # not named
    assert status_of(session, world, "next_door") == "submitted"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "pairing_ids"),
    ({"all_without_open_flags": False}, "pairing_ids"),
    ({"pairing_ids": [1], "all_without_open_flags": True}, "all_without_open_flags"),
    ({"pairing_ids": []}, "pairing_ids"),
    ({"pairing_ids": [0]}, "pairing_ids"),
    ({"all_without_open_flags": True, "status": "approved"}, "status"),
])
def test_exactly_one_of_the_two_keys_or_422_naming_the_field(client, session, world, body, field):
    answer = client.post(URL, json=body, headers=world.headers("county"))
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"][0]["loc"]
    assert status_of(session, world, "clean1") == "submitted"


def test_a_report_re_sent_after_the_page_was_shown_is_not_approved_unseen(client, session, settings, world):
    shown = clock_now(settings)
    for key, when in (("clean1", shown - timedelta(hours=1)), ("clean2", shown + timedelta(minutes=1))):
        report = session.scalars(select(Report).where(Report.pairing_id == world.id(key), Report.week == WEEK)).one()
        report.submitted_at = when  # clean2 re-sent after the page was shown
    session.flush()
    answer = client.post(URL, json={"all_without_open_flags": True, "as_of": shown.isoformat()},
                         headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["approved_pairing_ids"] == [world.id("clean1")]
    assert {"pairing_id": world.id("clean2"), "reason": "打开审核页面之后又重新报送过，请查看新数据后再审核"} \
        in answer.json()["skipped"]


def test_a_submitted_week_is_refused_whole(client, session, world):
    # Sent up as it stands (straight into the table: what locks the week is the live submission).
    session.add(Submission(county_code=COUNTY, week=WEEK, snapshot={}, submitted_by=world.users["county"].id))
    session.flush()
    answer = client.post(URL, json={"all_without_open_flags": True}, headers=world.headers("county"))
    assert answer.status_code == 409 and "已锁定" in answer.json()["detail"]
    assert status_of(session, world, "clean1") == "submitted"


def test_who_may_approve_in_bulk(client, session, world):
    body = {"all_without_open_flags": True}
    assert client.post(URL, json=body, headers=world.headers("other_county")).status_code == 404
    assert client.post(URL, json=body, headers=world.headers("clean1-liaison")).status_code == 404
    assert client.post(URL, json=body, headers=world.headers("province")).status_code == 403
    assert client.post(f"/api/v1/counties/{COUNTY}/reports/2019-W01/approve", json=body,
                       headers=world.headers("county")).status_code == 422
    assert status_of(session, world, "clean1") == "submitted"


# --- a liaison's save and the bulk approve at once, on a database of their own ---------------


def test_a_report_re_sent_while_the_bulk_approve_runs_is_judged_by_its_new_figures(scratch_db_url, settings):
    """The liaison's save holds the pairing (and on SQLite the write lock) while it raises S3; the
    bulk approve that starts meanwhile waits, then sees the new figures and their flags and leaves
    the report for the county to look at. Read before the save, it would approve it."""
    migrate(scratch_db_url)
    live = Settings(**{**settings.model_dump(), "database_url": scratch_db_url})
    engine = writer(create_db_engine(scratch_db_url))
    try:
        with Session(engine, expire_on_commit=False) as session:
            world = Scenario(session, live)
            world.pairing("mine", "530102001001", unit="甲公司")
            liaison = world.user("liaison", Role.liaison, unit="甲公司")
            county = world.user("county", Role.officer, COUNTY)
            world.file_report("liaison", "mine", WEEK)
            session.commit()
            pid = world.id("mine")

        saving = Session(engine, expire_on_commit=False)
        access = write_access(saving, pairing_access(saving, Principal.of(liaison), pid, lock=True), WEEK)
        save_report(saving, live, access, ReportIn.model_validate(report_body(funds_arrived_wan="20000")))
        started = threading.Event()

        def bulk() -> service.BulkApproval:
            with Session(engine, expire_on_commit=False) as other:
                started.set()
                done = service.approve_many(other, Principal.of(county), COUNTY, WEEK, None)
                other.commit()
                return done

        with ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(bulk)
            started.wait(5)
            time.sleep(1.0)
            assert not running.done(), "the bulk approve did not wait for the liaison's save"
            saving.commit()
            saving.close()
            done = running.result(timeout=30)
        assert done.approved == []
        assert done.skipped == [(pid, "有 3 条待核实的存疑数据（S3、S4、S5），请先核实", True)]
        with Session(engine) as check:
            report = check.scalars(select(Report).where(Report.pairing_id == pid)).one()
            assert (report.status, report.funds_arrived_wan) == ("submitted", Decimal(20000))
            assert check.scalar(select(func.count()).select_from(Flag).where(Flag.status == "open")) == 3
    finally:
        engine.dispose()


# --- the review page ---------------------------------------------------------------------------


def page_token(client, world) -> str:
    return browser_login(client, world.users["county"])


def as_of_of(html: str) -> str:
    found = re.search(r'name="as_of" value="([^"]+)"', html)
    assert found, "the bulk form carries no as_of"
    return found.group(1)


def test_the_review_page_shows_every_figure_with_its_change_decreases_in_red(client, session, world):
    make_report(session, world.pairings["clean2"], LAST_WEEK, jobs_done=20)  # W29 has 8: down 12
    page_token(client, world)
    html = client.get("/review").text
    row = html[html.index(f'id="report-{world.id("clean2")}-{WEEK}"'):]
    row = row[:row.index("</tr>")]
    for key in FIGURE_FIELDS:
        assert f"<dt>{LABELS[key].brief_text}</dt>" in row, key
    assert '<span class="chg down" title="较上次报送（2020-W28）">-12</span>' in row
    first = html[html.index(f'id="report-{world.id("clean1")}-{WEEK}"'):]
    assert '<span class="chg" title="较上次报送（2020-W28）">+10</span>' in first[:first.index("</tr>")]


def test_approve_all_without_open_flags_from_the_page_answers_the_queue_with_the_result_in_place(client, session, world):
    token = page_token(client, world)
    as_of = as_of_of(client.get("/review").text)
    answer = client.post(f"/review/reports/{WEEK}/approve", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "as_of": as_of, "all_without_open_flags": "1"})
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "<html" not in html and html.lstrip().startswith('<div id="queue">')
    # The notice sits in the week's own bar, beside the buttons pressed.
    bar = html[html.index(f'id="approve-{WEEK}"'):]
    assert '<p class="success" role="status">2020-W29：已审核通过 2 份周报；1 份未通过，原因见各行</p>' in bar
    for key in ("clean1", "clean2"):
        row = html[html.index(f'id="report-{world.id(key)}-{WEEK}"'):]
        assert "县级已审核" in row[:row.index("</tr>")]
    flagged = html[html.index(f'id="report-{world.id("flagged")}-{WEEK}"'):]
    assert "未通过：有 3 条待核实的存疑数据（S3、S4、S5），请先核实" in flagged[:flagged.index("</tr>")]
    assert [status_of(session, world, k) for k in ("clean1", "clean2", "flagged")] == ["approved", "approved", "submitted"]


def test_approve_selected_from_the_page_and_nothing_selected_is_422(client, session, world):
    token = page_token(client, world)
    as_of = as_of_of(client.get("/review").text)
    refused = client.post(f"/review/reports/{WEEK}/approve", data={"csrf_token": token, "as_of": as_of})
    assert refused.status_code == 422 and "请先勾选要通过的周报" in refused.text
    answer = client.post(f"/review/reports/{WEEK}/approve",
                         data={"csrf_token": token, "as_of": as_of, "pairing_ids": [str(world.id("clean2"))]})
    assert answer.status_code == 200 and "已审核通过 1 份周报" in answer.text
    assert [status_of(session, world, k) for k in ("clean1", "clean2")] == ["submitted", "approved"]


def test_a_single_approve_on_the_page_keeps_the_row_with_its_notice(client, session, world):
    token = page_token(client, world)
    pid = world.id("clean1")
    answer = client.post(f"/review/reports/{pid}/{WEEK}/approve", data={"csrf_token": token},
                         headers={"HX-Request": "true"})
    row = answer.text[answer.text.index(f'id="report-{pid}-{WEEK}"'):]
    row = row[:row.index("</tr>")]
    assert 'class="done"' in row and "县级已审核" in row and "周报已审核通过" in row
