"""Registering and reading regions and villages, with the code-prefix rules."""

from sqlmodel import Session, col, select

from app.audit.service import record, snapshot, update_recorded
from app.auth.policy import Principal, village_clause
from app.codes import LEVEL_LABELS, PARENT, Level, ancestor_code, level_of
from app.common import page_of
from app.errors import Conflict, Invalid, NotFound
from app.regions.models import Region, RegionCreate, Village, VillageCreate, VillageUpdate
from app.regions.policy import (
    VillageAccess,
    require_region_in_scope,
    require_registrar,
    require_village_in_scope,
)


def _region_exists(session: Session, code: str) -> bool:
    return session.exec(select(Region.id).where(Region.code == code)).first() is not None


def create_region(session: Session, actor: Principal, data: RegionCreate) -> Region:
    require_registrar(actor)
    actual = level_of(data.code)
    if actual != data.level:
        raise Invalid.one(
            ["body", "level"],
            f"区划代码 {data.code} 是{LEVEL_LABELS[actual]}级代码，与 level={data.level} 不符",
        )
    parent_code = None
    if data.level != Level.province:
        parent_code = ancestor_code(data.code, PARENT[data.level])
        if not _region_exists(session, parent_code):
            raise Invalid.one(
                ["body", "code"],
                f"上级{LEVEL_LABELS[PARENT[data.level]]} {parent_code} 尚未登记，请先登记上级区划",
            )
    require_region_in_scope(actor, data.code)
    if _region_exists(session, data.code):
        raise Conflict(f"区划代码 {data.code} 已登记")
    region = Region(code=data.code, name=data.name, level=data.level, parent_code=parent_code)
    session.add(region)
    session.flush()
    record(session, actor, "create", "region", region.code, after=snapshot(region),
           region_code=region.code)
    return region


def list_regions(
    session: Session, level: Level | None, parent_code: str | None, limit: int, offset: int
) -> tuple[list[Region], int]:
    stmt = select(Region).order_by(col(Region.code))
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if parent_code is not None:
        stmt = stmt.where(Region.parent_code == parent_code)
    return page_of(session, stmt, limit, offset)


def get_region(session: Session, code: str) -> Region:
    region = session.exec(select(Region).where(Region.code == code)).first()
    if region is None:
        raise NotFound(f"区划 {code} 不存在")
    return region


def region_names(session: Session, codes: set[str] | list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {code: name for code, name in session.exec(
        select(Region.code, Region.name).where(col(Region.code).in_(list(codes))))}


def places(session: Session, village: Village) -> list[str]:
    """Names of the village's province, city, county and township, as a form's head shows them."""
    levels = (Level.province, Level.city, Level.county, Level.township)
    codes = [ancestor_code(village.code, level) for level in levels]
    names = region_names(session, codes)
    return [names.get(code, "") for code in codes]


def create_village(session: Session, actor: Principal, data: VillageCreate) -> Village:
    require_registrar(actor)
    if level_of(data.code) != Level.village:
        raise Invalid.one(["body", "code"], f"{data.code} 不是村级代码：村级代码的后三位不能为 000")
    if data.code[6:9] == "000":
        raise Invalid.one(["body", "code"], f"{data.code} 不是村级代码：村级代码的第 7–9 位（乡镇）不能为 000")
    county = ancestor_code(data.code, Level.county)
    if data.county_code is not None and data.county_code != county:
        raise Invalid.one(
            ["body", "county_code"],
            f"村代码 {data.code} 属于县 {county}，与填写的县代码 {data.county_code} 不一致",
        )
    township = ancestor_code(data.code, Level.township)
    if not _region_exists(session, township):
        raise Invalid.one(["body", "code"], f"村代码 {data.code} 所属的乡镇 {township} 尚未登记")
    require_village_in_scope(actor, data.code, county)
    if session.exec(select(Village.id).where(Village.code == data.code)).first() is not None:
        raise Conflict(f"村代码 {data.code} 已登记")
    village = Village(
        **data.model_dump(exclude={"county_code"}),
        township_code=township,
        county_code=county,
        city_code=ancestor_code(data.code, Level.city),
        province_code=ancestor_code(data.code, Level.province),
    )
    session.add(village)
    session.flush()
    record(session, actor, "create", "village", village.code, after=snapshot(village),
           region_code=county)
    return village


def list_villages(
    session: Session, principal: Principal, county_code: str | None, listed: bool | None,
    limit: int, offset: int,
) -> tuple[list[Village], int]:
    stmt = select(Village).where(village_clause(principal)).order_by(col(Village.code))
    if county_code is not None:
        stmt = stmt.where(Village.county_code == county_code)
    if listed is not None:
        stmt = stmt.where(Village.listed == listed)
    return page_of(session, stmt, limit, offset)


def update_village(session: Session, access: VillageAccess, data: VillageUpdate) -> Village:
    access.require_edit()
    village = access.village
    update_recorded(session, access.principal, village, data.model_dump(exclude_unset=True), "village",
                    village.code, village.county_code)
    return village
