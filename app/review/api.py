"""Suspicious-data flags and the audit trail."""

from fastapi import APIRouter

from app.audit.models import AuditEventPublic
from app.audit.service import list_events
from app.auth.deps import CurrentPrincipal
from app.common import Page
from app.deps import PageDep, PathId, QueryId, SessionDep
from app.openapi import answers
from app.review import service
from app.review.models import FlagOut, FlagResolve, FlagSkipped, FlagsResolve, FlagsResolved, FlagStatus
from app.review.policy import flag_access

router = APIRouter(tags=["review"])


@router.get("/flags", response_model=Page[FlagOut])
def list_flags(session: SessionDep, principal: CurrentPrincipal, page: PageDep,
               county_code: str | None = None, status: FlagStatus | None = None,
               pairing_id: QueryId = None, week: str | None = None) -> Page[FlagOut]:
    flags, total = service.list_flags(session, principal, county_code, status, pairing_id, week,
                                      page.limit, page.offset)
    return Page(items=[service.flag_out(f) for f in flags], total=total)


@router.post("/flags/resolve", response_model=FlagsResolved, summary="批量处理同一规则的存疑数据",
             responses=answers(403, 404, 422))
def resolve_flags(data: FlagsResolve, session: SessionDep, principal: CurrentPrincipal) -> FlagsResolved:
    """Flags of one rule resolved with one resolution and note; those resolved meanwhile are
    listed in `skipped`."""
    resolved, skipped = service.resolve_flags(session, principal, data)
    return FlagsResolved(resolved=len(resolved), flags=[service.flag_out(f) for f in resolved],
                         skipped=[FlagSkipped(flag_id=i, reason=why) for i, why in skipped])


@router.post("/flags/{flag_id}/resolve", response_model=FlagOut)
def resolve_flag(flag_id: PathId, data: FlagResolve, session: SessionDep, principal: CurrentPrincipal) -> FlagOut:
    return service.flag_out(service.resolve_flag(session, flag_access(session, principal, flag_id), data))


@router.get("/audit", response_model=Page[AuditEventPublic])
def audit(session: SessionDep, principal: CurrentPrincipal, page: PageDep, entity: str | None = None,
          entity_id: str | None = None) -> Page[AuditEventPublic]:
    principal.require(principal.may_read_audit, "审计记录只对扶贫办工作人员和系统管理员开放")
    events, total = list_events(session, principal.region_prefix, entity, entity_id, page.limit,
                                page.offset)
    return Page(items=[AuditEventPublic.model_validate(e, from_attributes=True) for e in events],
                total=total)
