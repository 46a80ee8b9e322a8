"""Regions and villages."""

from fastapi import APIRouter, status

from app.auth.deps import CurrentPrincipal
from app.codes import Level
from app.common import Page
from app.deps import CodePath, PageDep, SessionDep
from app.regions import service
from app.regions.models import (
    RegionCreate,
    RegionPublic,
    VillageCreate,
    VillagePublic,
    VillageUpdate,
)
from app.regions.policy import village_access

router = APIRouter(tags=["regions"])


@router.post("/regions", response_model=RegionPublic, status_code=status.HTTP_201_CREATED)
def create_region(data: RegionCreate, session: SessionDep, principal: CurrentPrincipal) -> RegionPublic:
    return RegionPublic.model_validate(service.create_region(session, principal, data))


@router.get("/regions", response_model=Page[RegionPublic])
def list_regions(session: SessionDep, _principal: CurrentPrincipal, page: PageDep,
                 level: Level | None = None, parent_code: str | None = None) -> Page[RegionPublic]:
    regions, total = service.list_regions(session, level, parent_code, page.limit, page.offset)
    return Page(items=[RegionPublic.model_validate(r) for r in regions], total=total)


@router.get("/regions/{code}", response_model=RegionPublic)
def get_region(code: CodePath, session: SessionDep, _principal: CurrentPrincipal) -> RegionPublic:
    return RegionPublic.model_validate(service.get_region(session, code))


@router.post("/villages", response_model=VillagePublic, status_code=status.HTTP_201_CREATED)
def create_village(data: VillageCreate, session: SessionDep, principal: CurrentPrincipal) -> VillagePublic:
    return VillagePublic.model_validate(service.create_village(session, principal, data))


@router.get("/villages", response_model=Page[VillagePublic])
def list_villages(session: SessionDep, principal: CurrentPrincipal, page: PageDep,
                  county_code: str | None = None, listed: bool | None = None) -> Page[VillagePublic]:
    villages, total = service.list_villages(session, principal, county_code, listed, page.limit,
                                            page.offset)
    return Page(items=[VillagePublic.model_validate(v) for v in villages], total=total)


@router.get("/villages/{code}", response_model=VillagePublic)
def get_village(code: CodePath, session: SessionDep, principal: CurrentPrincipal) -> VillagePublic:
    return VillagePublic.model_validate(village_access(session, principal, code).village)


@router.patch("/villages/{code}", response_model=VillagePublic)
def update_village(code: CodePath, data: VillageUpdate, session: SessionDep,
                   principal: CurrentPrincipal) -> VillagePublic:
    access = village_access(session, principal, code)
    return VillagePublic.model_validate(service.update_village(session, access, data))
