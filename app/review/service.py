"""Suspicious-data flags: kept in agreement with what the rules find on every save, listed in
scope, and resolved by the county. The callers load the plan and the reports; nothing here reads
another domain's records."""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, or_, select

from app.audit.service import Actor, record, snapshot
from app.auth.policy import Principal
from app.common import chunked, page_of, utcnow
from app.config import Settings
from app.errors import Conflict, Invalid, NotFound
from app.review.models import FLAG_STATUS_LABELS, Flag, FlagOut, FlagResolve, FlagsResolve, FlagStatus
from app.review.policy import FlagAccess, flags_in_scope, require_resolver
from app.review.rules import Finding, plan_findings, report_findings

if TYPE_CHECKING:
    from app.pairings.models import Plan
    from app.reports.models import Report

PLAN_RULES = {"S1"}
REPORT_RULES = {"S2", "S3", "S4", "S5", "S6"}


def _sync(session: Session, actor: Actor | None, pairing_id: int, county_code: str, week: str | None,
          rules: set[str], findings: list[Finding]) -> None:
    """Make the stored flags of one plan or report agree with what the rules find now."""
    existing = list(session.exec(
        select(Flag).where(Flag.pairing_id == pairing_id, col(Flag.rule).in_(rules),
                           col(Flag.week).is_(None) if week is None else Flag.week == week)
        .order_by(col(Flag.id))
    ).all())
    sync_flags(session, actor, existing, pairing_id, county_code, week, findings)


def sync_flags(session: Session, actor: Actor | None, existing: list[Flag], pairing_id: int, county_code: str,
               week: str | None, findings: list[Finding]) -> None:
    """`existing`: the stored flags of the plan or report under the rules `findings` come from,
    in the order they were raised; the flags raised here are added to it."""
    found = {f.rule: f for f in findings}
    now = utcnow()
    for flag in existing:
        if flag.status != FlagStatus.open:
            continue
        finding = found.get(flag.rule)
        if finding is None or finding.values != flag.values:
            # The figures changed: the open question is answered by the new figures.
            before = snapshot(flag)
            flag.status, flag.resolved_at = FlagStatus.corrected, now
            flag.resolved_by = actor.id if actor is not None else None
            flag.note = "数据已修改，" + ("此规则不再触发" if finding is None else "按新数据重新核查")
            record(session, actor, "state", "flag", flag.id, before=before, after=snapshot(flag),
                   region_code=county_code)
    for finding in findings:
        same = [f for f in existing if f.rule == finding.rule and f.values == finding.values]
        if any(f.status in (FlagStatus.open, FlagStatus.verified) for f in same):
            continue  # still open, or already verified as it stands
        flag = Flag(pairing_id=pairing_id, week=week, rule=finding.rule, message=finding.message,
                    values=finding.values, columns=finding.columns, county_code=county_code)
        session.add(flag)
        session.flush()
        existing.append(flag)
        record(session, actor, "create", "flag", flag.id, after=snapshot(flag), region_code=county_code)


def check_report(session: Session, settings: Settings, actor: Actor | None, report: "Report",
                 previous: "Report | None", plan: "Plan | None", registered_poor: bool,
                 county_code: str) -> None:
    """The report's flags, against the plan and the report before it."""
    findings = report_findings(settings, report, plan, registered_poor, previous)
    _sync(session, actor, report.pairing_id, county_code, report.week, REPORT_RULES, findings)


def check_plan(session: Session, settings: Settings, actor: Actor | None, plan: "Plan",
               reports: Sequence["Report"], registered_poor: bool, county_code: str) -> None:
    """S1 on the plan itself, and the flags of every report of the pairing (in week order) again:
    S5 measures them by the plan."""
    _sync(session, actor, plan.pairing_id, county_code, None, PLAN_RULES, plan_findings(plan))
    previous = None
    for report in reports:
        check_report(session, settings, actor, report, previous, plan, registered_poor, county_code)
        previous = report


def report_flags(session: Session, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], list[Flag]]:
    """The flags of many reports, by (pairing, week), in the order they were raised: what
    `sync_flags` takes. Every key is in the answer."""
    out: dict[tuple[int, str], list[Flag]] = {key: [] for key in keys}
    for ids in chunked(sorted({pairing_id for pairing_id, _week in out})):
        chosen = set(ids)
        weeks = sorted({week for pairing_id, week in out if pairing_id in chosen})
        for flag in session.exec(select(Flag).where(
                col(Flag.pairing_id).in_(ids), col(Flag.week).in_(weeks), col(Flag.rule).in_(REPORT_RULES))
                .order_by(col(Flag.id))):
            assert flag.week is not None
            if (flag.pairing_id, flag.week) in out:
                out[flag.pairing_id, flag.week].append(flag)
    return out


def flag_out(flag: Flag) -> FlagOut:
    return FlagOut.model_validate(flag, from_attributes=True)


def flags_for(session: Session, pairing_id: int, week: str | None) -> list[Flag]:
    """The flags of a plan (week None) or of one week's report."""
    return flags_by_week(session, pairing_id, [week]).get(week, [])


def flags_by_week(session: Session, pairing_id: int, weeks: Iterable[str | None]) -> dict[str | None, list[Flag]]:
    """The flags of several of a pairing's weeks in one query, by week."""
    wanted = list(weeks)
    named = [w for w in wanted if w is not None]
    clause: ColumnElement[bool] | None = col(Flag.week).in_(named) if named else None
    if None in wanted:
        clause = col(Flag.week).is_(None) if clause is None else or_(clause, col(Flag.week).is_(None))
    out: dict[str | None, list[Flag]] = {}
    if clause is None:
        return out
    for flag in session.exec(select(Flag).where(Flag.pairing_id == pairing_id, clause)
                             .order_by(col(Flag.rule), col(Flag.id))):
        out.setdefault(flag.week, []).append(flag)
    return out


def list_flags(session: Session, principal: Principal, county_code: str | None, status: FlagStatus | None,
               pairing_id: int | None, week: str | None, limit: int, offset: int) -> tuple[list[Flag], int]:
    stmt = flags_in_scope(principal).order_by(col(Flag.county_code), col(Flag.created_at).desc(),
                                              col(Flag.id).desc())
    if county_code is not None:
        stmt = stmt.where(Flag.county_code == county_code)
    if status is not None:
        stmt = stmt.where(Flag.status == status)
    if pairing_id is not None:
        stmt = stmt.where(Flag.pairing_id == pairing_id)
    if week is not None:
        stmt = stmt.where(Flag.week == week)
    return page_of(session, stmt, limit, offset)


def open_flags_by_pairing(session: Session, county_code: str, week: str) -> dict[int, list[Flag]]:
    """Open flags on the county's pairings that bear on week W's table: the plan's and those of
    the reports up to W."""
    flags = session.exec(
        select(Flag).where(Flag.county_code == county_code, Flag.status == FlagStatus.open,
                           or_(col(Flag.week).is_(None), col(Flag.week) <= week))
    )
    out: dict[int, list[Flag]] = {}
    for flag in flags:
        out.setdefault(flag.pairing_id, []).append(flag)
    return out


def open_flag_count(session: Session, county_code: str) -> int:
    return int(session.exec(select(func.count()).select_from(Flag).where(
        Flag.county_code == county_code, Flag.status == FlagStatus.open)).one())


def resolve_flag(session: Session, access: FlagAccess, data: FlagResolve) -> Flag:
    access.require_resolve()
    flag, actor = access.flag, access.principal
    if flag.status != FlagStatus.open:
        raise Conflict(f"存疑数据 {flag.id} 已处理（{flag.status}），不能重复处理")
    before = snapshot(flag)
    flag.status, flag.note = data.resolution, data.note
    flag.resolved_at, flag.resolved_by = utcnow(), actor.id
    session.flush()
    record(session, actor, "state", "flag", flag.id, before=before, after=snapshot(flag),
           region_code=flag.county_code)
    return flag


def resolve_flags(session: Session, principal: Principal, data: FlagsResolve) -> tuple[list[Flag], list[tuple[int, str]]]:
    """Several flags of one rule resolved with one note, each as `resolve_flag` resolves one (and
    audited so): (the flags resolved, (flag id, reason) of those already resolved meanwhile). An id
    not found in scope is 404 and flags of different rules 422, before anything changes. The flags
    are read under lock: a liaison's save that answers a flag meanwhile is waited for and seen."""
    require_resolver(principal)
    wanted = list(dict.fromkeys(data.flag_ids))
    found: dict[int, Flag] = {}
    for ids in chunked(sorted(wanted)):
        found.update((f.id, f) for f in session.exec(
            flags_in_scope(principal).where(col(Flag.id).in_(ids)).order_by(col(Flag.id))
            .with_for_update(of=Flag).execution_options(populate_existing=True)) if f.id is not None)
    if missing := [i for i in wanted if i not in found]:
        raise NotFound(f"存疑数据 {'、'.join(map(str, missing))} 不存在或不在您的管辖范围内")
    if len(rules := sorted({f.rule for f in found.values()})) > 1:
        raise Invalid.one(["body", "flag_ids"], f"一次只能处理同一规则的存疑数据，所选包含 {'、'.join(rules)}")
    one = FlagResolve(resolution=data.resolution, note=data.note)
    resolved: list[Flag] = []
    skipped: list[tuple[int, str]] = []
    for flag_id in wanted:
        flag = found[flag_id]
        if flag.status != FlagStatus.open:
            skipped.append((flag_id, f"已处理（{FLAG_STATUS_LABELS[FlagStatus(flag.status)]}）"))
        else:
            resolved.append(resolve_flag(session, FlagAccess(principal, flag), one))
    return resolved, skipped
