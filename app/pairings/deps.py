"""The pairing a route is about, loaded within the caller's scope: 404 before anything else."""

from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentPrincipal, PagePrincipal
from app.deps import PathId, SessionDep
from app.pairings.policy import PLAN_WRITE, PairingAccess, pairing_access


def api_pairing(pairing_id: PathId, session: SessionDep, principal: CurrentPrincipal) -> PairingAccess:
    return pairing_access(session, principal, pairing_id)


def page_pairing(pairing_id: PathId, session: SessionDep, principal: PagePrincipal) -> PairingAccess:
    return pairing_access(session, principal, pairing_id)


CurrentPairing = Annotated[PairingAccess, Depends(api_pairing)]
PagePairing = Annotated[PairingAccess, Depends(page_pairing)]


def plan_writer(pairing: CurrentPairing) -> PairingAccess:
    """A pairing whose plan the caller may write: 403 before the body is even read."""
    pairing.require_write(PLAN_WRITE)
    return pairing


PlanWriter = Annotated[PairingAccess, Depends(plan_writer)]
