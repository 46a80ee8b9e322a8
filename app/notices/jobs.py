"""Deliveries as jobs on the task queue: each sent by a worker after the commit that queued it,
retried with backoff (30 s, 60 s, 120 s, 240 s) and logged on its row; held until quiet hours end.
A delivery whose enqueue was lost (the process died after its commit) is found and enqueued again."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import event, update
from sqlmodel import Session, col, select

from app.common import clock_now, utcnow
from app.config import Settings
from app.notices import service
from app.notices.models import Delivery, DeliveryStatus, Notification
from app.queue import Context, Queue, crontab, periodic, task

log = logging.getLogger(__name__)

DELIVER = "notices.deliver"
LOST_AFTER = timedelta(minutes=2)  # a queued delivery no job waits for, this old, was lost


def dispatch(queue: Queue, settings: Settings, delivery_ids: Sequence[int], now: datetime | None = None) -> None:
    """Enqueue the deliveries (once committed), after quiet hours when it is quiet now."""
    delay = service.quiet_delay(settings, now or clock_now(settings))
    for delivery_id in delivery_ids:
        queue.enqueue(DELIVER, delivery_id, delay=delay or None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """The deliveries a committed transaction queued go to the workers (an outbox: the rows are
    committed first; a delivery whose enqueue fails here is found by `recover`)."""
    pending = session.info.pop(service.PENDING, None)
    queue = session.info.get(service.QUEUE)
    if not pending or queue is None:
        return
    try:
        dispatch(queue, queue.settings, pending)
    except Exception:  # the write has committed: its notices wait for `recover`, the writer goes on
        log.exception("deliveries %s not enqueued; recovery will", pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(service.PENDING, None)


@task(DELIVER, retries=4, retry_delay=30, retry_backoff=2)
def deliver(context: Context, attempt: tuple[int, int], delivery_id: int) -> None:
    with Session(context.engine) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.queued:
            return  # sent already (enqueued twice), or gone
        notice = session.get(Notification, delivery.notification_id)
        assert notice is not None
        # Claimed for this try: a copy of the job running at once (enqueued twice) finds it taken.
        claimed = session.execute(update(Delivery).where(
            col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.queued,
            col(Delivery.attempts) == delivery.attempts).values(attempts=col(Delivery.attempts) + 1))
        session.commit()
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return
        session.refresh(delivery)
        try:
            service.send(context.settings, delivery.channel, delivery.target, notice)
        except Exception as exc:
            left, _tries = attempt
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if not left:
                delivery.status = DeliveryStatus.failed
            session.commit()
            log.warning("delivery %s by %s failed (%s left): %s", delivery_id, delivery.channel, left, exc)
            if left:
                raise
            return
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.sent, utcnow(), None
        session.commit()


@periodic("notices.recover-every-minute", crontab())
def recover(context: Context) -> list[int]:
    """Queued deliveries that no job waits for: enqueued again."""
    waiting = {args[0] for args in context.queue.waiting(DELIVER) if args}
    with Session(context.engine) as session:
        lost = [d for d in session.scalars(select(Delivery.id).where(
            Delivery.status == DeliveryStatus.queued, col(Delivery.created_at) < utcnow() - LOST_AFTER))
            if d not in waiting]
    dispatch(context.queue, context.settings, lost)
    return lost
