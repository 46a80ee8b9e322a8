"""Public disclosure (信息公开): monthly publications frozen from the annex-3 rollups, and the case
stories a county features (典型案例).

Nothing here may carry personal data out: the publications hold region names, codes and summed
figures only, and a case carries its story, week, places and unit (an organisation) — never a
liaison, a contact, stationed staff or a user id.
"""

import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, true
from sqlalchemy import select as sql_select  # SQLModel's select() takes at most four columns
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session, col, select

from app.audit.service import record, snapshot
from app.auth.models import User
from app.auth.policy import Principal
from app.catalogue import entry
from app.codes import Level, ancestor_code
from app.common import clock_now, count, format_decimal, local_tz, page_of, parse_week, today, week_of
from app.config import Settings
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.pairings.models import Pairing, Plan
from app.public.models import MONTH_RE, Publication, PublicCase
from app.public.policy import may_read, publications_clause, publisher_region, require_reader
from app.public.privacy import personal_numbers
from app.regions.models import Region, Village
from app.regions.service import region_names
from app.reports.models import Report
from app.reports.policy import ReportAccess
from app.stats.service import RollupRow, rollup_rows
from app.units.models import Unit
from app.units.service import liaisons_of

PUBLICATION_LEAVE_OUT = frozenset({"snapshot"})  # the trail records the publication, not its figures

# The figures a publication shows for each region: (key, label, kind), labelled as the public
# pages say it. Money is a decimal string.
FIGURES = [(key, entry(by).brief_text, kind) for key, by, kind in [
    ("pairings", "pairings", "int"),
    ("funds_arrived_wan", "funds_arrived_wan", "wan"),
    ("materials_arrived_wan", "materials_arrived_wan", "wan"),
    ("sales_done_wan", "sales_done_wan", "wan"),
    ("jobs_done", "jobs_done", "int"),
    ("trained_done", "trained_done", "int"),
    ("stationed_count", "stationed_now", "int"),
]]

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


def publishable_week(settings: Settings, month: str, now: datetime | None = None) -> str:
    """The week whose table a month's publication shows, once the month has ended (its last day
    has passed on the campaign clock): a month still running would freeze figures that are still
    coming in. 422 naming `month` otherwise."""
    first, last = _month_bounds(month)
    day = today(settings, now)
    if first <= day <= last:
        raise Invalid.one(["body", "month"], f"月份 {month} 尚未结束（月末为 {last.isoformat()}），"
                                             f"{last + timedelta(days=1):%Y-%m-%d} 起才能发布")
    return week_for_month(settings, month, now)


def publishable_months(settings: Settings, now: datetime | None = None) -> list[tuple[str, str]]:
    """(month, week) for every month that has ended and can be published today, newest first."""
    out, day = [], date(settings.campaign_start.year, settings.campaign_start.month, 1)
    # The campaign's last week may end in the month after the campaign does.
    end = min(settings.campaign_end + timedelta(days=6), today(settings, now))
    while day <= end:
        month = f"{day.year:04d}-{day.month:02d}"
        try:
            out.append((month, publishable_week(settings, month, now)))
        except Invalid:
            pass
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out[::-1]


# --- publishing -----------------------------------------------------------------------------


def _figures(row: RollupRow) -> dict[str, Any]:
    f = row.figures
    values: dict[str, Decimal | int] = {"pairings": row.pairings,
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


def _region_rows(session: Session, found: dict[str, RollupRow]) -> list[dict[str, Any]]:
    """{code, name, figures} per region with pairings in force, in code order."""
    names = region_names(session, list(found))
    return [{"code": code, "name": names.get(code, code), **_figures(found[code])}
            for code in sorted(found) if found[code].pairings]


def build_snapshot(session: Session, week: str, region_code: str | None) -> dict[str, Any]:
    """The figures of the week's rollups: per province with its counties (national), or per
    county of one province."""
    if region_code is None:
        provinces = _region_rows(session, rollup_rows(session, week, Village.province_code, true()))
        counties = _region_rows(session, rollup_rows(session, week, Village.county_code, true()))
        for province in provinces:
            province["counties"] = [c for c in counties
                                    if ancestor_code(c["code"], Level.province) == province["code"]]
        region = None
        body = {"provinces": provinces, "total": _sum(provinces)}
    else:
        counties = _region_rows(session, rollup_rows(session, week, Village.county_code,
                                                     col(Village.province_code) == region_code))
        region = {"code": region_code, "name": region_names(session, [region_code]).get(region_code, region_code)}
        body = {"counties": counties, "total": _sum(counties)}
    monday = parse_week(week)
    return {"region": region, "week": week, "week_start": monday.isoformat(),
            "week_end": (monday + timedelta(days=6)).isoformat(), **body}


def preview_month(session: Session, settings: Settings, actor: Principal, month: str,
                  now: datetime | None = None) -> Publication:
    """The publication the national office or a province would make of the month now: built as
    publishing builds it, and not stored."""
    region_code = publisher_region(actor)
    now = now or clock_now(settings)
    week = publishable_week(settings, month, now)
    assert actor.id is not None
    return Publication(month=month, region_code=region_code, week=week,
                       snapshot={"month": month, **build_snapshot(session, week, region_code)},
                       published_at=now, published_by=actor.id)


def figures_digest(publication: Publication) -> str:
    """A short fingerprint of the figures: the page's confirmation carries the one it previewed,
    so what is published is what the officer saw."""
    body = json.dumps(publication.snapshot, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def publish_month(session: Session, settings: Settings, actor: Principal, month: str,
                  now: datetime | None = None, *, digest: str | None = None) -> Publication:
    """Freeze the month's figures as published by the national office or a province. `digest`:
    those previewed; 409 when the figures have changed since."""
    publication = preview_month(session, settings, actor, month, now)
    if digest is not None and digest != figures_digest(publication):
        raise Conflict("预览之后数据有变化，请核对新的预览后重新确认发布")
    session.add(publication)
    session.flush()
    record(session, actor, "create", "publication", publication.id,
           after=snapshot(publication, PUBLICATION_LEAVE_OUT), region_code=publication.region_code)
    return publication


def withdraw_publication(session: Session, settings: Settings, actor: Principal, publication_id: int,
                         reason: str, now: datetime | None = None) -> Publication:
    """Withdraw a publication, by whoever may publish it (the national office its own, a province
    its own): it stays on record, marked, and the public sees the one before it."""
    region_code = publisher_region(actor)  # 403 for anyone who may not publish
    publication = get_publication(session, actor, publication_id)
    if publication.region_code != region_code:
        raise Forbidden("只能撤回本级发布的信息公开数据：全国发布由国务院扶贫办撤回，各省发布由本省扶贫办撤回")
    if publication.withdrawn_at is not None:
        raise Conflict(f"发布记录 {publication_id} 已于 "
                       f"{publication.withdrawn_at.astimezone(local_tz(settings)):%Y-%m-%d %H:%M} 撤回")
    before = snapshot(publication, PUBLICATION_LEAVE_OUT)
    assert actor.id is not None
    publication.withdrawn_at = now or clock_now(settings)
    publication.withdrawn_by = actor.id
    publication.withdraw_reason = reason
    session.flush()
    record(session, actor, "withdraw", "publication", publication.id, before=before,
           after=snapshot(publication, PUBLICATION_LEAVE_OUT), region_code=region_code)
    return publication


def _newest_first() -> tuple[Any, ...]:
    return (col(Publication.month).desc(), col(Publication.published_at).desc(), col(Publication.id).desc())


def list_publications(session: Session, actor: Principal, limit: int,
                      offset: int) -> tuple[list[Publication], int]:
    """Officers read the national publications and those of their own province."""
    require_reader(actor)
    # The list never needs the snapshots, which can be large: each is read by id.
    stmt = (select(Publication).options(defer(Publication.snapshot))  # type: ignore[arg-type]
            .where(publications_clause(actor)).order_by(*_newest_first()))
    return page_of(session, stmt, limit, offset)


def publishers(session: Session, publications: list[Publication]) -> dict[int, str]:
    """The names of the officers who published or withdrew these publications (officers read
    them on the publish page; the public never does)."""
    ids = {p.published_by for p in publications} | {p.withdrawn_by for p in publications if p.withdrawn_by}
    if not ids:
        return {}
    return {uid: name for uid, name in session.exec(
        select(User.id, User.display_name).where(col(User.id).in_(ids))) if uid is not None}


def get_publication(session: Session, actor: Principal, publication_id: int) -> Publication:
    publication = session.get(Publication, publication_id)
    if publication is None or not may_read(actor, publication):
        raise NotFound(f"发布记录 {publication_id} 不存在或不在您的管辖范围内")
    return publication


# --- what the public sees -------------------------------------------------------------------


def _key(p: Any) -> tuple[str, datetime, int]:
    return (p.month, p.published_at, p.id or 0)  # a preview, not stored, has no id yet


def _dated(p: Publication) -> dict[str, Any]:
    return {"month": p.month, "week": p.week, "week_start": p.snapshot.get("week_start"),
            "week_end": p.snapshot.get("week_end"), "published_at": p.published_at}


# A withdrawn publication is never public: every query of what the public sees has this.
VISIBLE = col(Publication.withdrawn_at).is_(None)


def summary_of(national: Publication | None, own: list[Publication]) -> dict[str, Any] | None:
    """What the public page shows of a national publication and the provinces' own: a province's
    own replaces its part of the national one where it is newer."""
    if national is None and not own:
        return None
    provinces: dict[str, dict[str, Any]] = {}
    if national is not None:
        for p in national.snapshot.get("provinces", []):
            provinces[p["code"]] = {**p, **_dated(national), "source": "national"}
    for publication in own:
        code = publication.region_code
        assert code is not None
        if national is not None and _key(publication) <= _key(national):
            continue
        region = publication.snapshot.get("region") or {"code": code, "name": code}
        provinces[code] = {"code": code, "name": region["name"], **publication.snapshot["total"],
                           "counties": publication.snapshot.get("counties", []), **_dated(publication),
                           "source": "province"}
    newest = max(_key(p) for p in ([national] if national is not None else []) + own)
    return {
        "month": newest[0],
        "national": None if national is None else {**_dated(national), "total": national.snapshot["total"]},
        "provinces": [provinces[code] for code in sorted(provinces)],
        "figures": [{"key": key, "label": label} for key, label, _kind in FIGURES],
    }


def _latest_public(session: Session) -> tuple[Publication | None, dict[str, tuple[str, datetime, int]]]:
    """The newest national publication not withdrawn, and the key of each province's newest own."""
    national = session.exec(
        select(Publication).where(col(Publication.region_code).is_(None), VISIBLE)
        .order_by(*_newest_first()).limit(1)
    ).first()
    # Only the keys of the province publications: their snapshots load for the winners only.
    latest: dict[str, tuple[str, datetime, int]] = {}
    for pid, code, month, published_at in session.exec(
        select(Publication.id, Publication.region_code, Publication.month, Publication.published_at)
        .where(col(Publication.region_code).is_not(None), VISIBLE)
    ):
        assert code is not None and pid is not None
        key = (month, published_at, pid)
        if code not in latest or key > latest[code]:
            latest[code] = key
    return national, latest


def public_summary(session: Session, preview: Publication | None = None) -> dict[str, Any] | None:
    """The latest national publication not withdrawn, with each province replaced by its own
    latest where that is newer; None when nothing (or only what was withdrawn) has been published.
    `preview`: a publication not stored, counted in as if it had just been published."""
    national, latest = _latest_public(session)
    own: dict[str, Publication] = {}
    if preview is not None and preview.region_code is None:
        if national is None or _key(preview) > _key(national):
            national = preview
    elif preview is not None and preview.region_code is not None:
        code = preview.region_code
        if code not in latest or _key(preview) > latest[code]:
            latest.pop(code, None)
            own[code] = preview
    for code, key in latest.items():
        if national is None or key > _key(national):
            publication = session.get(Publication, key[2])
            assert publication is not None
            own[code] = publication
    return summary_of(national, list(own.values()))


def shown_instead(session: Session, preview: Publication) -> tuple[str, datetime] | None:
    """(month, published_at) of what the public page would go on showing for the preview's region
    because it is newer (a later month already published), or None when the preview would show."""
    national, latest = _latest_public(session)
    newer = [_key(national)] if national is not None else []
    if preview.region_code is not None and preview.region_code in latest:
        newer.append(latest[preview.region_code])
    best = max(newer, default=None)
    if best is None or best < _key(preview):
        return None
    return best[0], best[1]


# --- featured case stories (典型案例) --------------------------------------------------------

def _personal_names(session: Session, pairing: Pairing) -> set[str]:
    """Names the system knows to be personal around this story: the unit's liaisons (a deactivated
    one's name is still a person's) and contact, the stationed staff of the unit's plans (a story
    may mention a neighbouring village's team)."""
    names = {user.display_name
             for user in liaisons_of(session, [pairing.unit_id], with_inactive=True).get(pairing.unit_id, [])}
    unit = session.get(Unit, pairing.unit_id)
    if unit is not None:
        names.add(unit.contact_name)
    for members in session.exec(select(Plan.members).join(Pairing, col(Plan.pairing_id) == col(Pairing.id))
                                .where(Pairing.unit_id == pairing.unit_id)):
        names.update(members or [])
    return {n.strip() for n in names if n and len(n.strip()) >= 2}


def _check_story_is_public(session: Session, report: Report, pairing: Pairing) -> None:
    """A story goes public only without personal numbers (however written) and the names the
    system knows to be personal; what was found is named, as written, for the officer to find."""
    text = f"{report.story_title or ''}\n{report.story_body}"
    numbers = personal_numbers(text)
    if numbers:
        listed = "、".join(f"{n.kind}“{n.text}”" for n in numbers)
        raise Invalid.one(["story"], f"案例故事中有{listed}，不能公开；请联络员删除后再设为典型案例")
    found = sorted(n for n in _personal_names(session, pairing) if n in text)
    if found:
        raise Invalid.one(["story"], f"案例故事中出现了个人姓名（{'、'.join(found)}），不能公开；"
                                     "请联络员删除后再设为典型案例")


def feature_story(session: Session, settings: Settings, access: ReportAccess, featured: bool,
                  now: datetime | None = None) -> Report:
    """A county officer features the week's story for the public pages, or withdraws it."""
    report = access.require_report()
    access.pairing.require_review()
    actor, pairing, week = access.pairing.principal, access.pairing.pairing, access.week
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
        moment = max(now or clock_now(settings), report.submitted_at)
        report.featured_at, report.featured_by = moment, actor.id
    else:
        report.featured_at, report.featured_by = None, None
    session.flush()
    record(session, actor, "feature" if featured else "unfeature", "report", report.id,
           before=before, after=snapshot(report), region_code=access.pairing.county_code)
    return report


def public_cases(session: Session, limit: int = 20, offset: int = 0) -> tuple[list[PublicCase], int]:
    """Featured stories, newest week first."""
    county, province = aliased(Region, name="county"), aliased(Region, name="province")
    where = and_(col(Report.featured_at).is_not(None), col(Report.featured_at) >= col(Report.submitted_at),
                 col(Report.story_body).is_not(None))
    columns: list[Any] = [Report.id, Report.story_title, Report.story_body, Report.week, Village.name,
                          county.name, province.name, Unit.name, Report.featured_at]
    base = (
        sql_select(*columns)
        .join(Pairing, col(Report.pairing_id) == col(Pairing.id))
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .join(county, col(county.code) == col(Village.county_code))
        .join(province, col(province.code) == col(Village.province_code))
        .where(where)
    )
    ordered = base.order_by(col(Report.week).desc(), col(Report.featured_at).desc(), col(Report.id).desc())
    rows = session.execute(ordered.limit(limit).offset(offset)).all()
    fields = list(PublicCase.model_fields)
    return [PublicCase(**dict(zip(fields, row, strict=True))) for row in rows], count(session, base)
