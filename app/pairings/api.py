"""Pairings and their five-measure plans."""

from fastapi import APIRouter, Response, status

from app.auth.deps import CurrentPrincipal
from app.common import Page, ReasonIn
from app.deps import PageDep, QueryId, SessionDep, SettingsDep
from app.pairings import flows, service
from app.pairings.deps import CurrentPairing, PlanWriter
from app.pairings.models import (
    PairingCreate,
    PairingPublic,
    PairingUpdate,
    PlanIn,
    PlanOut,
    plan_out,
)
from app.pairings.policy import pairing_access

router = APIRouter(tags=["pairings"])


@router.post("/pairings", response_model=PairingPublic, status_code=status.HTTP_201_CREATED)
def create_pairing(data: PairingCreate, session: SessionDep, settings: SettingsDep,
                   principal: CurrentPrincipal) -> PairingPublic:
    pairing = service.create_pairing(session, settings, principal, data)
    session.commit()  # in the thread that took the county's rollup rows (see reports.api.put_report)
    assert pairing.id is not None
    return service.access_public(session, pairing_access(session, principal, pairing.id))


@router.get("/pairings", response_model=Page[PairingPublic])
def list_pairings(session: SessionDep, principal: CurrentPrincipal, page: PageDep,
                  county_code: str | None = None, unit_id: QueryId = None,
                  active: bool | None = None) -> Page[PairingPublic]:
    items, total = service.list_pairings(session, principal, county_code, unit_id, active,
                                         page.limit, page.offset)
    return Page(items=items, total=total)


@router.get("/pairings/{pairing_id}", response_model=PairingPublic)
def get_pairing(pairing: CurrentPairing, session: SessionDep) -> PairingPublic:
    return service.access_public(session, pairing)


@router.patch("/pairings/{pairing_id}", response_model=PairingPublic)
def update_pairing(data: PairingUpdate, pairing: CurrentPairing, session: SessionDep,
                   settings: SettingsDep) -> PairingPublic:
    service.update_pairing(session, settings, pairing, data)
    session.commit()  # in the thread that took the county's rollup rows (see reports.api.put_report)
    return service.access_public(session, pairing)


@router.put("/pairings/{pairing_id}/plan", response_model=PlanOut,
            responses={201: {"model": PlanOut, "description": "计划书已创建"}})
def put_plan(data: PlanIn, pairing: PlanWriter, session: SessionDep, settings: SettingsDep,
             response: Response) -> PlanOut:
    plan, created = flows.save_plan(session, settings, pairing, data)
    session.commit()  # in the thread that took the county's rollup rows (see reports.api.put_report)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return plan_out(plan)


@router.get("/pairings/{pairing_id}/plan", response_model=PlanOut)
def get_plan(pairing: CurrentPairing) -> PlanOut:
    return plan_out(service.require_plan(pairing))


@router.post("/pairings/{pairing_id}/plan/submit", response_model=PlanOut)
def submit_plan(pairing: CurrentPairing, session: SessionDep) -> PlanOut:
    return plan_out(service.submit_plan(session, pairing))


@router.post("/pairings/{pairing_id}/plan/confirm", response_model=PlanOut)
def confirm_plan(pairing: CurrentPairing, session: SessionDep) -> PlanOut:
    return plan_out(service.confirm_plan(session, pairing))


@router.post("/pairings/{pairing_id}/plan/return", response_model=PlanOut)
def return_plan(data: ReasonIn, pairing: CurrentPairing, session: SessionDep, settings: SettingsDep) -> PlanOut:
    return plan_out(service.return_plan(session, settings, pairing, data.reason))
