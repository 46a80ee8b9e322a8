"""Flags, county submissions of the weekly table, and the audit trail."""

from fastapi import APIRouter, status

from app.api_common import PageDep
from app.audit.models import AuditEventPublic
from app.audit.service import list_events
from app.common import Page, as_utc, check_week
from app.deps import CurrentUser, ScopeDep, SessionDep, SettingsDep
from app.pairings.models import ReasonIn
from app.review import service
from app.review.models import (
    FlagOut,
    FlagResolve,
    FlagStatus,
    SubmissionDetail,
    SubmissionOut,
)

router = APIRouter(tags=["review"])


def _submission(model: type[SubmissionOut], submission) -> SubmissionOut:
    """SQLite hands back naive datetimes; the answer always carries UTC."""
    out = model.model_validate(submission, from_attributes=True)
    out.submitted_at = as_utc(out.submitted_at)
    out.decided_at = out.decided_at and as_utc(out.decided_at)
    return out


def _event(event) -> AuditEventPublic:
    out = AuditEventPublic.model_validate(event, from_attributes=True)
    out.at = as_utc(out.at)
    return out


@router.get("/flags", response_model=Page[FlagOut])
def list_flags(session: SessionDep, scope: ScopeDep, page: PageDep, county_code: str | None = None,
               status: FlagStatus | None = None, pairing_id: int | None = None, week: str | None = None):
    flags, total = service.list_flags(session, scope, county_code, status, pairing_id, week,
                                      page.limit, page.offset)
    return Page(items=[service.flag_out(f) for f in flags], total=total)


@router.post("/flags/{flag_id}/resolve", response_model=FlagOut)
def resolve_flag(flag_id: int, data: FlagResolve, session: SessionDep, user: CurrentUser):
    return service.flag_out(service.resolve_flag(session, user, flag_id, data))


@router.post("/counties/{code}/submissions/{week}", response_model=SubmissionDetail,
             status_code=status.HTTP_201_CREATED)
def submit_week(code: str, week: str, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    check_week(settings, week)
    return _submission(SubmissionDetail, service.submit_week(session, settings, user, code, week))


@router.get("/counties/{code}/submissions", response_model=list[SubmissionOut])
def list_submissions(code: str, session: SessionDep, scope: ScopeDep):
    return [_submission(SubmissionOut, s) for s in service.list_submissions(session, scope, code)]


@router.get("/counties/{code}/submissions/{week}", response_model=SubmissionDetail)
def get_submission(code: str, week: str, session: SessionDep, scope: ScopeDep):
    return _submission(SubmissionDetail, service.current_submission(session, scope, code, week))


@router.post("/counties/{code}/submissions/{week}/accept", response_model=SubmissionOut)
def accept_week(code: str, week: str, session: SessionDep, user: CurrentUser):
    return _submission(SubmissionOut, service.accept_week(session, user, code, week))


@router.post("/counties/{code}/submissions/{week}/return", response_model=SubmissionOut)
def return_week(code: str, week: str, data: ReasonIn, session: SessionDep, user: CurrentUser):
    return _submission(SubmissionOut, service.return_week(session, user, code, week, data.reason))


@router.get("/audit", response_model=Page[AuditEventPublic])
def audit(session: SessionDep, scope: ScopeDep, page: PageDep, entity: str | None = None,
          entity_id: str | None = None):
    events, total = list_events(session, scope, entity, entity_id, page.limit, page.offset)
    return Page(items=[_event(e) for e in events], total=total)
