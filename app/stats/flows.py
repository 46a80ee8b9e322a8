"""What the county's table starts beyond itself: reminders (催报) to the liaisons of every pairing
that has not reported the week, by the county's button or by the calendar."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.auth.models import User
from app.auth.policy import active_liaisons
from app.common import local_tz, week_deadline
from app.config import Settings
from app.notices import service as notices
from app.stats.policy import CountyAccess
from app.stats.service import county_table

REMINDER = "reminder"
ONCE_IN = timedelta(hours=1)  # no one is reminded twice in an hour


def remind_missing(session: Session, settings: Settings, access: CountyAccess, week: str,
                   now: datetime) -> tuple[int, list[int]]:
    """A reminder to each active liaison of a unit with a pairing that has not reported `week`,
    naming those pairings; liaisons reminded within the hour are left out. How many liaisons
    were reminded, and the deliveries to send once committed."""
    table = county_table(session, settings, access, week)
    villages: dict[int, list[str]] = defaultdict(list)
    for row in table.missing:
        villages[row.unit_id].append(row.village)
    liaisons = list(session.exec(select(User).where(active_liaisons(list(villages)))
                                 .order_by(col(User.id)))) if villages else []
    recent = notices.notified_since(session, [u.id for u in liaisons if u.id is not None], REMINDER, now - ONCE_IN)
    deadline = week_deadline(settings, table.week).astimezone(local_tz(settings))
    queued: list[int] = []
    reminded = 0
    for liaison in liaisons:
        if liaison.id in recent or liaison.unit_id is None:
            continue
        names = "、".join(villages[liaison.unit_id])
        queued += notices.notify(
            session, settings, [liaison], REMINDER, f"催报：{table.week} 周报尚未填报",
            f"{access.county.name}扶贫办提醒：{names} 的结对帮扶项目 {table.week} 周报尚未填报，"
            f"请于 {deadline:%m月%d日 %H:%M} 前登录系统填报。", now, url="/", county_code=access.code,
            week=table.week)
        reminded += 1
    return reminded, queued
