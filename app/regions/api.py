"""Regions and villages."""

from fastapi import APIRouter, status

from app.api_common import PageDep
from app.common import Page
from app.deps import CurrentUser, ScopeDep, SessionDep
from app.regions import service
from app.regions.models import (
    Level,
    RegionCreate,
    RegionPublic,
    VillageCreate,
    VillagePublic,
    VillageUpdate,
)

router = APIRouter(tags=["regions"])


@router.post("/regions", response_model=RegionPublic, status_code=status.HTTP_201_CREATED)
def create_region(data: RegionCreate, session: SessionDep, user: CurrentUser):
    return RegionPublic.model_validate(service.create_region(session, user, data))


@router.get("/regions", response_model=Page[RegionPublic])
def list_regions(session: SessionDep, _user: CurrentUser, page: PageDep,
                 level: Level | None = None, parent_code: str | None = None):
    regions, total = service.list_regions(session, level, parent_code, page.limit, page.offset)
    return Page(items=[RegionPublic.model_validate(r) for r in regions], total=total)


@router.get("/regions/{code}", response_model=RegionPublic)
def get_region(code: str, session: SessionDep, _user: CurrentUser):
    return RegionPublic.model_validate(service.get_region(session, code))


@router.post("/villages", response_model=VillagePublic, status_code=status.HTTP_201_CREATED)
def create_village(data: VillageCreate, session: SessionDep, user: CurrentUser):
    return VillagePublic.model_validate(service.create_village(session, user, data))


@router.get("/villages", response_model=Page[VillagePublic])
def list_villages(session: SessionDep, scope: ScopeDep, page: PageDep,
                  county_code: str | None = None, listed: bool | None = None):
    villages, total = service.list_villages(session, scope, county_code, listed, page.limit, page.offset)
    return Page(items=[VillagePublic.model_validate(v) for v in villages], total=total)


@router.get("/villages/{code}", response_model=VillagePublic)
def get_village(code: str, session: SessionDep, scope: ScopeDep):
    return VillagePublic.model_validate(service.get_village(session, scope, code))


@router.patch("/villages/{code}", response_model=VillagePublic)
def update_village(code: str, data: VillageUpdate, session: SessionDep, user: CurrentUser):
    return VillagePublic.model_validate(service.update_village(session, user, code, data))
