"""What the county's table starts beyond itself: reminders (催报) to the liaisons of every pairing
that has not reported the week, by the county's button or by the calendar (SPEC "The deadline"),
and after the deadline the list of late pairings for the county's officers."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.models import Role
from app.auth.policy import Principal
from app.common import campaign_weeks, local_tz, today, utcnow, week_deadline, week_of
from app.config import Settings
from app.notices import service as notices
from app.notices.models import ReminderRun
from app.regions.models import Region
from app.rollups.models import CountyWeek
from app.stats.policy import CountyAccess
from app.stats.service import county_table
from app.units.models import Unit
from app.units.service import liaisons_of

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
    members = liaisons_of(session, list(villages))
    recent = notices.notified_since(session, [u.id for users in members.values() for u in users if u.id is not None],
                                    REMINDER, now - ONCE_IN)
    deadline = week_deadline(settings, table.week).astimezone(local_tz(settings))
    by_unit = {unit_id: fresh for unit_id, users in members.items()
               if (fresh := [u for u in users if u.id not in recent])}
    queued: list[int] = []
    for unit_id, told in by_unit.items():
        unit = session.get(Unit, unit_id)
        queued += notices.notify(
            session, settings, told, REMINDER, f"催报：{table.week} 周报尚未填报",
            f"{access.county.name}扶贫办提醒：{'、'.join(villages[unit_id])} 的结对帮扶项目 {table.week} 周报尚未填报，"
            f"请于 {deadline:%m月%d日 %H:%M} 前登录系统填报。", now, url="/", county_code=access.code,
            week=table.week, wecom=unit.wecom_webhook if unit is not None else None)
    return sum(len(told) for told in by_unit.values()), queued


# --- reminders by the calendar -----------------------------------------------------------------

SYSTEM = Principal(id=None, username="system", display_name="系统", role=Role.admin)
LATE = "late"
DEADLINE = "deadline"
LIAISONS = "liaisons"  # the weekly look for units with fewer than two liaisons
LIAISONS_WANTED = 2


def due_slots(settings: Settings, now: datetime) -> list[str]:
    """The reminders of the calendar due at `now` in its week: each reminder time (Thursday 09:00,
    Friday 12:00 by default) from that time to the end of its day, and the list of late pairings
    for the county from the deadline to the end of its day."""
    local = now.astimezone(local_tz(settings))
    slots = [f"{weekday}-{at:%H:%M}" for weekday, at in settings.reminder_times
             if local.isoweekday() == weekday and local.time() >= at]
    deadline = week_deadline(settings, week_of(local.date()))
    if now >= deadline and local.date() == deadline.astimezone(local.tzinfo).date():
        slots.append(DEADLINE)
    weekday, at = settings.liaison_check
    if local.isoweekday() == weekday and local.time() >= at:
        slots.append(LIAISONS)
    return slots


def calendar_reminders(session: Session, settings: Settings, now: datetime) -> list[int]:
    """Every due reminder of the calendar that has not run for its county and week: the liaisons
    of pairings without a report are reminded; after the deadline the county's officers get the
    list of late pairings. Each (reminder, week, county) runs once: its ReminderRun row is written
    with it. The deliveries to send once committed."""
    week = week_of(today(settings, now))
    slots = due_slots(settings, now)
    if not slots or week not in campaign_weeks(settings):
        return []
    counties = list(session.exec(select(Region).join(CountyWeek, col(CountyWeek.county_code) == col(Region.code))
                                 .where(CountyWeek.week == week, col(CountyWeek.pairings) > 0)
                                 .order_by(col(Region.code))))
    queued: list[int] = []
    for slot in slots:
        for county in counties:
            ran = session.begin_nested()
            try:
                session.add(ReminderRun(slot=slot, week=week, county_code=county.code, ran_at=utcnow()))
                session.flush()
            except IntegrityError:
                ran.rollback()  # this reminder has run for this county and week
                continue
            ran.commit()
            access = CountyAccess(SYSTEM, county)
            if slot == DEADLINE:
                queued += late_list(session, settings, access, week, now)
            elif slot == LIAISONS:
                queued += liaisons_wanted(session, settings, access, week, now)
            else:
                queued += remind_missing(session, settings, access, week, now)[1]
    return queued


def late_list(session: Session, settings: Settings, access: CountyAccess, week: str, now: datetime) -> list[int]:
    """After the deadline: the county's officers get the list of pairings that have not reported."""
    missing = county_table(session, settings, access, week).missing
    if not missing:
        return []
    officers = notices.officers_of(session, access.code)
    names = "；".join(f"{row.village}（{row.unit}）" for row in missing)
    return notices.notify(session, settings, officers, LATE, f"逾期未报：{week} 有 {len(missing)} 个结对未报送",
                          f"截至报送截止时间，{access.county.name} 以下结对未报送 {week} 周报：{names}。",
                          now, url=f"/counties/{access.code}/table?week={week}", county_code=access.code, week=week)


def liaisons_wanted(session: Session, settings: Settings, access: CountyAccess, week: str, now: datetime) -> list[int]:
    """Units paired in the county with fewer than two active liaisons: the one they have is asked
    to have another named; for units with none, the county's officers (who create liaisons) get
    the list."""
    units: dict[int, str] = {}
    for row in county_table(session, settings, access, week).rows:
        units.setdefault(row.unit_id, row.unit)
    members = liaisons_of(session, list(units))
    queued: list[int] = []
    for unit_id, name in units.items():
        if len(members.get(unit_id, [])) == 1:
            queued += notices.notify(
                session, settings, members[unit_id], LIAISONS, "请再指定一名信息联络员",
                f"{name} 目前只有 1 名信息联络员。每个帮扶单位应有 {LIAISONS_WANTED} 名联络员，"
                f"以便有人缺席时仍能按时报送；请联系{access.county.name}扶贫办再指定一名。", now,
                county_code=access.code, week=week)
    without = [name for unit_id, name in units.items() if not members.get(unit_id)]
    if without:
        queued += notices.notify(
            session, settings, notices.officers_of(session, access.code), LIAISONS,
            f"{len(without)} 个帮扶单位尚未设信息联络员",
            f"以下在{access.county.name}结对的帮扶单位没有信息联络员，无法报送周报：{'、'.join(without)}。"
            "请为每个单位指定两名联络员。", now, county_code=access.code, week=week)
    return queued
