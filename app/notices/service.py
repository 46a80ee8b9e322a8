"""Notices: written to the inbox of each user at once, and queued for delivery by every channel
the user has (e-mail when BANGFU_SMTP_HOST is set and the user has an address, SMS when
BANGFU_SMS_GATEWAY_URL is set and the user has a mobile number). The delivery jobs
(app/notices/jobs.py) send them after the writer's commit, never in quiet hours."""

import smtplib
import ssl
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage

import httpx
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.auth.models import Role, User
from app.auth.policy import Principal
from app.common import local_tz, utcnow
from app.config import Settings
from app.errors import NotFound
from app.notices.models import Channel, Delivery, DeliveryPublic, DeliveryStatus, Notification

SEND_TIMEOUT = 10  # seconds for an SMTP server or a gateway to answer
PENDING = "notices.pending"  # session.info: deliveries to enqueue when the session commits
QUEUE = "notices.queue"  # session.info: the process's task queue (app.db.get_session, the worker)


def channels_of(settings: Settings, user: User) -> list[tuple[Channel, str]]:
    """Where a notice to `user` goes besides the inbox, with the address each goes to."""
    out: list[tuple[Channel, str]] = []
    if settings.smtp_host and user.email:
        out.append((Channel.email, user.email))
    if settings.sms_gateway_url and user.phone:
        out.append((Channel.sms, user.phone))
    return out


def notify(session: Session, settings: Settings, users: Iterable[User], kind: str, title: str, body: str,
           now: datetime, url: str | None = None, county_code: str | None = None,
           week: str | None = None, wecom: str | None = None) -> list[int]:
    """A notice for each user: in the inbox now, and a queued delivery by each of the user's
    channels; and, when the users are a unit's liaisons with a 企业微信 group robot (`wecom`), one
    post to their group. The queued deliveries' ids (sent once the session commits)."""
    queued: list[Delivery] = []
    first: int | None = None
    for user in users:
        assert user.id is not None
        notice = Notification(user_id=user.id, kind=kind, title=title, body=body, url=url,
                              county_code=county_code, week=week, created_at=now)
        session.add(notice)
        session.flush()
        assert notice.id is not None
        first = first or notice.id
        # The log keeps real times (the campaign clock may be pinned): when it was queued and sent.
        session.add(Delivery(notification_id=notice.id, channel=Channel.inbox, target=f"user:{user.id}",
                             status=DeliveryStatus.sent, attempts=1, sent_at=utcnow()))
        for channel, target in channels_of(settings, user):
            delivery = Delivery(notification_id=notice.id, channel=channel, target=target)
            session.add(delivery)
            queued.append(delivery)
    if wecom and first is not None:  # one post to the group, however many of its members are told
        delivery = Delivery(notification_id=first, channel=Channel.wecom, target=wecom)
        session.add(delivery)
        queued.append(delivery)
    session.flush()
    ids = [d.id for d in queued if d.id is not None]
    # Sent once the writer's transaction commits (app.notices.jobs listens for the commit): never
    # before the notice exists for the worker to read, never when the write is rolled back.
    session.info.setdefault(PENDING, []).extend(ids)
    return ids


def officers_of(session: Session, region_code: str) -> list[User]:
    """The active officers of exactly this region (a county's own 扶贫办)."""
    return list(session.exec(select(User).where(User.role == Role.officer, User.region_code == region_code,
                                                col(User.active)).order_by(col(User.id))))


def notified_since(session: Session, user_ids: Sequence[int], kind: str, since: datetime) -> set[int]:
    """Those of the users who were sent a notice of `kind` after `since` (no one twice in an hour)."""
    if not user_ids:
        return set()
    return set(session.scalars(select(Notification.user_id).where(
        col(Notification.user_id).in_(list(user_ids)), Notification.kind == kind,
        col(Notification.created_at) > since)))


def quiet_delay(settings: Settings, now: datetime) -> float:
    """Seconds until e-mail and SMS may go out: 0 outside quiet hours (22:00–07:00 by default)."""
    local = now.astimezone(local_tz(settings))
    start, end, at = settings.quiet_from, settings.quiet_until, local.time()
    quiet = (start <= at or at < end) if start > end else (start <= at < end)
    if not quiet:
        return 0.0
    day = local.date() if at < end else local.date() + timedelta(days=1)
    return (datetime.combine(day, end, tzinfo=local.tzinfo) - local).total_seconds()


# --- the inbox and the log -------------------------------------------------------------------


def inbox(session: Session, principal: Principal, unread: bool = False, limit: int = 100) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == principal.id)
    if unread:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)))


def unread_count(session: Session, principal: Principal) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == principal.id, col(Notification.read_at).is_(None))) or 0


def mark_read(session: Session, principal: Principal, notification_id: int, now: datetime) -> Notification:
    notice = session.get(Notification, notification_id)
    if notice is None or notice.user_id != principal.id:
        raise NotFound(f"通知 {notification_id} 不存在")
    if notice.read_at is None:
        notice.read_at = now
    return notice


def delivery_log(session: Session, principal: Principal, county_code: str | None, week: str | None,
                 limit: int = 500) -> list[DeliveryPublic]:
    """Deliveries of the notices about the officer's region (a county outside it is not found)."""
    principal.require(principal.is_officer or principal.is_admin, "只有扶贫办工作人员可以查看通知发送记录")
    if county_code is not None and not principal.contains_code(county_code):
        raise NotFound(f"区划 {county_code} 不存在")
    query = (select(Delivery, Notification, User)
             .join(Notification, col(Notification.id) == col(Delivery.notification_id))
             .join(User, col(User.id) == col(Notification.user_id)))
    if county_code is not None:
        query = query.where(Notification.county_code == county_code)
    elif (prefix := principal.region_prefix) is not None:
        query = query.where(col(Notification.county_code).startswith(prefix))
    if week is not None:
        query = query.where(Notification.week == week)
    rows = session.exec(query.order_by(col(Delivery.id).desc()).limit(limit))
    return [DeliveryPublic(id=d.id or 0, notification_id=n.id or 0, user_id=u.id or 0, user=u.display_name,
                           kind=n.kind, county_code=n.county_code, week=n.week, channel=d.channel, status=d.status,
                           attempts=d.attempts, last_error=d.last_error, created_at=d.created_at, sent_at=d.sent_at)
            for d, n, u in rows]


# --- sending ---------------------------------------------------------------------------------


def text_of(notice: Notification) -> str:
    return f"【帮扶台账】{notice.title}：{notice.body}"


def send(settings: Settings, channel: str, target: str, notice: Notification) -> None:
    """One delivery, by its channel; an exception says why it did not go."""
    if channel == Channel.email:
        _send_email(settings, target, notice)
    elif channel == Channel.sms:
        _send_sms(settings, target, notice)
    elif channel == Channel.wecom:
        _send_wecom(target, notice)
    else:
        raise ValueError(f"no sender for channel {channel}")


def _send_email(settings: Settings, address: str, notice: Notification) -> None:
    if not settings.smtp_host:
        raise RuntimeError("BANGFU_SMTP_HOST is not set")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, address, notice.title
    message.set_content(notice.body + (f"\n\n请登录系统查看：{notice.url}" if notice.url else ""))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def _send_sms(settings: Settings, phone: str, notice: Notification) -> None:
    if not settings.sms_gateway_url:
        raise RuntimeError("BANGFU_SMS_GATEWAY_URL is not set")
    headers = {"Authorization": f"Bearer {settings.sms_gateway_key}"} if settings.sms_gateway_key else {}
    answer = httpx.post(settings.sms_gateway_url, json={"phone": phone, "text": text_of(notice)},
                        headers=headers, timeout=SEND_TIMEOUT)
    if not answer.is_success:
        raise RuntimeError(f"SMS gateway answered {answer.status_code}: {answer.text[:200]}")


def _send_wecom(webhook: str, notice: Notification) -> None:
    """A text message to a 企业微信 group robot; it answers 200 with an errcode, 0 when posted."""
    answer = httpx.post(webhook, json={"msgtype": "text", "text": {"content": text_of(notice)}}, timeout=SEND_TIMEOUT)
    errcode = None
    if answer.is_success:
        try:
            errcode = answer.json().get("errcode", 0)
        except ValueError:
            errcode = "not JSON"
    if not answer.is_success or errcode not in (0, None):
        raise RuntimeError(f"企业微信 answered {answer.status_code}: {answer.text[:200]}")
