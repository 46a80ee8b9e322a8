"""A weekly report with what follows from it: saving runs the suspicious-data rules on the report
and on the pairing's next one (whose S6 compares against it), and the report as the API shows it
carries its flags and where its values stand."""

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlmodel import Session

from app.audit.service import event_values, record_all, snapshot, snapshot_of
from app.auth.policy import Principal
from app.common import clock_now
from app.config import Settings
from app.db import insert_returning_ids
from app.errors import DomainError
from app.pairings.policy import PairingAccess, not_found, pairing_accesses
from app.reports import service
from app.reports.models import Report, ReportIn, ReportOut, StoryOut, stage
from app.reports.policy import ReportAccess, week_locks
from app.review import service as review
from app.review.models import Flag
from app.review.rules import report_findings
from app.rollups import service as rollups


class Saved(NamedTuple):
    """A saved report, whether the save created it, and its flags as they stand after the save."""

    report: Report
    created: bool
    flags: list[Flag]


def save_report(session: Session, settings: Settings, access: ReportAccess, data: ReportIn,
                now: datetime | None = None) -> Saved:
    """Create or replace the week's report, and reconcile its flags and those of the pairing's
    next report (whose S6 compares against it): the reports read once, under lock, and the flags
    of both weeks in one query."""
    pairing = access.pairing
    around = service.reports_at(session, pairing.id, access.week)
    report, created, changed, replaced = service.write_report(session, settings, access, data, around, now)
    following = around.following
    keys = [(pairing.id, report.week)] + ([(pairing.id, following.week)] if following is not None else [])
    flags = review.report_flags(session, keys)
    if changed:
        _check(session, settings, flags, pairing, report, around.previous)
        if following is not None:
            # A back-filled or corrected earlier week can open or close the next week's S6.
            _check(session, settings, flags, pairing, following, report)
        # Last: the county's rollup rows are the lock most writers share; held only to the commit.
        term = rollups.Term.of(pairing.pairing)
        rollups.record_change(session, settings, pairing.county_code, pairing.village.province_code,
                              rollups.State(term, marks=rollups.marks_of((around.previous, following))
                                            + ([replaced] if replaced else [])),
                              rollups.State(term, marks=rollups.marks_of((around.previous, report, following))),
                              since=access.week)
    return Saved(report, created, sorted(flags[pairing.id, report.week], key=lambda f: (f.rule, f.id or 0)))


def saved_out(saved: Saved) -> ReportOut:
    """The report just saved as the API shows it. Its week is not locked (the save would have been
    refused), so not accepted by the province either."""
    return _out(saved.report, False, saved.flags)


def reports_out(session: Session, pairing: PairingAccess, reports: Sequence[Report]) -> list[ReportOut]:
    """Reports of one pairing as the API shows them, with their flags and stage: three queries
    however many reports."""
    if not reports:
        return []
    accepted = service.accepted_weeks(session, pairing.county_code)
    flags = review.flags_by_week(session, pairing.id, [r.week for r in reports])
    return [_out(report, report.week in accepted, flags.get(report.week, [])) for report in reports]


def report_out(session: Session, pairing: PairingAccess, report: Report) -> ReportOut:
    return reports_out(session, pairing, [report])[0]


def _out(report: Report, accepted: bool, flags: Sequence[Flag]) -> ReportOut:
    story = StoryOut(title=report.story_title, body=report.story_body) if report.story_body else None
    return ReportOut(
        **report.model_dump(exclude={"story_title", "story_body"}), story=story,
        stage=stage(report.status, accepted) or "reported",
        flags=[review.flag_out(f).model_dump(mode="json") for f in flags],
    )


@dataclass(frozen=True)
class Filing:
    """One week's report of one pairing, among many filed at once."""

    pairing_id: int
    week: str
    data: ReportIn


class _Timeline:
    """One pairing's reports by week, as they stand while a batch is written: those stored, and
    the batch's new ones (their columns, before they are inserted)."""

    def __init__(self) -> None:
        self.weeks: list[str] = []
        self.reports: dict[str, Report | SimpleNamespace] = {}

    def put(self, report: Report | SimpleNamespace) -> None:
        if report.week not in self.reports:
            bisect.insort(self.weeks, report.week)
        self.reports[report.week] = report

    def around(self, week: str) -> tuple[Report | SimpleNamespace | None, Report | SimpleNamespace | None]:
        """The reports just before and just after `week`."""
        at = bisect.bisect_left(self.weeks, week)
        after = at + 1 if at < len(self.weeks) and self.weeks[at] == week else at
        return (self.reports[self.weeks[at - 1]] if at else None,
                self.reports[self.weeks[after]] if after < len(self.weeks) else None)


def save_reports(session: Session, settings: Settings, actor: Principal, filings: Sequence[Filing],
                 now: datetime | None = None, changes: rollups.Changes | None = None) -> list[bool | DomainError]:
    """Many weekly reports at once, as `save_report` saves each one in the order given (the same
    checks, flags and audit trail), with what they need read in a few queries and written in
    batches: a county's sheet of thousands of rows is one short transaction. Each (pairing, week)
    at most once. For each filing: whether it created a report, or why it was refused (a refused
    filing changes nothing). The rollup's differences go to `changes` when it is given (a caller
    saving many batches writes them once, last), else are written here."""
    now = now or clock_now(settings)
    accesses = pairing_accesses(session, actor, {f.pairing_id for f in filings}, lock=True)
    weeks = sorted({f.week for f in filings})
    locks = week_locks(session, {(a.county_code, f.week) for f in filings
                                 if (a := accesses.get(f.pairing_id)) is not None})
    timelines: dict[int, _Timeline] = defaultdict(_Timeline)
    if accesses and weeks:
        for known in service.reports_around(session, accesses, weeks[0], weeks[-1]):
            timelines[known.pairing_id].put(known)
    flags = review.report_flags(session, {(pid, week) for pid, line in timelines.items() for week in line.weeks}
                                | {(f.pairing_id, f.week) for f in filings})
    # The rollup's view of each pairing before the batch; the batch's first week written, by pairing.
    marks_before = {pid: rollups.marks_of(line.reports.values()) for pid, line in timelines.items()}
    since: dict[int, str] = {}
    created: list[tuple[dict[str, Any], PairingAccess]] = []
    events: list[dict[str, Any]] = []
    outcomes: list[bool | DomainError] = []
    for filing in filings:
        pairing = accesses.get(filing.pairing_id)
        if pairing is None:
            outcomes.append(not_found(filing.pairing_id))
            continue
        line = timelines[pairing.id]
        stored = line.reports.get(filing.week)
        assert not isinstance(stored, SimpleNamespace), "a week filed twice in one batch"
        access = ReportAccess(pairing, filing.week, stored, locks.get((pairing.county_code, filing.week)))
        previous, following = line.around(filing.week)
        try:
            service.check_write(settings, access, filing.data, previous, following, now)
        except DomainError as refused:
            outcomes.append(refused)
            continue
        values = service.stored_values(filing.data)
        report: Report | SimpleNamespace
        if stored is None:
            row = service.new_row(settings, access, values, now, filing.data.client_saved_at)
            report = SimpleNamespace(**row)
            line.put(report)
            created.append((row, pairing))  # inserted and audited at the end, in one batch each
        else:
            report = stored
            before = service.replace_report(stored, access, values, now, filing.data.client_saved_at)
            if before is None:
                outcomes.append(False)  # the same figures again: nothing changed, no flag to check
                continue
            events.append(event_values(actor, "update", "report", stored.id, before=before,
                                       after=snapshot(stored), region_code=pairing.county_code))
        outcomes.append(stored is None)
        since[pairing.id] = min(since.get(pairing.id, filing.week), filing.week)
        _check(session, settings, flags, pairing, report, previous)
        if following is not None:
            _check(session, settings, flags, pairing, following, report)
    session.flush()  # the replaced reports, in batches
    if created:
        table = Report.__table__  # type: ignore[attr-defined]
        ids = insert_returning_ids(session, table, [row for row, _ in created])
        events += [event_values(actor, "create", "report", report_id, after=snapshot_of(Report, {**row, "id": report_id}),
                                region_code=pairing.county_code)
                   for report_id, (row, pairing) in zip(ids, created, strict=True)]
    record_all(session, events)
    gathered = rollups.Changes(settings)
    for pairing_id, first in since.items():
        pairing, term = accesses[pairing_id], rollups.Term.of(accesses[pairing_id].pairing)
        gathered.add(pairing.county_code, pairing.village.province_code,
                     rollups.State(term, marks=marks_before.get(pairing_id, [])),
                     rollups.State(term, marks=rollups.marks_of(timelines[pairing_id].reports.values())), since=first)
    if changes is None:
        gathered.write(session)
    else:
        changes.merge(gathered)
    return outcomes


def _check(session: Session, settings: Settings, flags: dict[tuple[int, str], list[Flag]], pairing: PairingAccess,
           report: Report | SimpleNamespace, previous: Report | SimpleNamespace | None) -> None:
    findings = report_findings(settings, report, pairing.plan, pairing.village.registered_poor, previous)
    review.sync_flags(session, pairing.principal, flags.setdefault((pairing.id, report.week), []), pairing.id,
                      pairing.county_code, report.week, findings)
