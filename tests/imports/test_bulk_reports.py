"""The bulk import of weekly reports (every row checked, then all saved at once) keeps exactly what
the row-by-row import kept, which saved each row through the same flow as PUT …/reports/{week}: the
same answer, the same reports, flags and audit trail, for any file. Hypothesis writes the files
over pairings with earlier reports, a locked week, an ended pairing and one out of scope, with
figures that go down, need a note or raise flags, and rows that repeat."""

import io
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.errors import Conflict
from app.imports import service
from app.imports.models import ImportKind
from app.reports.models import Report, ReportStatus
from app.review.models import Flag
from app.rollups.models import SUMS, CountyWeek
from app.stats.models import Submission
from tests.factories import make_report
from tests.imports.files import csv_bytes, labels
from tests.scenario import COUNTY, OTHER_COUNTY, Scenario, principal

FIELDS = ["pairing_id", "week", "funds_arrived_wan", "materials_arrived_wan", "industry_plan_done",
          "sales_done_wan", "jobs_done", "trained_done", "stationed_now", "beneficiaries", "progress",
          "correction_note"]
HEAD = labels(ImportKind.reports, FIELDS)
WEEKS = [f"2020-W{n}" for n in range(23, 31)]  # W30 has not begun on the tests' clock
TIMES = {"submitted_at", "first_submitted_at", "reviewed_at", "created_at", "resolved_at", "featured_at"}


@pytest.fixture
def campaign(session, settings):
    w = Scenario(session, settings)
    a = w.pairing("a", "530102001001", unit="甲公司")
    b = w.pairing("b", "530102001002", unit="乙公司")
    ended = w.pairing("ended", "530102001003", unit="丙公司")
    ended.active = False
    far = w.pairing("far", "530103001001", unit="甲公司")
    officer = w.user("officer", Role.officer, COUNTY)
    make_report(session, a, "2020-W25", funds_arrived_wan=Decimal(10), jobs_done=5)
    make_report(session, a, "2020-W27", funds_arrived_wan=Decimal(20), jobs_done=8)
    make_report(session, b, "2020-W26", status=ReportStatus.returned, return_reason="请核对")
    session.add(Submission(county_code=COUNTY, week="2020-W24", snapshot={}, submitted_by=officer.id))
    session.add(Submission(county_code=OTHER_COUNTY, week="2020-W26", snapshot={}, submitted_by=officer.id))
    session.flush()
    return w, [a.id, b.id, ended.id, far.id, 999_999]


row_strategy = st.tuples(
    st.integers(0, 4),  # which pairing
    st.sampled_from(WEEKS),
    st.sampled_from([0, 15, 20, 25, 20_000]),  # 万元; over 10,000 raises S3
    st.sampled_from([0, 5, 8, 1_200]),  # jobs; with training over the village's limit raises S2
    st.sampled_from([None, "更正录入错误"]),
)


def _file(pairings: list[int], rows: list[tuple]) -> bytes:
    lines = [HEAD]
    for which, week, funds, jobs, note in rows:
        lines.append([pairings[which], week, funds, 5, "否", 12.5, jobs, 15, 2, 30, "大棚已开工", note or ""])
    return csv_bytes(lines)


def _plain(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: (v is not None) if k in TIMES else v for k, v in values.items() if k != "id"}


def _state(session, events_after: int) -> dict:
    """What an import left behind, without the ids and clock readings that differ between runs."""
    session.expire_all()
    reports = {(r.pairing_id, r.week): _plain(r.model_dump()) for r in session.scalars(select(Report))}
    flags = sorted(json.dumps(_plain(f.model_dump()), sort_keys=True, default=str)
                   for f in session.scalars(select(Flag)))
    events = sorted(json.dumps([e.actor, e.action, e.entity, e.region_code, _plain(e.before), _plain(e.after)],
                               sort_keys=True, default=str)
                    for e in session.scalars(select(AuditEvent).where(AuditEvent.id > events_after)))
    # The county × week rollup the province and national tables read: the same from both paths.
    rollup = {(r.county_code, r.week): tuple(getattr(r, name) for name in SUMS)
              for r in session.scalars(select(CountyWeek)) if any(getattr(r, name) for name in SUMS)}
    return {"reports": reports, "flags": flags, "events": events, "rollup": rollup}


def _run(session, settings, officer, content: bytes, importers) -> tuple[object, dict]:
    events_after = session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    savepoint = session.begin_nested()
    try:
        result = service.import_file(session, settings, officer, ImportKind.reports, io.BytesIO(content), "周报.csv",
                                     importers=importers)
        outcome = (result.created, result.updated, result.errors, result.error_count), _state(session, events_after)
    finally:
        savepoint.rollback()
    return outcome


def _both(session, settings, campaign, rows) -> tuple[tuple, tuple]:
    """The file of `rows` imported row by row, then in bulk, each in a savepoint undone after."""
    world, pairings = campaign
    officer = principal(world.users["officer"])
    content = _file(pairings, rows)
    return (_run(session, settings, officer, content, service.ROW_BY_ROW),
            _run(session, settings, officer, content, service.IMPORTERS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, min_size=1, max_size=10))
def test_the_bulk_import_keeps_what_the_row_by_row_import_kept(session, settings, campaign, rows, monkeypatch):
    monkeypatch.setattr(service, "BATCH_ROWS", 3)  # batches that read what the ones before wrote
    one_by_one, at_once = _both(session, settings, campaign, rows)
    assert at_once == one_by_one


# Files that are mostly kept: the two pairings in scope, weeks that are open, each week once and
# a correction note on most rows, so that what is stored (flags raised and closed again by a later
# row of the same file, the trail) is compared, not only the errors.
clean_row = st.tuples(st.integers(0, 1), st.sampled_from(WEEKS[2:-1]), st.sampled_from([0, 15, 20, 25, 20_000]),
                      st.sampled_from([0, 5, 8, 1_200]), st.sampled_from(["更正录入错误", "更正录入错误", None]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(clean_row, min_size=1, max_size=10, unique_by=lambda r: (r[0], r[1])))
def test_a_mostly_clean_sheet_is_stored_with_the_same_flags_and_trail(session, settings, campaign, rows,
                                                                       monkeypatch):
    monkeypatch.setattr(service, "BATCH_ROWS", 3)
    one_by_one, at_once = _both(session, settings, campaign, rows)
    assert at_once == one_by_one


def test_a_sheet_with_every_kind_of_bad_row_lists_the_same_errors_in_the_same_order(
        session, settings, campaign):
    """A hand-picked file: a week repeated, an ended pairing, one out of scope, a locked week,
    a decrease without a note, and rows after them that are fine."""
    rows = [(0, "2020-W26", 20_000, 5, None), (0, "2020-W28", 25, 8, None), (0, "2020-W26", 15, 6, None),
            (1, "2020-W27", 20_000, 1_200, None), (0, "2020-W24", 30, 9, None), (2, "2020-W28", 1, 1, None),
            (3, "2020-W28", 1, 1, None), (0, "2020-W29", 15, 8, None)]
    one_by_one, at_once = _both(session, settings, campaign, rows)
    assert at_once == one_by_one
    assert [(e["row"], e["column"]) for e in one_by_one[0][2]] == [
        (2, "更正说明"), (4, "结对编号"), (6, "周次"), (7, "结对编号"), (8, "结对编号"), (9, "更正说明")]
    assert not one_by_one[1]["events"]  # nothing kept


def test_a_clean_sheet_is_stored_with_flags_and_trail_as_row_by_row(session, settings, campaign):
    rows = [(0, "2020-W28", 25, 8, None), (1, "2020-W28", 20_000, 1_200, None), (0, "2020-W26", 15, 6, None),
            (1, "2020-W26", 15, 6, None), (0, "2020-W29", 25, 8, None)]
    one_by_one, at_once = _both(session, settings, campaign, rows)
    assert at_once == one_by_one
    assert one_by_one[0][:2] == (4, 1) and len(one_by_one[1]["flags"]) >= 2


def test_a_batch_that_meets_a_new_row_of_another_writer_is_read_and_written_again(
        session, settings, campaign, monkeypatch):
    """On PostgreSQL a liaison's new report can land between the batch's reads and its writes: the
    unique key refuses the batch, which is read and written again; after three such meetings the
    import answers 数据冲突 (409) and keeps nothing."""
    world, pairings = campaign
    officer = principal(world.users["officer"])
    content = _file(pairings, [(0, "2020-W28", 25, 8, None), (1, "2020-W28", 25, 8, None)])
    real = service.save_reports
    meetings = []

    def meeting(times):
        def save(s, *args, **kwargs):
            outcomes = real(s, *args, **kwargs)
            if len(meetings) < times:
                meetings.append(1)
                raise IntegrityError("INSERT INTO report …", {}, Exception("uq_report_pairing_week"))
            return outcomes
        return save

    monkeypatch.setattr(service, "save_reports", meeting(2))
    result = service.import_file(session, settings, officer, ImportKind.reports, io.BytesIO(content), "周报.csv")
    assert (result.created, result.updated, result.error_count) == (2, 0, 0) and len(meetings) == 2
    assert session.scalar(select(func.count()).select_from(Report).where(Report.week == "2020-W28")) == 2

    meetings.clear()
    monkeypatch.setattr(service, "save_reports", meeting(3))
    content = _file(pairings, [(0, "2020-W29", 25, 8, None)])
    with pytest.raises(Conflict):
        service.import_file(session, settings, officer, ImportKind.reports, io.BytesIO(content), "周报.csv")
    assert session.scalar(select(func.count()).select_from(Report).where(Report.week == "2020-W29")) == 0
