"""Pairings and their five-measure plans."""

from fastapi import APIRouter, Response, status

from app.api_common import PageDep
from app.auth.scope import scope_of
from app.common import Page
from app.deps import CurrentUser, ScopeDep, SessionDep, SettingsDep
from app.pairings import service
from app.pairings.models import (
    PairingCreate,
    PairingPublic,
    PairingUpdate,
    PlanIn,
    PlanOut,
    ReasonIn,
)

router = APIRouter(tags=["pairings"])


def _public(session, user, pairing_id: int) -> PairingPublic:
    pairing, village, unit = service.get_pairing_row(session, scope_of(user), pairing_id)
    return service.to_public(pairing, village, unit,
                             service.plan_statuses(session, [pairing.id]).get(pairing.id))


@router.post("/pairings", response_model=PairingPublic, status_code=status.HTTP_201_CREATED)
def create_pairing(data: PairingCreate, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    pairing = service.create_pairing(session, settings, user, data)
    return _public(session, user, pairing.id)


@router.get("/pairings", response_model=Page[PairingPublic])
def list_pairings(session: SessionDep, scope: ScopeDep, page: PageDep, county_code: str | None = None,
                  unit_id: int | None = None, active: bool | None = None):
    items, total = service.list_pairings(session, scope, county_code, unit_id, active,
                                         page.limit, page.offset)
    return Page(items=items, total=total)


@router.get("/pairings/{pairing_id}", response_model=PairingPublic)
def get_pairing(pairing_id: int, session: SessionDep, user: CurrentUser):
    return _public(session, user, pairing_id)


@router.patch("/pairings/{pairing_id}", response_model=PairingPublic)
def update_pairing(pairing_id: int, data: PairingUpdate, session: SessionDep, settings: SettingsDep,
                   user: CurrentUser):
    service.update_pairing(session, settings, user, pairing_id, data)
    return _public(session, user, pairing_id)


@router.put("/pairings/{pairing_id}/plan", response_model=PlanOut,
            responses={201: {"model": PlanOut, "description": "计划书已创建"}})
def put_plan(pairing_id: int, data: PlanIn, session: SessionDep, settings: SettingsDep, user: CurrentUser,
             response: Response):
    plan, created = service.put_plan(session, settings, user, pairing_id, data)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return service.plan_out(plan)


@router.get("/pairings/{pairing_id}/plan", response_model=PlanOut)
def get_plan(pairing_id: int, session: SessionDep, scope: ScopeDep):
    return service.plan_out(service.get_plan(session, scope, pairing_id))


@router.post("/pairings/{pairing_id}/plan/submit", response_model=PlanOut)
def submit_plan(pairing_id: int, session: SessionDep, user: CurrentUser):
    return service.plan_out(service.submit_plan(session, user, pairing_id))


@router.post("/pairings/{pairing_id}/plan/confirm", response_model=PlanOut)
def confirm_plan(pairing_id: int, session: SessionDep, user: CurrentUser):
    return service.plan_out(service.confirm_plan(session, user, pairing_id))


@router.post("/pairings/{pairing_id}/plan/return", response_model=PlanOut)
def return_plan(pairing_id: int, data: ReasonIn, session: SessionDep, user: CurrentUser):
    return service.plan_out(service.return_plan(session, user, pairing_id, data.reason))
