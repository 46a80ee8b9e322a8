"""催报 and notifications, end to end: the county presses its button with the campaign clock pinned
to a Thursday 09:00; a real worker sends e-mail to an SMTP server the test started (aiosmtpd) and
SMS to an HTTP gateway the test started; the inbox, the delivery log, "no one twice in an hour",
quiet hours, retries and who may see what."""

import json
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.models import Role
from app.config import Settings
from app.main import create_app
from app.notices import jobs, service
from app.notices.models import Delivery, DeliveryStatus, Notification
from app.queue import Context, Queue
from tests.conftest import migrate
from tests.factories import (
    auth_headers,
    make_pairing,
    make_report,
    make_unit,
    make_user,
    make_village,
    report_body,
)
from tests.workers import JobWorld, worker, worker_log

COUNTY = "530102000000"
WEEK = "2020-W29"
THURSDAY_9 = "2020-07-16T09:00:00+08:00"


class Mailbox:
    """What the SMTP server the test started received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


class Gateway(ThreadingHTTPServer):
    """An SMS gateway on loopback: it keeps what it was sent and answers `statuses` in turn, then 200."""

    def __init__(self, statuses: list[int] | None = None):
        self.received: list[tuple[str, dict]] = []
        self.statuses = list(statuses or [])
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append((self.headers.get("Authorization", ""), body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms"


@pytest.fixture
def services():
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd connects to its own port to know it is up: not port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    gateway, robot = Gateway(), Gateway()  # the SMS gateway; a 企业微信 group robot
    try:
        yield mailbox, port, gateway, robot
    finally:
        smtp.stop()
        gateway.shutdown()
        robot.shutdown()


@pytest.fixture
def county(scratch_db_url, tmp_path, services):
    """A county of three pairings on a database of its own, its liaisons with their contacts, the
    app with the clock at Thursday 09:00 of 2020-W29, and the settings a worker shares."""
    mailbox, smtp_port, gateway, robot = services
    migrate(scratch_db_url)
    world = JobWorld(scratch_db_url, tmp_path, {
        "BANGFU_NOW": THURSDAY_9, "BANGFU_SMTP_HOST": "127.0.0.1", "BANGFU_SMTP_PORT": str(smtp_port),
        "BANGFU_SMTP_FROM": "bangfu@example.cn", "BANGFU_SMS_GATEWAY_URL": gateway.url,
        "BANGFU_SMS_GATEWAY_KEY": "gateway-key-1", "BANGFU_WECOM_WEBHOOK_PREFIX": "http://127.0.0.1:"})
    settings = world.settings()
    app = create_app(settings)
    with Session(app.state.engine, expire_on_commit=False) as session:
        units = [make_unit(session) for _ in range(3)]
        units[0].wecom_webhook = robot.url.replace("/sms", "/cgi-bin/webhook/send?key=robot-key")
        villages = [make_village(session, code=f"530102001{n:03d}") for n in range(1, 4)]
        pairings = [make_pairing(session, unit, village) for unit, village in zip(units, villages, strict=True)]
        people = {
            "both": make_user(session, Role.liaison, unit_id=units[0].id, phone="13800138000",
                              email="both@example.cn"),
            "phone only": make_user(session, Role.liaison, unit_id=units[1].id, phone="13900139000"),
            "reported": make_user(session, Role.liaison, unit_id=units[2].id, email="done@example.cn"),
            "gone": make_user(session, Role.liaison, unit_id=units[0].id, email="gone@example.cn", active=False),
            "county": make_user(session, Role.officer, region_code=COUNTY),
            "other county": make_user(session, Role.officer, region_code="530103000000"),
        }
        make_report(session, pairings[2], WEEK)  # this unit's pairing has reported W29
        headers = {name: auth_headers(session, settings, user) for name, user in people.items()}
        session.commit()
    try:
        with TestClient(app) as client:
            yield {"world": world, "app": app, "client": client, "people": people, "headers": headers,
                   "mailbox": mailbox, "gateway": gateway, "robot": robot, "pairings": pairings,
                   "villages": [v.name for v in villages]}
    finally:
        world.forget_queue()
        app.state.engine.dispose()


def remind(county, who: str = "county"):
    return county["client"].post(f"/api/v1/counties/{COUNTY}/reminders/{WEEK}", headers=county["headers"][who])


def wait_for(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("not there in time")


def test_the_county_reminds_the_liaisons_of_missing_pairings_by_every_channel_they_have(county):
    answer = remind(county)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"queued": 2}  # both missing units' active liaisons; not who reported
    mailbox, gateway = county["mailbox"], county["gateway"]
    with worker(county["world"]):
        wait_for(lambda: len(mailbox.messages) == 1 and len(gateway.received) == 2 and len(county["robot"].received) == 1)
        log = county["client"].get(f"/api/v1/notifications/deliveries?county_code={COUNTY}&week={WEEK}",
                                   headers=county["headers"]["county"])
        wait_for(lambda: all(d["status"] == "sent" for d in county["client"].get(
            "/api/v1/notifications/deliveries", headers=county["headers"]["county"]).json()))
    assert log.status_code == 200
    entries = county["client"].get(f"/api/v1/notifications/deliveries?county_code={COUNTY}&week={WEEK}",
                                   headers=county["headers"]["county"]).json()
    print("\ndelivery log:", *[(d["user"], d["channel"], d["status"], d["attempts"]) for d in entries], sep="\n  ")
    assert sorted((d["user_id"], d["channel"], d["status"]) for d in entries) == sorted([
        (county["people"]["both"].id, "wecom", "sent"),
        (county["people"]["both"].id, "inbox", "sent"), (county["people"]["both"].id, "email", "sent"),
        (county["people"]["both"].id, "sms", "sent"), (county["people"]["phone only"].id, "inbox", "sent"),
        (county["people"]["phone only"].id, "sms", "sent")])
    (recipients, content), = mailbox.messages
    assert recipients == ["both@example.cn"] and "bangfu@example.cn" in content
    assert {body["phone"] for _auth, body in gateway.received} == {"13800138000", "13900139000"}
    assert all(auth == "Bearer gateway-key-1" for auth, _body in gateway.received)
    village = county["villages"][0]
    text = next(body["text"] for _a, body in gateway.received if body["phone"] == "13800138000")
    assert WEEK in text and "07月17日 18:00" in text and village in text, text
    # The unit with a 企业微信 group robot: one text message to its group.
    ((_auth, posted),) = county["robot"].received
    assert posted["msgtype"] == "text" and village in posted["text"]["content"] and WEEK in posted["text"]["content"]
    # The inbox: the liaison's own, unread until read; nobody else's to read.
    inbox = county["client"].get("/api/v1/notifications?unread=true", headers=county["headers"]["both"]).json()
    assert [(n["kind"], n["read_at"]) for n in inbox] == [("reminder", None)]
    assert county["client"].post(f"/api/v1/notifications/{inbox[0]['id']}/read",
                                 headers=county["headers"]["phone only"]).status_code == 404
    read = county["client"].post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=county["headers"]["both"])
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert county["client"].get("/api/v1/notifications?unread=true", headers=county["headers"]["both"]).json() == []
    # Within the hour (the clock stands at 09:00): nobody is reminded again.
    assert remind(county).json() == {"queued": 0}
    assert "Traceback" not in worker_log(county["world"])


def test_who_may_remind_and_read_the_log(county):
    assert remind(county, "other county").status_code == 404
    assert remind(county, "both").status_code in (403, 404)
    client, headers = county["client"], county["headers"]
    assert client.get(f"/api/v1/notifications/deliveries?county_code={COUNTY}",
                      headers=headers["other county"]).status_code == 404
    assert client.get("/api/v1/notifications/deliveries", headers=headers["both"]).status_code == 403
    assert client.post(f"/api/v1/counties/{COUNTY}/reminders/2020-W40", headers=headers["county"]).status_code == 422
    with Session(county["app"].state.engine) as session:
        assert session.scalars(select(Notification)).all() == []


def test_quiet_hours_hold_e_mail_and_sms_until_seven(county):
    settings = county["world"].settings()
    at = lambda text: datetime.fromisoformat(text)  # noqa: E731
    assert service.quiet_delay(settings, at("2020-07-16T12:00:00+08:00")) == 0
    assert service.quiet_delay(settings, at("2020-07-16T23:00:00+08:00")) == 8 * 3600
    assert service.quiet_delay(settings, at("2020-07-17T06:59:00+08:00")) == 60
    assert service.quiet_delay(settings, at("2020-07-16T21:59:59+08:00")) == 0
    late = county["world"].settings(now=at("2020-07-16T23:30:00+08:00"))
    queue = Queue(late)
    jobs.dispatch(queue, late, [41, 42])
    assert sorted(queue.waiting(jobs.DELIVER)) == [(41,), (42,)]
    # Held until 07:00: seven and a half hours from now, not due before.
    held = [(task.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds() for task in queue.huey.pending()]
    assert len(held) == 2 and all(7.5 * 3600 - 60 < seconds <= 7.5 * 3600 for seconds in held), held
    queue.close()


def test_a_delivery_is_retried_and_fails_with_the_reason_on_its_last_try(county):
    county["gateway"].statuses = [500, 500, 500]
    settings: Settings = county["world"].settings()
    assert remind(county).status_code == 200
    context = Context(settings, county["app"].state.engine, Queue(settings))
    with Session(county["app"].state.engine) as session:
        sms = session.scalars(select(Delivery).where(Delivery.channel == "sms").order_by(Delivery.id)).first()
        assert sms is not None
    with pytest.raises(RuntimeError, match="500"):  # tries left: huey tries again later
        jobs.deliver(context, (3, 4), sms.id)
    with pytest.raises(RuntimeError):
        jobs.deliver(context, (2, 4), sms.id)
    jobs.deliver(context, (0, 4), sms.id)  # the last try: failed, and why
    with Session(county["app"].state.engine) as session:
        done = session.get(Delivery, sms.id)
        assert (done.status, done.attempts) == (DeliveryStatus.failed, 3)
        assert "500" in done.last_error
    county["gateway"].statuses = [500, 200]
    with Session(county["app"].state.engine) as session:
        other = session.scalars(select(Delivery).where(Delivery.channel == "sms", Delivery.id != sms.id)).first()
    with pytest.raises(RuntimeError):
        jobs.deliver(context, (4, 4), other.id)
    jobs.deliver(context, (3, 4), other.id)
    with Session(county["app"].state.engine) as session:
        done = session.get(Delivery, other.id)
        assert (done.status, done.attempts, done.last_error, done.sent_at is not None) == \
            (DeliveryStatus.sent, 2, None, True)
    context.queue.close()


def test_the_calendar_reminds_on_thursday_at_nine_and_again_on_friday_only_who_has_still_not_reported(county):
    """The worker's scheduler with the clock pinned to Thursday 09:00 of the campaign: reminders go
    exactly to the liaisons of pairings without a report, once however often it looks; a report
    saved on Thursday keeps its liaison out of Friday's reminder; after the deadline the county's
    officer gets the list of late pairings."""
    world, mailbox, gateway, people = county["world"], county["mailbox"], county["gateway"], county["people"]
    with worker(world, "thursday"):
        wait_for(lambda: len(mailbox.messages) == 1 and len(gateway.received) == 2)
        time.sleep(1.5)  # the scheduler looks again each second: it must not send them again
    assert [rcpt for rcpt, _content in mailbox.messages] == [["both@example.cn"]]
    assert sorted(body["phone"] for _a, body in gateway.received) == ["13800138000", "13900139000"]
    # Thursday afternoon the "phone only" liaison's unit reports.
    world.env["BANGFU_NOW"] = "2020-07-16T15:00:00+08:00"
    settings = world.settings()
    app = create_app(settings)
    with TestClient(app) as client:
        saved = client.put(f"/api/v1/pairings/{county['pairings'][1].id}/reports/{WEEK}",
                           json=report_body(), headers=county["headers"]["phone only"])
        assert saved.status_code == 201, saved.text
    app.state.engine.dispose()
    gateway.received.clear()
    mailbox.messages.clear()
    world.env["BANGFU_NOW"] = "2020-07-17T12:00:00+08:00"  # Friday 12:00
    with worker(world, "friday"):
        wait_for(lambda: len(mailbox.messages) == 1 and len(gateway.received) == 1)
        time.sleep(1.5)
    assert [body["phone"] for _a, body in gateway.received] == ["13800138000"]
    world.env["BANGFU_NOW"] = "2020-07-17T18:05:00+08:00"  # past the deadline
    with worker(world, "deadline"):
        wait_for(lambda: any(n.kind == "late" for n in notices_of(county, people["county"].id)))
    late = [n for n in notices_of(county, people["county"].id) if n.kind == "late"]
    assert len(late) == 1 and county["villages"][0] in late[0].body and county["villages"][1] not in late[0].body
    reminders = [n for n in notices_of(county, people["both"].id) if n.kind == "reminder"]
    assert len(reminders) == 2  # Thursday and Friday, each once
    assert notices_of(county, people["reported"].id) == []
    for name in ("thursday", "friday", "deadline"):
        assert "Traceback" not in worker_log(world, name), worker_log(world, name)


def notices_of(county, user_id: int) -> list[Notification]:
    with Session(county["app"].state.engine) as session:
        return list(session.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_deliveries_go_to_the_queue_when_their_write_commits_and_never_when_it_rolls_back(county):
    settings = county["world"].settings(now=datetime.fromisoformat("2020-07-16T10:00:00+08:00"))
    queue = Queue(settings)
    people = county["people"]
    with Session(county["app"].state.engine, info={service.QUEUE: queue}) as session:
        both = session.get(type(people["both"]), people["both"].id)
        gone = service.notify(session, settings, [both], "reminder", "回滚的通知", "x", datetime.now(UTC))
        session.rollback()
        kept = service.notify(session, settings, [both], "reminder", "提交的通知", "y", datetime.now(UTC))
        assert list(queue.waiting(jobs.DELIVER)) == []  # nothing before the commit
        session.commit()
    assert len(gone) == len(kept) == 2  # e-mail and SMS
    assert sorted(queue.waiting(jobs.DELIVER)) == sorted((i,) for i in kept)
    queue.close()


def test_on_monday_units_with_fewer_than_two_liaisons_are_asked_to_name_one(county):
    from app.stats import flows

    monday = datetime.fromisoformat("2020-07-13T09:30:00+08:00")
    settings = county["world"].settings(now=monday)
    engine = county["app"].state.engine
    with Session(engine, expire_on_commit=False) as session:
        lonely = make_pairing(session, make_unit(session, name="无联络员公司"), make_village(session, code="530102001009"))
        pair = make_pairing(session, make_unit(session), make_village(session, code="530102001010"))
        for _ in range(2):
            make_user(session, Role.liaison, unit_id=pair.unit_id)
        session.commit()
        first = flows.calendar_reminders(session, settings, monday)
        session.commit()
        again = flows.calendar_reminders(session, settings, monday.replace(hour=11))  # once a week
        session.commit()
        asked = {n.user_id: n for n in session.scalars(select(Notification).where(Notification.kind == "liaisons"))}
    people = county["people"]
    # The three units of one active liaison each (a deactivated one does not count), and the
    # county's officer for the unit with none; not the unit with two.
    assert set(asked) == {people["both"].id, people["phone only"].id, people["reported"].id, people["county"].id}
    assert "无联络员公司" in asked[people["county"].id].body and lonely.id
    assert first and again == []
    assert flows.due_slots(settings, datetime.fromisoformat("2020-07-13T08:59:00+08:00")) == []
