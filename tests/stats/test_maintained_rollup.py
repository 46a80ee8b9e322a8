"""The county × week rollup the province and national tables read is kept in step by every write
that changes a figure. Random sequences of writes — reports filed, replaced, back-filled and
corrected (one at a time and as an imported batch), plans created and edited, pairings signed,
ended, re-activated and cut short — leave it equal, for every week of the campaign, to the full
recomputation from the ledger (the per-pairing latest-report aggregate it replaced); and
`rebuild_rollups` gives the same rows again."""

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, true
from sqlmodel import col

from app.auth.models import Role
from app.common import campaign_weeks
from app.errors import DomainError
from app.pairings import flows as pairing_flows
from app.pairings import service as pairings
from app.pairings.models import PairingCreate, PairingUpdate, PlanIn
from app.pairings.policy import pairing_access
from app.regions.models import Village
from app.reports.flows import Filing, save_report, save_reports
from app.reports.models import ReportIn
from app.reports.policy import report_access
from app.rollups.models import SUMS, CountyWeek
from app.stats.service import _sums, maintained_rows, rebuild_rollups, rollup_rows
from tests.factories import make_unit, plan_body, report_body
from tests.scenario import OTHER_COUNTY, OTHER_PROVINCE_COUNTY, Scenario, principal

VILLAGES = ["530102001001", "530102001002", "530103001001", "520102001001"]
WEEKS = ["2020-W16", "2020-W20", "2020-W24", "2020-W26", "2020-W27", "2020-W28", "2020-W29"]
SIGNED = [date(2020, 4, 8), date(2020, 5, 20), date(2020, 6, 28), date(2020, 7, 14)]
CUT_TO = [date(2020, 6, 10), date(2020, 7, 1), date(2020, 9, 30), date(2020, 12, 31)]

figures = st.fixed_dictionaries({
    "funds_arrived_wan": st.sampled_from(["0", "12.5", "20", "33.3333", "150"]),
    "jobs_done": st.sampled_from([0, 3, 8, 40]),
    "industry_plan_done": st.booleans(),
    "stationed_now": st.sampled_from([0, 2]),
})
report_op = st.tuples(st.just("report"), st.integers(0, 5), st.sampled_from(WEEKS), figures)
batch_op = st.tuples(st.just("batch"), st.lists(st.tuples(st.integers(0, 5), st.sampled_from(WEEKS), figures),
                                                min_size=1, max_size=6, unique_by=lambda f: (f[0], f[1])))
plan_op = st.tuples(st.just("plan"), st.integers(0, 5), st.sampled_from(["0", "50", "80.5"]),
                    st.sampled_from([0, 20]), st.booleans())
end_op = st.tuples(st.just("end"), st.integers(0, 5), st.booleans())
cut_op = st.tuples(st.just("cut"), st.integers(0, 5), st.sampled_from(CUT_TO))
sign_op = st.tuples(st.just("sign"), st.integers(0, 3), st.sampled_from(SIGNED))
operations = st.lists(st.one_of(report_op, batch_op, plan_op, end_op, cut_op, sign_op), min_size=1, max_size=14)


def _world(session, app_settings):
    world = Scenario(session, app_settings)
    world.user("admin", Role.admin)
    for code in (OTHER_COUNTY, OTHER_PROVINCE_COUNTY):
        world.place(code)
    for i, code in enumerate(VILLAGES):
        world.pairing(f"p{i}", code, with_plan=False, signed_on=SIGNED[i % 2])
    return world


def _apply(session, app_settings, admin, op) -> None:
    kind, *args = op
    ids = list(session.scalars(select(col(pairings.Pairing.id)).order_by(col(pairings.Pairing.id))))
    pick = lambda i: ids[i % len(ids)]  # noqa: E731
    body = lambda f: ReportIn.model_validate(report_body(**f, correction_note="更正"))  # noqa: E731
    try:
        with session.begin_nested():
            if kind == "report":
                i, week, f = args
                access = report_access(session, pairing_access(session, admin, pick(i), lock=True), week)
                save_report(session, app_settings, access, body(f))
            elif kind == "batch":
                (filings,) = args
                unique = {(pick(i), week): f for i, week, f in reversed(filings)}  # each week once a batch
                save_reports(session, app_settings, admin, [Filing(p, week, body(f)) for (p, week), f in unique.items()])
            elif kind == "plan":
                i, funds, jobs, project = args
                data = PlanIn.model_validate(plan_body(industry__planned_funds_wan=funds,
                                                       industry__has_project=project,
                                                       employment__jobs_target=jobs, employment__unit_jobs=jobs,
                                                       employment__outside_jobs=0,
                                                       employment__entrepreneurship_jobs=0,
                                                       employment__public_welfare_jobs=0))
                pairing_flows.save_plan(session, app_settings, pairing_access(session, admin, pick(i), lock=True),
                                        data)
            elif kind == "end":
                i, active = args
                pairings.update_pairing(session, app_settings, pairing_access(session, admin, pick(i), lock=True),
                                        PairingUpdate(active=active))
            elif kind == "cut":
                i, until = args
                pairings.update_pairing(session, app_settings, pairing_access(session, admin, pick(i), lock=True),
                                        PairingUpdate(valid_until=until))
            elif kind == "sign":
                v, signed = args
                village = session.scalars(select(Village).where(Village.code == VILLAGES[v])).one()
                unit = make_unit(session)
                pairings.create_pairing(session, app_settings, admin, PairingCreate(
                    village_code=village.code, unit_id=unit.id, signed_on=signed,
                    committed_funds_wan=Decimal(30)))
    except DomainError:
        pass  # refused (a week before signing, an ended pairing, the sixth unit…): nothing changed


def _maintained(session, week: str) -> tuple[dict, dict]:
    by_county = {}
    for row in session.scalars(select(CountyWeek).where(CountyWeek.week == week)):
        if row.pairings:
            by_county[row.county_code] = tuple(getattr(row, name) for name in SUMS)
    by_province = {code: tuple(_sums(r).values()) for code, r in maintained_rows(session, week, None).items()}
    return by_county, by_province


def _recomputed(session, week: str) -> tuple[dict, dict]:
    by_county = {code: tuple(_sums(r).values()) for code, r in
                 rollup_rows(session, week, Village.county_code, true()).items()}
    by_province = {code: tuple(_sums(r).values()) for code, r in
                   rollup_rows(session, week, Village.province_code, true()).items()}
    return by_county, by_province


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_maintained_rollup_equals_a_full_recomputation(session, settings, ops):
    outer = session.begin_nested()
    try:
        world = _world(session, settings)
        admin = principal(world.users["admin"])
        for op in ops:
            _apply(session, settings, admin, op)
        session.flush()
        for week in campaign_weeks(settings):
            assert _maintained(session, week) == _recomputed(session, week), week
        # And rebuilt from the ledger, the same rows.
        before = {(r.county_code, r.week): tuple(getattr(r, n) for n in SUMS)
                  for r in session.scalars(select(CountyWeek)) if r.pairings}
        rebuild_rollups(session, settings)
        session.expire_all()
        after = {(r.county_code, r.week): tuple(getattr(r, n) for n in SUMS)
                 for r in session.scalars(select(CountyWeek))}
        assert before == after
    finally:
        outer.rollback()
        session.expunge_all()  # rows inserted in bulk and read back would outlive the rollback


def test_a_past_week_keeps_a_pairing_ended_later(session, settings):
    """Ending a pairing on 2020-07-15 takes it out of the weeks after; W28's table still has it."""
    world = _world(session, settings)
    admin = principal(world.users["admin"])
    target = world.id("p0")
    access = report_access(session, pairing_access(session, admin, target, lock=True), "2020-W28")
    save_report(session, settings, access, ReportIn.model_validate(report_body()))
    county = VILLAGES[0][:6] + "000000"
    weeks = {w: _maintained(session, w)[0][county] for w in ("2020-W28", "2020-W30")}
    pairings.update_pairing(session, settings, pairing_access(session, admin, target, lock=True),
                            PairingUpdate(active=False))
    session.flush()
    session.expire_all()
    assert _maintained(session, "2020-W28")[0][county] == weeks["2020-W28"]
    after = _maintained(session, "2020-W30")[0][county]
    assert after[0] == weeks["2020-W30"][0] - 1  # one pairing fewer in force
    assert _maintained(session, "2020-W30") == _recomputed(session, "2020-W30")
