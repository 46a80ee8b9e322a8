"""Helping units."""

from fastapi import APIRouter, status

from app.api_common import PageDep
from app.common import Page
from app.deps import CurrentUser, ScopeDep, SessionDep
from app.units import service
from app.units.models import UnitCreate, UnitPublic, UnitUpdate

router = APIRouter(tags=["units"])


def _public(session, unit) -> UnitPublic:
    return service.to_public(unit, service.liaison_counts(session, [unit.id]).get(unit.id, 0))


@router.post("/units", response_model=UnitPublic, status_code=status.HTTP_201_CREATED)
def create_unit(data: UnitCreate, session: SessionDep, user: CurrentUser):
    return _public(session, service.create_unit(session, user, data))


@router.get("/units", response_model=Page[UnitPublic])
def list_units(session: SessionDep, scope: ScopeDep, page: PageDep):
    units, total = service.list_units(session, scope, page.limit, page.offset)
    counts = service.liaison_counts(session, [u.id for u in units])
    return Page(items=[service.to_public(u, counts.get(u.id, 0)) for u in units], total=total)


@router.get("/units/{unit_id}", response_model=UnitPublic)
def get_unit(unit_id: int, session: SessionDep, scope: ScopeDep):
    return _public(session, service.get_unit(session, scope, unit_id))


@router.patch("/units/{unit_id}", response_model=UnitPublic)
def update_unit(unit_id: int, data: UnitUpdate, session: SessionDep, user: CurrentUser):
    return _public(session, service.update_unit(session, user, unit_id, data))
