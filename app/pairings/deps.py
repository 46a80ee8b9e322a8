"""The pairing a route is about, loaded within the caller's scope: 404 before anything else."""

from typing import Annotated

from fastapi import Depends, Request

from app.auth.deps import CurrentPrincipal, PagePrincipal
from app.db import SAFE_METHODS
from app.deps import PathId, SessionDep
from app.pairings.policy import PLAN_WRITE, PairingAccess, pairing_access


def api_pairing(pairing_id: PathId, request: Request, session: SessionDep, principal: CurrentPrincipal) -> PairingAccess:
    # A request that may write holds the pairing's lock to its end (app.pairings.policy._locking).
    return pairing_access(session, principal, pairing_id, lock=request.method not in SAFE_METHODS)


def page_pairing(pairing_id: PathId, request: Request, session: SessionDep, principal: PagePrincipal) -> PairingAccess:
    return pairing_access(session, principal, pairing_id, lock=request.method not in SAFE_METHODS)


CurrentPairing = Annotated[PairingAccess, Depends(api_pairing)]
PagePairing = Annotated[PairingAccess, Depends(page_pairing)]


def plan_writer(pairing: CurrentPairing) -> PairingAccess:
    """A pairing whose plan the caller may write: 403 before the body is even read."""
    pairing.require_write(PLAN_WRITE)
    return pairing


PlanWriter = Annotated[PairingAccess, Depends(plan_writer)]
