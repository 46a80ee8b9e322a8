"""Helping units."""

from fastapi import APIRouter, status

from app.auth.deps import CurrentPrincipal
from app.common import Page
from app.deps import PageDep, PathId, SessionDep, SettingsDep
from app.openapi import answers
from app.units import service
from app.units.models import UnitCreate, UnitPublic, UnitUpdate, WecomRobotIn
from app.units.policy import unit_access

router = APIRouter(tags=["units"])


@router.post("/units", response_model=UnitPublic, status_code=status.HTTP_201_CREATED)
def create_unit(data: UnitCreate, session: SessionDep, principal: CurrentPrincipal) -> UnitPublic:
    return service.unit_public(session, service.create_unit(session, principal, data))


@router.get("/units", response_model=Page[UnitPublic])
def list_units(session: SessionDep, principal: CurrentPrincipal, page: PageDep) -> Page[UnitPublic]:
    units, total = service.list_units(session, principal, page.limit, page.offset)
    counts = service.liaison_counts(session, [u.id for u in units if u.id is not None])
    return Page(items=[service.to_public(u, counts.get(u.id or 0, 0)) for u in units], total=total)


@router.get("/units/{unit_id}", response_model=UnitPublic)
def get_unit(unit_id: PathId, session: SessionDep, principal: CurrentPrincipal) -> UnitPublic:
    return service.unit_public(session, unit_access(session, principal, unit_id).unit)


@router.put("/units/{unit_id}/wecom-robot", response_model=UnitPublic, summary="设置本单位的企业微信群机器人",
            responses=answers(403, 404, 422))
def set_wecom_robot(unit_id: PathId, data: WecomRobotIn, session: SessionDep, settings: SettingsDep,
                    principal: CurrentPrincipal) -> UnitPublic:
    access = unit_access(session, principal, unit_id)
    return service.unit_public(session, service.set_wecom_robot(session, settings, access, data.webhook_url))


@router.patch("/units/{unit_id}", response_model=UnitPublic)
def update_unit(unit_id: PathId, data: UnitUpdate, session: SessionDep,
                principal: CurrentPrincipal) -> UnitPublic:
    access = unit_access(session, principal, unit_id)
    return service.unit_public(session, service.update_unit(session, access, data))
