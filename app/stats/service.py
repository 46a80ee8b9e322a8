"""The county weekly table of annex 3, its province and national rollups, and completeness.

Each pairing's figures for week W come from its latest report with week <= W (carried forward).
That report is found by a correlated max(week) over the (pairing_id, week) index, which both
databases answer with one index probe per pairing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.audit.service import record, snapshot
from app.auth.models import User
from app.auth.policy import Principal
from app.codes import Level, ancestor_code, prefix_of
from app.common import (
    MONEY_SCALE,
    campaign_weeks,
    check_week,
    clock_now,
    format_decimal,
    parse_week,
    percentage,
    previous_week,
    quantize_money,
    today,
    week_deadline,
    week_of,
)
from app.config import Settings
from app.errors import Conflict, NotFound
from app.notices import service as notices
from app.pairings.models import Pairing, Plan
from app.regions.models import Region, Village
from app.reports.models import Report, ReportStatus, stage
from app.reports.policy import week_lock
from app.reports.service import accepted_weeks
from app.review.service import open_flags_by_pairing
from app.rollups.models import SUMS, CountyWeek
from app.rollups.service import money
from app.stats.models import (
    LIVE,
    SUBMISSION_STATUS_LABELS,
    ZERO,
    Figures,
    Submission,
    SubmissionStatus,
    SubmitIn,
)
from app.stats.policy import CountyAccess, province_access, require_national
from app.units.models import Unit
from app.units.service import liaisons_of

# --- weeks and scope ------------------------------------------------------------------------


def resolve_week(settings: Settings, week: str | None) -> str:
    """The requested week, checked; by default the campaign's current week."""
    if week is None:
        day = min(max(today(settings), settings.campaign_start), settings.campaign_end)
        return week_of(day)
    check_week(settings, week, loc=("query", "week"))
    return week


# --- the county table -----------------------------------------------------------------------


def _latest_report(session: Session, upto: Any, name: str) -> tuple[Any, ColumnElement[bool]]:
    """(Report alias, join condition) for each pairing's latest report with week <= upto (a week,
    or a bound parameter standing for one)."""
    return _latest_report_on(session.get_bind().dialect.name, upto, name)


def latest_report(session: Session, upto: str, name: str = "latest") -> tuple[Any, ColumnElement[bool]]:
    """(Report alias, join condition) of each pairing's latest report with week <= upto, for a
    query over Pairing outside this module (the weekly sheet of app.imports)."""
    return _latest_report(session, upto, name)


def _latest_report_on(dialect: str, upto: Any, name: str) -> tuple[Any, ColumnElement[bool]]:
    """PostgreSQL answers a LATERAL … ORDER BY week DESC LIMIT 1 with one backward probe of the
    (pairing_id, week) index per pairing. SQLite has no LATERAL; there a correlated max(week) in
    the join condition does the same with the same index.
    """
    if dialect == "postgresql":
        latest = (
            select(Report)
            .where(col(Report.pairing_id) == col(Pairing.id), col(Report.week) <= upto)
            .order_by(col(Report.week).desc())
            .limit(1)
            .lateral(name)
        )
        return aliased(Report, latest, name=name), true()
    alias = aliased(Report, name=name)
    latest_week = (
        select(func.max(Report.week))
        .where(col(Report.pairing_id) == col(Pairing.id), col(Report.week) <= upto)
        .correlate(Pairing)
        .scalar_subquery()
    )
    return alias, and_(col(alias.pairing_id) == col(Pairing.id), col(alias.week) == latest_week)


def _week_end(week: str) -> date:
    return parse_week(week) + timedelta(days=6)


def in_force_during(week: str) -> ColumnElement[bool]:
    """Pairings the week's table counts: signed by its end, not ended or expired before it began.
    So a table of a past week stays as it was when a pairing ends later."""
    return _in_force_between(parse_week(week), _week_end(week))


def _in_force_between(start: Any, end: Any) -> ColumnElement[bool]:
    return and_(
        col(Pairing.signed_on) <= end,
        col(Pairing.valid_until) >= start,
        or_(col(Pairing.active), col(Pairing.ended_on) >= start),
    )


@dataclass
class Row:
    pairing_id: int
    village_code: str
    village: str
    unit_id: int
    unit: str
    reported_this_week: bool
    report_week: str | None
    late: bool
    report_status: str | None
    figures: Figures
    increase: Figures
    stage: str | None = None

    def json(self, seq: int) -> dict[str, Any]:
        return {
            "seq": seq, "pairing_id": self.pairing_id, "village_code": self.village_code,
            "village": self.village, "unit_id": self.unit_id, "unit": self.unit,
            "reported_this_week": self.reported_this_week, "report_week": self.report_week,
            "late": self.late, "report_status": self.report_status, "stage": self.stage,
            **self.figures.json(), "week_increase": self.increase.increase_json(),
        }


def _report_columns(report: Any) -> list[Any]:
    return [report.week, report.funds_arrived_wan, report.materials_arrived_wan,
            report.industry_plan_done, report.sales_done_wan, report.jobs_done,
            report.trained_done, report.stationed_now]


def _increase(now: list[Any], then: list[Any]) -> Figures:
    """The week's change between two reports' figures (week, funds, …, stationed); none is zeros."""
    _w, funds, materials, done, sales, jobs, trained, stationed = now
    if _w is None:
        return Figures()
    _v, funds0, materials0, done0, sales0, jobs0, trained0, stationed0 = then
    if _v is None:
        funds0 = materials0 = sales0 = ZERO
        done0 = jobs0 = trained0 = stationed0 = 0
    return Figures(funds_arrived_wan=funds - funds0, materials_arrived_wan=materials - materials0,
                   industry_plan_done=int(bool(done)) - int(bool(done0)), sales_done_wan=sales - sales0,
                   jobs_done=jobs - jobs0, trained_done=trained - trained0, stationed_count=stationed - stationed0)


@lru_cache(maxsize=4)
def _county_rows_statement(dialect: str) -> Select[Any]:
    """The county table's one query, built once per dialect with bound parameters (county, week,
    prev, start, end): building it is several times dearer than running it, and the same text
    lets psycopg prepare it."""
    cur, cur_on = _latest_report_on(dialect, bindparam("week"), "cur")
    prev, prev_on = _latest_report_on(dialect, bindparam("prev"), "prev")
    # Plain columns rather than entities: a 10,000-row county builds no ORM objects.
    columns: list[Any] = [
        Pairing.id, Village.code, Village.name, Unit.id, Unit.name,
        Plan.planned_funds_wan, Plan.planned_materials_wan, Plan.has_project,
        Plan.sales_target_wan, Plan.jobs_target, Plan.trainees_target, Plan.will_station,
        cur.late, cur.status, *_report_columns(cur), *_report_columns(prev),
    ]
    return (
        select(*columns)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .outerjoin(Plan, col(Plan.pairing_id) == col(Pairing.id))
        .outerjoin(cur, cur_on)
        .outerjoin(prev, prev_on)
        .where(col(Village.county_code) == bindparam("county"),
               _in_force_between(bindparam("start", type_=Date), bindparam("end", type_=Date)))
        .order_by(col(Village.code), col(Pairing.signed_on), col(Pairing.id))
    )


def county_rows(session: Session, county_code: str, week: str) -> list[Row]:
    stmt = _county_rows_statement(session.get_bind().dialect.name)
    params = {"county": county_code, "week": week, "prev": previous_week(week),
              "start": parse_week(week), "end": _week_end(week)}
    rows = []
    # Executed on the connection: Core rows, without the ORM's loading machinery, fetched at once
    # (iterating the result asks the driver row by row: 10,000 calls for a large county).
    found = session.connection().execute(stmt, params).all()
    for (pairing_id, v_code, v_name, unit_id, unit_name, p_funds, p_materials, p_project, p_sales,
         p_jobs, p_trainees, p_station, late, status, *reports) in found:
        # Money comes back from its column (app.common.Money) with its four places already.
        week_of_report, funds, materials, done, sales, jobs, trained, stationed = reports[:8]
        reported = week_of_report is not None
        planned = p_funds is not None
        figures = Figures(
            funds_planned_wan=p_funds if planned else ZERO, funds_arrived_wan=funds if reported else ZERO,
            materials_planned_wan=p_materials if planned else ZERO,
            materials_arrived_wan=materials if reported else ZERO,
            has_industry_plan=int(bool(p_project)), industry_plan_done=int(bool(done)),
            sales_planned_wan=p_sales if planned else ZERO, sales_done_wan=sales if reported else ZERO,
            jobs_planned=p_jobs or 0, jobs_done=jobs or 0, trainees_planned=p_trainees or 0,
            trained_done=trained or 0, stationed=int(bool(p_station)), stationed_count=stationed or 0,
        )
        this_week = week_of_report == week
        rows.append(Row(
            pairing_id=pairing_id, village_code=v_code, village=v_name, unit_id=unit_id,
            unit=unit_name, reported_this_week=this_week, report_week=week_of_report,
            late=bool(this_week and late), report_status=status,
            figures=figures, increase=_increase(reports[:8], reports[8:]),
        ))
    return rows


@dataclass
class CountyTable:
    county: Region
    week: str
    rows: list[Row]

    # Computed once: the page, the JSON and the workbook each ask more than once.
    @cached_property
    def total(self) -> Figures:
        return Figures.sum(row.figures for row in self.rows)

    @cached_property
    def increase(self) -> Figures:
        return Figures.sum(row.increase for row in self.rows)

    @cached_property
    def missing(self) -> list[Row]:
        return [row for row in self.rows if not row.reported_this_week]

    def json(self) -> dict[str, Any]:
        return {
            "county": {"code": self.county.code, "name": self.county.name},
            "week": self.week,
            "week_start": parse_week(self.week).isoformat(),
            "week_end": _week_end(self.week).isoformat(),
            "rows": [row.json(seq) for seq, row in enumerate(self.rows, start=1)],
            "total": {**self.total.json(), "week_increase": self.increase.increase_json()},
            "not_reported": len(self.missing),
        }


def county_table(session: Session, settings: Settings, access: CountyAccess, week: str | None) -> CountyTable:
    week = resolve_week(settings, week)
    county = access.county
    rows = county_rows(session, county.code, week)
    accepted = accepted_weeks(session, county.code)
    for row in rows:
        row.stage = stage(row.report_status, row.report_week in accepted)
    return CountyTable(county=county, week=week, rows=rows)


# What the county table page filters and sorts by (query parameters: links point at a view).
TABLE_FILTERS = {"missing": "本周未报", "flagged": "有存疑数据", "late": "逾期报送"}
TABLE_SORTS = {"seq": "序号", "village": "帮扶村", "unit": "结对帮扶单位", "missing": "本周未报在前",
               "flagged": "存疑在前", "late": "逾期在前"}


@dataclass(frozen=True)
class TableView:
    """A view of the county table: rows whose village or unit contains `q`, only those of the
    `show` filter, in `sort` order. Each row keeps its 序号 in the whole table."""

    q: str = ""
    show: str | None = None
    sort: str = "seq"

    @property
    def narrowed(self) -> bool:
        return bool(self.q or self.show)

    def query(self, **change: str | None) -> str:
        """This view's query string with `change` applied (None or "" drops a parameter)."""
        values = {"q": self.q, "filter": self.show, "sort": None if self.sort == "seq" else self.sort, **change}
        return urlencode({k: v for k, v in values.items() if v})


def county_view(table: CountyTable, flagged: Iterable[int], view: TableView) -> dict[str, Any]:
    """`table.json()` as the view shows it: its rows kept and ordered, and when narrowed a 合计 of
    the rows shown (`shown_total`)."""
    data = table.json()
    marked = set(flagged)
    needle = view.q.casefold()
    tests: dict[str, Callable[[Row], bool]] = {
        "missing": lambda row: not row.reported_this_week, "flagged": lambda row: row.pairing_id in marked,
        "late": lambda row: row.late}
    kept = [(row, out) for row, out in zip(table.rows, data["rows"], strict=True)
            if (not needle or needle in row.village.casefold() or needle in row.unit.casefold())
            and (view.show is None or tests[view.show](row))]
    if view.sort in ("village", "unit"):
        kept.sort(key=lambda pair: getattr(pair[0], view.sort))
    elif view.sort in tests:
        kept.sort(key=lambda pair: not tests[view.sort](pair[0]))
    data["rows"] = [out for _row, out in kept]
    data["all_rows"] = len(table.rows)
    if view.narrowed:
        rows = [row for row, _out in kept]
        data["total"] = {**Figures.sum(r.figures for r in rows).json(),
                         "week_increase": Figures.sum(r.increase for r in rows).increase_json()}
    return data


# --- rollups: one row per county of a province, or per province -----------------------------


@dataclass
class RollupRow:
    code: str
    name: str
    pairings: int
    reports_this_week: int
    on_time: int
    figures: Figures


def _money(value: object) -> Decimal:
    # SQLite sums NUMERIC as floating point; four places of 万元 is what is stored.
    return quantize_money(Decimal(str(value))) if value is not None else Decimal(0)


def _flag(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((cond, 1), else_=0))


def rollup_rows(session: Session, week: str, group_col: Any, where: ColumnElement[bool]) -> dict[str, RollupRow]:
    cur, cur_on = _latest_report(session, week, "cur")
    total = func.sum
    columns: list[Any] = [
        group_col, func.count(col(Pairing.id)), _flag(col(cur.week) == week),
        _flag(and_(col(cur.week) == week, col(cur.late).is_(False))),
        total(Plan.planned_funds_wan), total(cur.funds_arrived_wan),
        total(Plan.planned_materials_wan), total(cur.materials_arrived_wan),
        _flag(col(Plan.has_project).is_(True)), _flag(col(cur.industry_plan_done).is_(True)),
        total(Plan.sales_target_wan), total(cur.sales_done_wan),
        total(Plan.jobs_target), total(cur.jobs_done),
        total(Plan.trainees_target), total(cur.trained_done),
        _flag(col(Plan.will_station).is_(True)), total(cur.stationed_now),
    ]
    stmt = (
        select(*columns)
        .select_from(Pairing)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .outerjoin(Plan, col(Plan.pairing_id) == col(Pairing.id))
        .outerjoin(cur, cur_on)
        .where(in_force_during(week), where)
        .group_by(group_col)
    )
    out = {}
    for (code, pairings, reported, on_time, fp, fa, mp, ma, hp, pd, sp, sd, jp, jd, tp, td,
         st, sc) in session.execute(stmt):
        out[code] = RollupRow(code=code, name="", pairings=pairings, reports_this_week=reported or 0,
                              on_time=on_time or 0, figures=Figures(
            funds_planned_wan=_money(fp), funds_arrived_wan=_money(fa),
            materials_planned_wan=_money(mp), materials_arrived_wan=_money(ma),
            has_industry_plan=hp or 0, industry_plan_done=pd or 0,
            sales_planned_wan=_money(sp), sales_done_wan=_money(sd),
            jobs_planned=jp or 0, jobs_done=jd or 0, trainees_planned=tp or 0, trained_done=td or 0,
            stationed=st or 0, stationed_count=sc or 0,
        ))
    return out


@dataclass
class Rollup:
    week: str
    kind: str  # "county" rows of a province, or "province" rows of the nation
    rows: list[RollupRow]
    province: Region | None = None

    @property
    def total(self) -> Figures:
        return Figures.sum(row.figures for row in self.rows)

    def json(self) -> dict[str, Any]:
        key = self.kind
        rows = [{"seq": seq, f"{key}_code": row.code, key: row.name, "pairings": row.pairings,
                 "reports_this_week": row.reports_this_week, "reports_on_time": row.on_time,
                 **row.figures.json()} for seq, row in enumerate(self.rows, start=1)]
        total = {"pairings": sum(r.pairings for r in self.rows),
                 "reports_this_week": sum(r.reports_this_week for r in self.rows),
                 "reports_on_time": sum(r.on_time for r in self.rows), **self.total.json()}
        out = {"week": self.week, "rows": rows, "total": total}
        if self.province is not None:
            out = {"province": {"code": self.province.code, "name": self.province.name}, **out}
        return out


def _fill(regions: list[Region], found: dict[str, RollupRow]) -> list[RollupRow]:
    """One row per region, zeros where nothing is paired yet."""
    rows = []
    for region in regions:
        row = found.get(region.code) or RollupRow(region.code, "", 0, 0, 0, Figures())
        row.name = region.name
        rows.append(row)
    return rows


def province_table(session: Session, settings: Settings, principal: Principal, code: str,
                   week: str | None) -> Rollup:
    province = province_access(session, principal, code)
    week = resolve_week(settings, week)
    counties = list(session.scalars(
        select(Region).where(col(Region.level) == Level.county, col(Region.code).startswith(prefix_of(code)))
        .order_by(col(Region.code))
    ))
    found = maintained_rows(session, week, province.code)
    return Rollup(week=week, kind="county", rows=_fill(counties, found), province=province)


def national_table(session: Session, settings: Settings, principal: Principal, week: str | None) -> Rollup:
    require_national(principal)
    week = resolve_week(settings, week)
    provinces = list(session.scalars(
        select(Region).where(col(Region.level) == Level.province).order_by(col(Region.code))
    ))
    found = maintained_rows(session, week, None)
    return Rollup(week=week, kind="province", rows=_fill(provinces, found))


# --- the maintained rollup -----------------------------------------------------------------


def rebuild_rollups(session: Session, settings: Settings) -> int:
    """The county × week rollup (app.rollups) recomputed from the ledger, every week of the
    campaign, in the caller's transaction: after a bulk load that bypassed the services, or to
    check the maintained one. The number of rows written."""
    session.execute(delete(CountyWeek))
    rows: list[dict[str, Any]] = []
    for week in campaign_weeks(settings):
        for county, row in rollup_rows(session, week, Village.county_code, true()).items():
            rows.append({"county_code": county, "week": week,
                         "province_code": ancestor_code(county, Level.province), **_sums(row)})
    for start in range(0, len(rows), 500):
        session.execute(insert(CountyWeek), rows[start:start + 500])
    return len(rows)


def _sums(row: RollupRow) -> dict[str, int]:
    """A rollup row as the county × week table keeps it."""
    f = row.figures
    return {"pairings": row.pairings, "reports": row.reports_this_week, "on_time": row.on_time,
            "funds_planned": money(f.funds_planned_wan), "funds_arrived": money(f.funds_arrived_wan),
            "materials_planned": money(f.materials_planned_wan),
            "materials_arrived": money(f.materials_arrived_wan), "has_project": f.has_industry_plan,
            "industry_done": f.industry_plan_done, "sales_planned": money(f.sales_planned_wan),
            "sales_done": money(f.sales_done_wan), "jobs_planned": f.jobs_planned, "jobs_done": f.jobs_done,
            "trainees_planned": f.trainees_planned, "trained_done": f.trained_done, "stationed": f.stationed,
            "stationed_now": f.stationed_count}


def _from_sums(code: str, values: Any) -> RollupRow:
    def wan(units: int) -> Decimal:
        return quantize_money(Decimal(int(units)).scaleb(-MONEY_SCALE))

    v = {name: int(getattr(values, name) or 0) for name in SUMS}
    return RollupRow(code=code, name="", pairings=v["pairings"], reports_this_week=v["reports"],
                     on_time=v["on_time"], figures=Figures(
        funds_planned_wan=wan(v["funds_planned"]), funds_arrived_wan=wan(v["funds_arrived"]),
        materials_planned_wan=wan(v["materials_planned"]), materials_arrived_wan=wan(v["materials_arrived"]),
        has_industry_plan=v["has_project"], industry_plan_done=v["industry_done"],
        sales_planned_wan=wan(v["sales_planned"]), sales_done_wan=wan(v["sales_done"]),
        jobs_planned=v["jobs_planned"], jobs_done=v["jobs_done"], trainees_planned=v["trainees_planned"],
        trained_done=v["trained_done"], stationed=v["stationed"], stationed_count=v["stationed_now"]))


def maintained_rows(session: Session, week: str, province_code: str | None) -> dict[str, RollupRow]:
    """The week's rollup from the maintained county × week rows: by county of one province, or
    (province_code None) by province. Counties or provinces with no pairing in force are absent,
    as in `rollup_rows`."""
    table = CountyWeek
    if province_code is not None:
        stmt = select(table).where(col(table.week) == week, col(table.province_code) == province_code,
                                   col(table.pairings) > 0)
        return {row.county_code: _from_sums(row.county_code, row) for row in session.scalars(stmt)}
    sums = [func.sum(getattr(table, name)).label(name) for name in SUMS]
    grouped = (select(col(table.province_code), *sums).where(col(table.week) == week, col(table.pairings) > 0)
               .group_by(col(table.province_code)))
    return {row.province_code: _from_sums(row.province_code, row) for row in session.execute(grouped)}


# --- completeness and timeliness ------------------------------------------------------------


def liaison_names(session: Session, unit_ids: set[int]) -> dict[int, list[dict[str, str]]]:
    """Each unit's active liaisons, as the missing-report lists name them."""
    return {unit_id: [{"username": u.username, "display_name": u.display_name} for u in users]
            for unit_id, users in liaisons_of(session, unit_ids).items()}


def _rate(received: int, expected: int) -> str:
    return f"{percentage(received, expected):.2f}"


def county_completeness(session: Session, settings: Settings, access: CountyAccess,
                        week: str | None) -> dict[str, Any]:
    table = county_table(session, settings, access, week)
    received = [row for row in table.rows if row.reported_this_week]
    missing = table.missing
    liaisons = liaison_names(session, {row.unit_id for row in missing})
    return {
        "county": {"code": table.county.code, "name": table.county.name},
        "week": table.week,
        "deadline": week_deadline(settings, table.week).isoformat(),
        "expected": len(table.rows),
        "received": len(received),
        "on_time": sum(not row.late for row in received),
        "rate_pct": _rate(len(received), len(table.rows)),
        "on_time_rate_pct": _rate(sum(not row.late for row in received), len(table.rows)),
        "missing": [
            {"pairing_id": row.pairing_id, "village_code": row.village_code, "village": row.village,
             "unit_id": row.unit_id, "unit": row.unit, "last_report_week": row.report_week,
             "liaisons": liaisons.get(row.unit_id, [])}
            for row in missing
        ],
    }


def _completeness_rows(rollup: Rollup) -> dict[str, Any]:
    key = rollup.kind
    rows = [{f"{key}_code": r.code, key: r.name, "expected": r.pairings,
             "received": r.reports_this_week, "on_time": r.on_time,
             "rate_pct": _rate(r.reports_this_week, r.pairings),
             "on_time_rate_pct": _rate(r.on_time, r.pairings)} for r in rollup.rows]
    expected = sum(r.pairings for r in rollup.rows)
    received = sum(r.reports_this_week for r in rollup.rows)
    on_time = sum(r.on_time for r in rollup.rows)
    return {"week": rollup.week, "expected": expected, "received": received, "on_time": on_time,
            "rate_pct": _rate(received, expected), "on_time_rate_pct": _rate(on_time, expected),
            "rows": rows}


def province_completeness(session: Session, settings: Settings, principal: Principal, code: str,
                          week: str | None) -> dict[str, Any]:
    rollup = province_table(session, settings, principal, code, week)
    assert rollup.province is not None
    return {"province": {"code": rollup.province.code, "name": rollup.province.name},
            **_completeness_rows(rollup)}


def national_completeness(session: Session, settings: Settings, principal: Principal,
                          week: str | None) -> dict[str, Any]:
    return _completeness_rows(national_table(session, settings, principal, week))


# --- demonstration candidates (示范点) -------------------------------------------------------


@dataclass
class Candidate:
    pairing_id: int
    village_code: str
    village: str
    unit: str
    report_week: str
    investment_wan: Decimal
    beneficiaries: int | None
    jobs_done: int
    trained_done: int
    criteria: list[str]
    references: list[str]

    def json(self) -> dict[str, Any]:
        return {"pairing_id": self.pairing_id, "village_code": self.village_code, "village": self.village,
                "unit": self.unit, "report_week": self.report_week,
                "investment_wan": format_decimal(self.investment_wan), "beneficiaries": self.beneficiaries,
                "jobs_done": self.jobs_done, "trained_done": self.trained_done,
                "criteria": self.criteria, "references": self.references}


def candidates(session: Session, settings: Settings, access: CountyAccess,
               week: str | None) -> tuple[Region, str, list[Candidate]]:
    """Pairings of the county that meet seed 000 §二's bar for a demonstration point, judged on
    their latest report up to the week: industry (funds and materials in place ≥ 20 万元 and
    ≥ 20 poor people lifted) or jobs (≥ 10 placed). Training ≥ 20 is shown as a reference item;
    donations (公益捐赠) are not part of this ledger."""
    week = resolve_week(settings, week)
    county = access.county
    cur, cur_on = _latest_report(session, week, "cur")
    columns: list[Any] = [Pairing.id, Village.code, Village.name, Unit.name, cur.week, cur.funds_arrived_wan,
                          cur.materials_arrived_wan, cur.beneficiaries, cur.jobs_done, cur.trained_done]
    rows = session.execute(
        select(*columns)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .join(cur, cur_on)
        .where(col(Village.county_code) == county.code, in_force_during(week))
        .order_by(col(Village.code), col(Pairing.signed_on), col(Pairing.id))
    )
    found = []
    for pairing_id, v_code, v_name, unit, r_week, funds, materials, people, jobs, trained in rows:
        investment = quantize_money(funds) + quantize_money(materials)
        criteria = []
        if investment >= settings.demo_investment_wan and (people or 0) >= settings.demo_beneficiaries:
            criteria.append(f"产业帮扶：资金物资到位 {format_decimal(investment)} 万元（≥{format_decimal(settings.demo_investment_wan)}），"
                            f"带动贫困人口 {people} 人（≥{settings.demo_beneficiaries}）")
        if jobs >= settings.demo_jobs:
            criteria.append(f"就业帮扶：安置就业 {jobs} 人（≥{settings.demo_jobs}）")
        if not criteria:
            continue
        references = []
        if trained >= settings.demo_trainees:
            references.append(f"技能帮扶：培训 {trained} 人（≥{settings.demo_trainees}，参考项）")
        found.append(Candidate(pairing_id, v_code, v_name, unit, r_week, investment, people, jobs,
                               trained, criteria, references))
    return county, week, found


# --- county submissions of the week's table --------------------------------------------------

SUBMISSION_LEAVE_OUT = frozenset({"snapshot"})  # the trail records the submission, not the table


def _status_label(submission: Submission) -> str:
    return SUBMISSION_STATUS_LABELS[SubmissionStatus(submission.status)]


@dataclass
class Checklist:
    """What stands between a county's week and its submission (SPEC "The county's week"), over the
    pairings in force that week: reports not received, received but not reviewed, returned to the
    liaison, and open flags bearing on the week's table (the plan's and the reports' up to W, as
    the table marks them)."""

    county_code: str
    week: str
    expected: int
    received: int  # reports of week W, whatever their state (a returned one included)
    missing: list[Row]
    unreviewed: list[Row]
    returned: list[Row]
    open_flags: int
    flagged: list[Row]  # the pairings those flags are on

    @property
    def complete(self) -> bool:
        """Nothing missing, unreviewed or flagged: the week goes up without a confirmation."""
        return not (self.missing or self.unreviewed or self.open_flags)

    @property
    def ready(self) -> bool:
        return self.complete and not self.returned

    def counts(self) -> dict[str, int]:
        """The counts (CHECKLIST_KEYS), as the API answers them and a submission keeps them."""
        return {"expected": self.expected, "received": self.received, "missing": len(self.missing),
                "unreviewed": len(self.unreviewed), "returned": len(self.returned), "open_flags": self.open_flags}

    def json(self) -> dict[str, Any]:
        return {"county_code": self.county_code, "week": self.week, **self.counts(), "ready": self.ready,
                "returned_reports": [{"pairing_id": r.pairing_id, "village_code": r.village_code,
                                      "village": r.village, "unit_id": r.unit_id, "unit": r.unit}
                                     for r in self.returned]}


def table_checklist(session: Session, table: CountyTable) -> Checklist:
    """The checklist of a county table already read (the table page has it)."""
    received = [row for row in table.rows if row.reported_this_week]
    by_pairing = open_flags_by_pairing(session, table.county.code, table.week)
    flagged = [row for row in table.rows if by_pairing.get(row.pairing_id)]
    return Checklist(
        county_code=table.county.code, week=table.week, expected=len(table.rows), received=len(received),
        missing=table.missing,
        unreviewed=[row for row in received if row.report_status == ReportStatus.submitted],
        returned=[row for row in received if row.report_status == ReportStatus.returned],
        open_flags=sum(len(by_pairing[row.pairing_id]) for row in flagged), flagged=flagged)


def week_checklist(session: Session, settings: Settings, access: CountyAccess, week: str) -> Checklist:
    return table_checklist(session, county_table(session, settings, access, week))


def _names(rows: list[Row], most: int = 10) -> str:
    named = "、".join(f"{row.village}（{row.unit}，结对 {row.pairing_id}）" for row in rows[:most])
    return named + (f" 等 {len(rows)} 个" if len(rows) > most else "")


def _blocking(checklist: Checklist) -> str:
    parts = [f"本周未报 {len(checklist.missing)} 个结对" if checklist.missing else "",
             f"待审核周报 {len(checklist.unreviewed)} 份" if checklist.unreviewed else "",
             f"待核实存疑数据 {checklist.open_flags} 条" if checklist.open_flags else ""]
    return "、".join(part for part in parts if part)


def check_submittable(checklist: Checklist, data: SubmitIn) -> None:
    """A week with returned reports is not sent up at all: once locked, the liaison could no longer
    fix them. One with reports missing or unreviewed, or flags open, only with a confirmation (the
    note is required with it by SubmitIn). Both 409 with the checklist beside the message."""
    extra = {"checklist": checklist.json()}
    if checklist.returned:
        raise Conflict(f"{checklist.week} 有 {len(checklist.returned)} 份周报已退回、待联络员重新报送："
                       f"{_names(checklist.returned)}。上报后本周周报将锁定，退回的周报将无法再修改，"
                       "请待其重新报送并审核后再上报", extra)
    if not checklist.complete and not data.confirm_incomplete:
        raise Conflict(f"{checklist.week} 的统计表尚不完整：{_blocking(checklist)}。"
                       "如确需现在上报，请确认带缺项上报并填写说明", extra)


def submit_week(session: Session, settings: Settings, access: CountyAccess, week: str,
                data: SubmitIn | None = None) -> Submission:
    """The county sends its week-W table up: a frozen snapshot, and the week's reports lock. The
    submission keeps the checklist's counts of that moment and the county's note."""
    access.require_submit()
    data = data or SubmitIn()
    table = county_table(session, settings, access, week)
    current = week_lock(session, access.code, table.week)
    if current is not None:
        raise Conflict(f"{table.week} 的县统计表已上报（上报编号 {current.id}，{_status_label(current)}），"
                       "不能重复上报")
    checklist = table_checklist(session, table)
    check_submittable(checklist, data)
    actor = access.principal
    assert actor.id is not None
    submission = Submission(county_code=access.code, week=table.week, snapshot=table.json(),
                            submitted_by=actor.id, submitted_at=clock_now(settings),
                            note=data.note, checklist=checklist.counts())
    session.add(submission)
    session.flush()
    record(session, actor, "create", "submission", submission.id,
           after=snapshot(submission, SUBMISSION_LEAVE_OUT), region_code=access.code)
    return submission


def current_submission(session: Session, access: CountyAccess, week: str) -> Submission:
    submission = session.scalars(
        select(Submission).where(col(Submission.county_code) == access.code, col(Submission.week) == week)
        .order_by(col(Submission.id).desc()).limit(1)
    ).first()
    if submission is None:
        raise NotFound(f"县 {access.code} 尚未上报 {week} 的统计表")
    return submission


def list_submissions(session: Session, access: CountyAccess) -> list[Submission]:
    return list(session.scalars(select(Submission).where(col(Submission.county_code) == access.code)
                                .order_by(col(Submission.week).desc(), col(Submission.id).desc())))


def _decide(session: Session, settings: Settings, access: CountyAccess, week: str, to: SubmissionStatus,
            reason: str | None = None) -> Submission:
    submission = current_submission(session, access, week)
    access.require_decide()
    # A waiting submission is accepted or returned; an accepted one can still be returned when
    # an error turns up later, which unlocks the week again.
    allowed = (SubmissionStatus.submitted,) if to == SubmissionStatus.accepted else LIVE
    if submission.status not in allowed:
        raise Conflict(f"{week} 的上报当前为“{_status_label(submission)}”，"
                       f"不能{'接收' if to == SubmissionStatus.accepted else '退回'}")
    before = snapshot(submission, SUBMISSION_LEAVE_OUT)
    submission.status, submission.decided_at, submission.decided_by = to, clock_now(settings), access.principal.id
    submission.return_reason = reason
    session.flush()
    record(session, access.principal, "state", "submission", submission.id, before=before,
           after=snapshot(submission, SUBMISSION_LEAVE_OUT), region_code=access.code)
    return submission


def accept_week(session: Session, settings: Settings, access: CountyAccess, week: str) -> Submission:
    return _decide(session, settings, access, week, SubmissionStatus.accepted)


def return_week(session: Session, settings: Settings, access: CountyAccess, week: str, reason: str) -> Submission:
    """Returned to the county, whose officers are told why (they must act)."""
    submission = _decide(session, settings, access, week, SubmissionStatus.returned, reason)
    notices.notify(session, settings, notices.officers_of(session, access.code), "returned",
                   f"县统计表被退回：{week}",
                   f"{access.principal.display_name}退回了{access.county.name} {week} 的进展统计表。退回原因：{reason}。"
                   "本周周报已解锁，请核实修改后重新上报。", clock_now(settings),
                   url=f"/counties/{access.code}/table?week={week}", county_code=access.code, week=week)
    return submission


def returned_weeks(session: Session, county_code: str) -> list[tuple[Submission, str | None]]:
    """The county's weeks whose latest submission the province returned (they wait to be sent up
    again), newest week first, each with who returned it."""
    latest = (select(func.max(Submission.id)).where(col(Submission.county_code) == county_code)
              .group_by(col(Submission.week)))
    rows = session.execute(
        select(Submission, col(User.display_name)).outerjoin(User, col(User.id) == col(Submission.decided_by))
        .where(col(Submission.id).in_(latest), col(Submission.status) == SubmissionStatus.returned)
        .order_by(col(Submission.week).desc())
    ).all()
    return [(submission, name) for submission, name in rows]


def county_week_status(session: Session, county_codes: list[str], week: str) -> dict[str, Submission]:
    """The latest submission of each county for the week."""
    rows = session.scalars(
        select(Submission).where(col(Submission.county_code).in_(county_codes), col(Submission.week) == week)
        .order_by(col(Submission.id))
    )
    return {row.county_code: row for row in rows}
