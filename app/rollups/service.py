"""Keeping the county × week rollup in step with the ledger.

A pairing adds to each week of the campaign it is in force during (signed by the week's end, not
expired or ended before it began) one pairing, its plan's figures, and the figures of its latest
report up to that week (with one report, and one on time, in the week the report is for). Every
write that changes any of that — a report created, replaced, back-filled or corrected; a plan
created or edited; a pairing signed, ended, re-activated or extended — computes the pairing's
contributions before and after over the weeks it can touch and adds the difference to the
county's rows, in one INSERT … ON CONFLICT DO UPDATE, in the writer's transaction. Rows are
touched in (county, week) order, so concurrent writers never wait for each other in a cycle.
`app.stats.service.rebuild_rollups` recomputes the whole from the ledger."""

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.common import MONEY_SCALE, campaign_weeks, parse_week
from app.config import Settings
from app.rollups.models import SUMS, CountyWeek

Vector = tuple[int, ...]
WIDTH = len(SUMS)
ZERO: Vector = (0,) * WIDTH
_AT = {name: i for i, name in enumerate(SUMS)}
BATCH = 500  # rows per INSERT: well below SQLite's limit of bound parameters


def money(value: Any) -> int:
    """万元 as whole ten-thousandths."""
    if value is None:
        return 0
    return int(Decimal(value).scaleb(MONEY_SCALE).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Term:
    """The dates that decide which weeks a pairing is in force during."""

    signed_on: date
    valid_until: date
    active: bool
    ended_on: date | None

    @classmethod
    def of(cls, pairing: Any) -> "Term":
        return cls(pairing.signed_on, pairing.valid_until, bool(pairing.active), pairing.ended_on)

    def covers(self, week: str) -> bool:
        start = parse_week(week)
        return (self.signed_on <= start + timedelta(days=6) and self.valid_until >= start
                and (self.active or (self.ended_on is not None and self.ended_on >= start)))


# A report as the rollup sees it: (week, late, funds, materials, industry done, sales, jobs,
# trained, stationed now).
Mark = tuple[str, bool, int, int, int, int, int, int, int]


def mark(report: Any) -> Mark:
    return (report.week, bool(report.late), money(report.funds_arrived_wan), money(report.materials_arrived_wan),
            int(bool(report.industry_plan_done)), money(report.sales_done_wan), int(report.jobs_done),
            int(report.trained_done), int(report.stationed_now))


def plan_vector(plan: Any) -> Vector:
    """What a plan adds to every week its pairing is in force during (nothing without a plan)."""
    if plan is None:
        return ZERO
    values = [0] * WIDTH
    for name, value in (("funds_planned", money(plan.planned_funds_wan)),
                        ("materials_planned", money(plan.planned_materials_wan)),
                        ("has_project", int(bool(plan.has_project))), ("sales_planned", money(plan.sales_target_wan)),
                        ("jobs_planned", int(plan.jobs_target)), ("trainees_planned", int(plan.trainees_target)),
                        ("stationed", int(bool(plan.will_station)))):
        values[_AT[name]] = value
    return tuple(values)


_REPORTED = ("funds_arrived", "materials_arrived", "industry_done", "sales_done", "jobs_done", "trained_done",
             "stationed_now")
_REPORTED_AT = [_AT[name] for name in _REPORTED]


@dataclass(frozen=True)
class State:
    """A pairing as far as the rollup is concerned: its term (None: not there), its plan's vector
    and the marks of its reports that can be the latest in the weeks considered."""

    term: Term | None
    plan: Vector = ZERO
    marks: Sequence[Mark] = ()


def contributions(state: State, weeks: Iterable[str]) -> dict[str, Vector]:
    """What the pairing adds to each of the weeks it is in force during."""
    out: dict[str, Vector] = {}
    if state.term is None:
        return out
    marks = sorted(state.marks)
    keys = [m[0] for m in marks]
    for week in weeks:
        if not state.term.covers(week):
            continue
        values = list(state.plan)
        values[_AT["pairings"]] += 1
        at = bisect.bisect_right(keys, week) - 1
        if at >= 0:
            latest = marks[at]
            if latest[0] == week:
                values[_AT["reports"]] += 1
                values[_AT["on_time"]] += not latest[1]
            for index, figure in zip(_REPORTED_AT, latest[2:], strict=True):
                values[index] += figure
        out[week] = tuple(values)
    return out


class Changes:
    """Differences to add to county rows, gathered over many pairings and written at once."""

    def __init__(self, settings: Settings):
        self.weeks = campaign_weeks(settings)
        self.rows: dict[tuple[str, str], list[int]] = {}
        self.province: dict[str, str] = {}

    def add(self, county_code: str, province_code: str, before: State, after: State, since: str | None = None) -> None:
        """The pairing changed from `before` to `after`; only weeks from `since` on can differ."""
        weeks = self.weeks if since is None else self.weeks[bisect.bisect_left(self.weeks, since):]
        old, new = contributions(before, weeks), contributions(after, weeks)
        self.province[county_code] = province_code
        for week in old.keys() | new.keys():
            a, b = old.get(week, ZERO), new.get(week, ZERO)
            if a == b:
                continue
            row = self.rows.setdefault((county_code, week), [0] * WIDTH)
            for i in range(WIDTH):
                row[i] += b[i] - a[i]

    def merge(self, other: "Changes") -> None:
        """Add what `other` gathered."""
        self.province.update(other.province)
        for key, values in other.rows.items():
            row = self.rows.setdefault(key, [0] * WIDTH)
            for i in range(WIDTH):
                row[i] += values[i]

    def write(self, session: Session) -> None:
        rows = [{"county_code": county, "week": week, "province_code": self.province[county],
                 **dict(zip(SUMS, values, strict=True))}
                for (county, week), values in sorted(self.rows.items()) if any(values)]
        self.rows.clear()
        for start in range(0, len(rows), BATCH):
            _upsert(session, rows[start:start + BATCH])


@cache
def _upsert_statement(dialect: str) -> Any:
    """Adding differences to county rows, built once per dialect and executed with many rows'
    parameters (executemany: psycopg sends them in one pipeline), so neither the statement nor
    its cache key is built again for every write."""
    table = CountyWeek.__table__  # type: ignore[attr-defined]
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=["county_code", "week"],
        set_={name: table.c[name] + statement.excluded[name] for name in SUMS})


def _upsert(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    session.execute(_upsert_statement(session.get_bind().dialect.name), list(rows))


def record_change(session: Session, settings: Settings, county_code: str, province_code: str, before: State,
                  after: State, since: str | None = None) -> None:
    """One pairing's change, written at once."""
    changes = Changes(settings)
    changes.add(county_code, province_code, before, after, since)
    changes.write(session)


def marks_of(reports: Iterable[Any]) -> list[Mark]:
    return [mark(r) for r in reports if r is not None]

