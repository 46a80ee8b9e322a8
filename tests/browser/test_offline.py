"""A liaison on a weak signal: what is typed is kept on the phone and put back after a reload; a
save without signal waits in the phone's outbox ("已存手机，待发送"), the form opens again offline
from the service worker's copy, and the report is sent by itself when the signal returns, stored
once ("已发送"); a session that ended during the save is logged into again and the report sent."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update
from sqlmodel import Session

from app.auth.models import WebSession
from app.common import utcnow
from app.db import create_db_engine
from app.reports.models import Report
from tests.browser.conftest import fill_report, login
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def reports(live_server, pairing: str, week: str) -> list[Report]:
    engine = create_db_engine(live_server["db"])
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Report).where(Report.pairing_id == live_server[pairing],
                                                             Report.week == week)))
    finally:
        engine.dispose()


def test_what_was_typed_is_back_after_a_reload(phone, live_server):
    login(phone, "liaison")
    phone.goto(f"/pairings/{live_server['pairing']}/reports/2020-W28")
    fill_report(phone, "大棚主体完工", funds_arrived_wan="１２０", materials_arrived_wan="0", sales_done_wan="0",
                jobs_done="3", trained_done="0", stationed_now="1")
    status = phone.locator("#draft-status")
    expect(status).to_contain_text("草稿已保存在手机")
    phone.reload()
    expect(phone.locator("input[name=funds_arrived_wan]")).to_have_value("１２０")
    expect(phone.locator("textarea[name=progress]")).to_have_value("大棚主体完工")
    expect(status).to_contain_text("已恢复手机上保存的草稿")
    assert reports(live_server, "pairing", "2020-W28") == []  # nothing sent: only kept


def test_a_save_without_signal_waits_on_the_phone_and_is_sent_once_when_the_signal_returns(weak_signal, live_server):
    phone, signal = weak_signal
    login(phone, "liaison")
    url = f"/pairings/{live_server['pairing']}/reports/2020-W29"
    phone.goto(url)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.reload()  # now through the service worker, which keeps a copy of the page
    fill_report(phone, "村口道路硬化完成", funds_arrived_wan="1,000", materials_arrived_wan="0",
                sales_done_wan="0", jobs_done="4", trained_done="2", stationed_now="1")
    signal.lose()
    pressed = utcnow()
    phone.get_by_role("button", name="报送本周进展").tap()
    status = phone.locator("#draft-status")
    expect(status).to_contain_text("已存手机，待发送")

    again = phone.reload()  # no signal: the page comes from the phone
    assert again.from_service_worker
    expect(phone.locator("input[name=funds_arrived_wan]")).to_have_value("1,000")
    expect(phone.locator("textarea[name=progress]")).to_have_value("村口道路硬化完成")
    expect(status).to_contain_text("已存手机，待发送")
    assert reports(live_server, "pairing", "2020-W29") == []
    never_opened = phone.goto("/imports")  # the worker has no copy of it, and no network either
    assert never_opened.status == 503
    expect(phone.locator("body")).to_contain_text("当前没有网络")
    phone.go_back()
    expect(phone.locator("input[name=funds_arrived_wan]")).to_have_value("1,000")
    phone.fill("input[name=jobs_done]", "5")  # a change after the save that waits: it is sent too
    phone.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('bangfu:outbox:')"
                            " && localStorage.getItem(k).includes('jobs_done=5'))")
    expect(status).to_contain_text("已存手机，待发送")

    edited = utcnow()
    signal.back()  # the signal returns: sent by itself
    expect(phone.locator("#draft-status")).to_contain_text("已发送")
    expect(phone.locator("p.success")).to_contain_text("本周进展已报送")
    stored = reports(live_server, "pairing", "2020-W29")
    assert len(stored) == 1 and stored[0].funds_arrived_wan == 1000 and stored[0].jobs_done == 5
    # The phone's save time travels with it: the last change before the signal came back (the
    # phone's clock; the server's receive time is its own).
    assert stored[0].client_saved_at is not None
    assert pressed - timedelta(seconds=2) <= stored[0].client_saved_at <= edited + timedelta(seconds=2)
    phone.reload()
    expect(phone.locator("#draft-status")).to_have_text("")  # the server has it: no draft is left
    assert len(reports(live_server, "pairing", "2020-W29")) == 1


def test_a_session_that_ended_during_the_save_logs_in_again_and_sends_what_was_typed(phone, live_server):
    login(phone, "liaison")
    phone.goto(f"/pairings/{live_server['planned']}/reports/2020-W29")
    phone.fill("input[name=jobs_done]", "9")
    phone.fill("textarea[name=progress]", "新增 3 人务工")
    engine = create_db_engine(live_server["db"])
    with Session(engine) as session:  # the session runs out while the liaison types
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    engine.dispose()
    phone.get_by_role("button", name="报送本周进展").tap()
    expect(phone).to_have_url(re.compile(r"/login\?next=/pairings/"))
    expect(phone.locator("#outbox-waiting")).to_be_visible()
    phone.fill("input[name=username]", "liaison")
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="登录").tap()
    expect(phone).to_have_url(re.compile(rf"/pairings/{live_server['planned']}/reports/2020-W29$"))
    expect(phone.locator("#draft-status")).to_contain_text("已发送")
    stored = reports(live_server, "planned", "2020-W29")
    assert len(stored) == 1 and stored[0].jobs_done == 9 and stored[0].progress == "新增 3 人务工"
    assert stored[0].funds_arrived_wan == 30  # carried from W28, as the form had it
