"""The inbox page and the header's badge; 催报 from the county table, answered with who was
reached by which channel."""

from sqlmodel import select

from app.auth.models import Role
from app.common import clock_now
from app.notices import service
from app.notices.models import Notification
from tests.factories import make_pairing, make_report, make_unit, make_user, make_village
from tests.web.pages import browser_login

COUNTY = "530102000000"
WEEK = "2020-W29"


def test_the_inbox_lists_a_users_notices_and_the_badge_counts_the_unread(client, session, settings):
    liaison = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    other = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    service.notify(session, settings, [liaison], "reminder", "催报：2020-W29 周报尚未填报", "请于 07月17日 18:00 前填报。",
                   clock_now(settings), url="/")
    service.notify(session, settings, [other], "reminder", "别人的通知", "x", clock_now(settings))
    session.flush()
    token = browser_login(client, liaison)
    page = client.get("/notifications")
    assert page.status_code == 200 and "催报：2020-W29 周报尚未填报" in page.text and "别人的通知" not in page.text
    assert 'hx-get="/notifications/badge"' in client.get("/").text  # every page's header loads the badge
    assert '<span class="count" aria-label="1 条未读">1</span>' in client.get("/notifications/badge").text
    mine = session.scalars(select(Notification).where(Notification.user_id == liaison.id)).one()
    theirs = session.scalars(select(Notification).where(Notification.user_id == other.id)).one()
    assert client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token},
                       follow_redirects=False).status_code == 404
    assert client.post(f"/notifications/{mine.id}/read", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert "count" not in client.get("/notifications/badge").text
    assert "标为已读" not in client.get("/notifications").text
    assert client.post(f"/notifications/{mine.id}/read", follow_redirects=False).status_code == 403  # no CSRF


def test_the_county_reminds_from_its_table_and_sees_who_was_reached(client, session, settings):
    paired = make_pairing(session, make_unit(session), make_village(session, code="530102001001"))
    reported = make_pairing(session, make_unit(session), make_village(session, code="530102001002"))
    make_report(session, reported, WEEK)
    liaison = make_user(session, Role.liaison, unit_id=paired.unit_id, display_name="张联络")
    make_user(session, Role.liaison, unit_id=reported.unit_id, display_name="李已报")
    officer = make_user(session, Role.officer, region_code=COUNTY)
    token = browser_login(client, officer)
    table = client.get(f"/counties/{COUNTY}/table?week={WEEK}")
    assert "催报（提醒 1 个未报结对的联络员）" in table.text
    answer = client.post(f"/counties/{COUNTY}/reminders/{WEEK}", data={"csrf_token": token},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    assert "已提醒 1 名联络员" in answer.text and "张联络" in answer.text and "李已报" not in answer.text
    assert "站内信" in answer.text and "已发送" in answer.text
    assert session.scalars(select(Notification).where(Notification.user_id == liaison.id)).one().kind == "reminder"
    again = client.post(f"/counties/{COUNTY}/reminders/{WEEK}", data={"csrf_token": token},
                        headers={"HX-Request": "true"})
    assert "没有新的提醒" in again.text
    other = make_user(session, Role.officer, region_code="530103000000")
    client.cookies.clear()
    token = browser_login(client, other)
    assert client.post(f"/counties/{COUNTY}/reminders/{WEEK}", data={"csrf_token": token}).status_code == 404


def test_the_county_worklist_reminds_the_missing_pairings_too(client, session, settings):
    paired = make_pairing(session, make_unit(session), make_village(session, code="530102001001"))
    make_user(session, Role.liaison, unit_id=paired.unit_id, display_name="王联络")
    token = browser_login(client, make_user(session, Role.officer, region_code=COUNTY))
    page = client.get("/")
    assert f'hx-post="/counties/{COUNTY}/reminders/{WEEK}"' in page.text and "催报：提醒以下结对的联络员" in page.text
    answer = client.post(f"/counties/{COUNTY}/reminders/{WEEK}", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert "已提醒 1 名联络员" in answer.text and "王联络" in answer.text
