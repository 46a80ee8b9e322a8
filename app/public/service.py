"""Public disclosure (信息公开): monthly publications frozen from the annex-3 rollups, and the case
stories a county features (典型案例).

Nothing here may carry personal data out: the publications hold region names, codes and summed
figures only, and a case carries its story, week, places and unit (an organisation) — never a
liaison, a contact, stationed staff or a user id.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session

from app.audit.service import record, snapshot
from app.auth.models import Role, User
from app.auth.scope import pairing_clause, scope_of
from app.common import as_utc, clock_now, format_decimal, paginate, parse_week, today, week_of
from app.config import Settings
from app.errors import Forbidden, Invalid, NotFound
from app.pairings.models import Pairing, Plan
from app.public.models import MONTH_RE, Publication
from app.regions.models import Level, Region, Village, level_of
from app.reports.models import Report
from app.review.service import require_county_reviewer
from app.stats.service import RollupRow, rollup_rows
from app.units.models import Unit

# The figures a publication shows for each region: (key, label, kind). Money is a decimal string.
FIGURES = [
    ("pairings", "结对数", "int"),
    ("funds_arrived_wan", "资金已到位（万元）", "wan"),
    ("materials_arrived_wan", "物资已到位（万元）", "wan"),
    ("sales_done_wan", "已完成销售（万元）", "wan"),
    ("jobs_done", "已解决就业人数", "int"),
    ("trained_done", "已完成培训人数", "int"),
    ("stationed_count", "已驻村人数", "int"),
]

# --- which week a month's figures come from -------------------------------------------------


def _month_bounds(month: str) -> tuple[date, date]:
    if not MONTH_RE.fullmatch(month or ""):
        raise Invalid.one(["body", "month"], f"月份“{month}”格式不对，应为 YYYY-MM，例如 2020-07")
    first = date(int(month[:4]), int(month[5:]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def week_for_month(settings: Settings, month: str, now: datetime | None = None) -> str:
    """The last campaign week that ends (on its Sunday) within the month and has begun by today;
    422 naming `month` when the month has none."""
    first, last = _month_bounds(month)
    sunday = last - timedelta(days=(last.isoweekday() % 7))  # the month's last Sunday
    day = today(settings, now)
    while sunday >= first:
        monday = sunday - timedelta(days=6)
        if sunday >= settings.campaign_start and monday <= settings.campaign_end and monday <= day:
            return week_of(monday)
        sunday -= timedelta(days=7)
    if first > day:
        reason = "尚未开始，不能提前发布"
    else:
        reason = (f"没有在活动期内（{settings.campaign_start} 至 {settings.campaign_end}）"
                  "结束的周次，无可发布的周统计数据")
    raise Invalid.one(["body", "month"], f"月份 {month} {reason}")


def publishable_months(settings: Settings, now: datetime | None = None) -> list[tuple[str, str]]:
    """(month, week) for every month that can be published today, newest first."""
    out, day = [], date(settings.campaign_start.year, settings.campaign_start.month, 1)
    # The campaign's last week may end in the month after the campaign does.
    end = min(settings.campaign_end + timedelta(days=6), today(settings, now))
    while day <= end:
        month = f"{day.year:04d}-{day.month:02d}"
        try:
            out.append((month, week_for_month(settings, month, now)))
        except Invalid:
            pass
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out[::-1]


# --- publishing -----------------------------------------------------------------------------


def publisher_region(actor: User) -> str | None:
    """None for a national publication, the province code for a province's; 403 otherwise."""
    scope = scope_of(actor)
    if scope.everything:
        return None
    if actor.role == Role.officer and actor.region_code and level_of(actor.region_code) == Level.province:
        return actor.region_code
    raise Forbidden("只有国务院扶贫办（全国）和省扶贫办（本省）可以发布信息公开数据")


def _figures(row: RollupRow) -> dict[str, Any]:
    f = row.figures
    values = {"pairings": row.pairings,
              "funds_arrived_wan": f.funds_arrived_wan, "materials_arrived_wan": f.materials_arrived_wan,
              "sales_done_wan": f.sales_done_wan, "jobs_done": f.jobs_done,
              "trained_done": f.trained_done, "stationed_count": f.stationed_count}
    return {key: format_decimal(values[key]) if kind == "wan" else int(values[key])
            for key, _label, kind in FIGURES}


def _sum(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for key, _label, kind in FIGURES:
        if kind == "wan":
            total[key] = format_decimal(sum((Decimal(r[key]) for r in rows), Decimal(0)))
        else:
            total[key] = sum(r[key] for r in rows)
    return total


def region_names(session: Session, codes) -> dict[str, str]:
    codes = list(codes)
    if not codes:
        return {}
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def _region_rows(session: Session, found: dict[str, RollupRow]) -> list[dict[str, Any]]:
    """{code, name, figures} per region with pairings in force, in code order."""
    names = region_names(session, found)
    return [{"code": code, "name": names.get(code, code), **_figures(found[code])}
            for code in sorted(found) if found[code].pairings]


def build_snapshot(session: Session, week: str, region_code: str | None) -> dict[str, Any]:
    """The figures of the week's rollups: per province with its counties (national), or per
    county of one province."""
    if region_code is None:
        provinces = _region_rows(session, rollup_rows(session, week, Village.province_code, true()))
        counties = _region_rows(session, rollup_rows(session, week, Village.county_code, true()))
        for province in provinces:
            province["counties"] = [c for c in counties if c["code"][:2] == province["code"][:2]]
        region = None
        body = {"provinces": provinces, "total": _sum(provinces)}
    else:
        counties = _region_rows(session, rollup_rows(session, week, Village.county_code,
                                                     Village.province_code == region_code))
        region = {"code": region_code, "name": region_names(session, [region_code]).get(region_code, region_code)}
        body = {"counties": counties, "total": _sum(counties)}
    monday = parse_week(week)
    return {"region": region, "week": week, "week_start": monday.isoformat(),
            "week_end": (monday + timedelta(days=6)).isoformat(), **body}


def publish_month(session: Session, settings: Settings, actor: User, month: str,
                  now: datetime | None = None) -> Publication:
    """Freeze the month's figures as published by the national office or a province."""
    region_code = publisher_region(actor)
    now = now or clock_now(settings)
    week = week_for_month(settings, month, now)
    publication = Publication(month=month, region_code=region_code, week=week,
                              snapshot={"month": month, **build_snapshot(session, week, region_code)},
                              published_at=now, published_by=actor.id)
    session.add(publication)
    session.flush()
    record(session, actor, "create", "publication", publication.id,
           after={k: v for k, v in snapshot(publication).items() if k != "snapshot"},
           region_code=region_code)
    return publication


def _newest_first():
    return (Publication.month.desc(), Publication.published_at.desc(), Publication.id.desc())


def list_publications(session: Session, actor: User, limit: int, offset: int) -> tuple[list[Publication], int]:
    """Officers read the national publications and those of their own province."""
    scope = scope_of(actor)
    if actor.role == Role.liaison:
        raise Forbidden("信息公开发布记录只对扶贫办工作人员和系统管理员开放")
    # The list never needs the snapshots, which can be large: each is read by id.
    stmt = select(Publication).options(defer(Publication.snapshot)).order_by(*_newest_first())
    if not scope.everything:
        stmt = stmt.where(or_(Publication.region_code.is_(None),
                              Publication.region_code == scope.region_code[:2] + "0" * 10))
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total


def get_publication(session: Session, actor: User, publication_id: int) -> Publication:
    scope = scope_of(actor)
    publication = session.get(Publication, publication_id)
    visible = publication is not None and actor.role != Role.liaison and (
        scope.everything or publication.region_code is None
        or publication.region_code[:2] == (scope.region_code or "")[:2])
    if not visible:
        raise NotFound(f"发布记录 {publication_id} 不存在或不在您的管辖范围内")
    return publication


# --- what the public sees -------------------------------------------------------------------


def _key(p) -> tuple:
    return (p.month, as_utc(p.published_at), p.id)


def _dated(p: Publication) -> dict[str, Any]:
    return {"month": p.month, "week": p.week, "week_start": p.snapshot.get("week_start"),
            "week_end": p.snapshot.get("week_end"), "published_at": as_utc(p.published_at)}


def public_summary(session: Session) -> dict[str, Any] | None:
    """The latest national publication, with each province replaced by its own latest
    publication where that is newer; None when nothing has been published."""
    national = session.scalars(
        select(Publication).where(Publication.region_code.is_(None)).order_by(*_newest_first()).limit(1)
    ).first()
    # Only the keys of the province publications: their snapshots load for the winners only.
    latest: dict[str, tuple] = {}
    for row in session.execute(
        select(Publication.id, Publication.region_code, Publication.month, Publication.published_at)
        .where(Publication.region_code.is_not(None))
    ):
        if row.region_code not in latest or _key(row) > latest[row.region_code]:
            latest[row.region_code] = _key(row)
    if national is None and not latest:
        return None

    provinces: dict[str, dict[str, Any]] = {}
    if national is not None:
        for p in national.snapshot.get("provinces", []):
            provinces[p["code"]] = {**p, **_dated(national), "source": "national"}
    for code, key in latest.items():
        if national is not None and key <= _key(national):
            continue
        own = session.get(Publication, key[2])
        region = own.snapshot.get("region") or {"code": code, "name": code}
        provinces[code] = {"code": code, "name": region["name"], **own.snapshot["total"],
                           "counties": own.snapshot.get("counties", []), **_dated(own),
                           "source": "province"}
    rows = [provinces[code] for code in sorted(provinces)]
    newest = max(([_key(national)] if national is not None else []) + list(latest.values()))
    return {
        "month": newest[0],
        "national": None if national is None else {**_dated(national), "total": national.snapshot["total"]},
        "provinces": rows,
        "figures": [{"key": key, "label": label} for key, label, _kind in FIGURES],
    }


# --- featured case stories (典型案例) --------------------------------------------------------

# A story goes public only without these: mobile and landline numbers, ID card numbers.
_PERSONAL_NUMBER = re.compile(
    r"(?<![0-9])(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{17}[0-9Xx])(?![0-9])")


def is_featured(report: Report | None) -> bool:
    """Featured, and not changed since: a story edited after the county featured it is not
    public until the county looks at it again."""
    if report is None or report.featured_at is None or not report.story_body:
        return False
    return as_utc(report.featured_at) >= as_utc(report.submitted_at)


def _report_in_scope(session: Session, actor: User, pairing_id: int, week: str):
    row = session.execute(
        select(Report, Pairing, Village).join(Pairing, Report.pairing_id == Pairing.id)
        .join(Village, Pairing.village_id == Village.id)
        .where(Report.pairing_id == pairing_id, Report.week == week, pairing_clause(scope_of(actor)))
    ).first()
    if row is None:
        raise NotFound(f"结对 {pairing_id} 在 {week} 没有周报，或不在您的管辖范围内")
    return row.Report, row.Pairing, row.Village


def _personal_names(session: Session, pairing: Pairing) -> set[str]:
    """Names the system knows to be personal around this story: the unit's liaisons and contact,
    the stationed staff of the unit's plans (a story may mention a neighbouring village's team)."""
    names = set(session.scalars(select(User.display_name).where(
        User.role == Role.liaison, User.unit_id == pairing.unit_id)))
    names.add(session.get(Unit, pairing.unit_id).contact_name)
    for members in session.scalars(select(Plan.members).join(Pairing, Plan.pairing_id == Pairing.id)
                                   .where(Pairing.unit_id == pairing.unit_id)):
        names.update(members or [])
    return {n.strip() for n in names if n and len(n.strip()) >= 2}


def _check_story_is_public(session: Session, report: Report, pairing: Pairing) -> None:
    text = f"{report.story_title or ''}\n{report.story_body}"
    if _PERSONAL_NUMBER.search(text):
        raise Invalid.one(["story"], "案例故事中有电话号码或身份证号，不能公开；请联络员删除后再设为典型案例")
    found = sorted(n for n in _personal_names(session, pairing) if n in text)
    if found:
        raise Invalid.one(["story"], f"案例故事中出现了个人姓名（{'、'.join(found)}），不能公开；"
                                     "请联络员删除后再设为典型案例")


def feature_story(session: Session, settings: Settings, actor: User, pairing_id: int, week: str,
                  featured: bool, now: datetime | None = None) -> Report:
    """A county officer features the week's story for the public pages, or withdraws it."""
    report, pairing, village = _report_in_scope(session, actor, pairing_id, week)
    require_county_reviewer(actor)
    if featured:
        if not (report.story_body or "").strip():
            raise Invalid.one(["story"], f"{week} 的周报没有案例故事，不能设为典型案例")
        _check_story_is_public(session, report, pairing)
    elif report.featured_at is None:
        return report  # nothing to withdraw
    before = snapshot(report)
    if featured:
        # Never before the filing it approves, whichever clock each was stamped with (the demo's
        # pinned campaign clock, or the real one).
        moment = max(as_utc(now or clock_now(settings)), as_utc(report.submitted_at))
        report.featured_at, report.featured_by = moment, actor.id
    else:
        report.featured_at, report.featured_by = None, None
    session.flush()
    record(session, actor, "feature" if featured else "unfeature", "report", report.id,
           before=before, after=snapshot(report), region_code=village.county_code)
    return report


@dataclass
class Case:
    """A featured story as the public sees it: no person, no user, no phone."""

    id: int
    title: str | None
    body: str
    week: str
    village: str
    county: str
    province: str
    unit: str
    featured_at: datetime

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "body": self.body, "week": self.week,
                "village": self.village, "county": self.county, "province": self.province,
                "unit": self.unit, "featured_at": as_utc(self.featured_at).isoformat()}


def public_cases(session: Session, limit: int = 20, offset: int = 0) -> tuple[list[Case], int]:
    """Featured stories, newest week first."""
    county, province = aliased(Region, name="county"), aliased(Region, name="province")
    where = and_(Report.featured_at.is_not(None), Report.featured_at >= Report.submitted_at,
                 Report.story_body.is_not(None))
    base = (
        select(Report.id, Report.story_title, Report.story_body, Report.week, Village.name,
               county.name, province.name, Unit.name, Report.featured_at)
        .join(Pairing, Report.pairing_id == Pairing.id)
        .join(Village, Pairing.village_id == Village.id)
        .join(Unit, Pairing.unit_id == Unit.id)
        .join(county, county.code == Village.county_code)
        .join(province, province.code == Village.province_code)
        .where(where)
    )
    rows, total = paginate(session, base.order_by(Report.week.desc(), Report.featured_at.desc(),
                                                  Report.id.desc()), limit, offset)
    return [Case(*row) for row in rows], total
