"""Registering and reading regions and villages, with the code-prefix rules."""

from sqlalchemy import select
from sqlmodel import Session

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import Role, User
from app.auth.scope import Scope, scope_of, village_clause
from app.common import paginate
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.regions.models import (
    LEVEL_LABELS,
    PARENT,
    Level,
    Region,
    RegionCreate,
    Village,
    VillageCreate,
    VillageUpdate,
    ancestor_code,
    level_of,
)


def _require_officer(actor: User) -> Scope:
    if actor.role == Role.liaison:
        raise Forbidden("信息联络员不能登记区划或村")
    return scope_of(actor)


def create_region(session: Session, actor: User, data: RegionCreate) -> Region:
    scope = _require_officer(actor)
    actual = level_of(data.code)
    if actual != data.level:
        raise Invalid.one(
            ["body", "level"],
            f"区划代码 {data.code} 是{LEVEL_LABELS[actual]}级代码，与 level={data.level} 不符",
        )
    parent_code = None
    if data.level != Level.province:
        parent_code = ancestor_code(data.code, PARENT[data.level])
        if session.scalars(select(Region).where(Region.code == parent_code)).first() is None:
            raise Invalid.one(
                ["body", "code"],
                f"上级{LEVEL_LABELS[PARENT[data.level]]} {parent_code} 尚未登记，请先登记上级区划",
            )
    if not scope.everything and not (
        scope.contains_code(data.code) and data.code != scope.region_code
    ):
        raise Forbidden(f"区划 {data.code} 不在您的管辖区划 {scope.region_code} 之下")
    if session.scalars(select(Region).where(Region.code == data.code)).first() is not None:
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
    stmt = select(Region).order_by(Region.code)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if parent_code is not None:
        stmt = stmt.where(Region.parent_code == parent_code)
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total


def get_region(session: Session, code: str) -> Region:
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is None:
        raise NotFound(f"区划 {code} 不存在")
    return region


def create_village(session: Session, actor: User, data: VillageCreate) -> Village:
    scope = _require_officer(actor)
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
    if session.scalars(select(Region).where(Region.code == township)).first() is None:
        raise Invalid.one(["body", "code"], f"村代码 {data.code} 所属的乡镇 {township} 尚未登记")
    if not scope.contains_code(data.code):
        raise Forbidden(f"村代码 {data.code} 属于县 {county}，不在您的管辖区划 {scope.region_code} 之内")
    if session.scalars(select(Village).where(Village.code == data.code)).first() is not None:
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
    session: Session, scope: Scope, county_code: str | None, listed: bool | None,
    limit: int, offset: int,
) -> tuple[list[Village], int]:
    stmt = select(Village).where(village_clause(scope)).order_by(Village.code)
    if county_code is not None:
        stmt = stmt.where(Village.county_code == county_code)
    if listed is not None:
        stmt = stmt.where(Village.listed == listed)
    rows, total = paginate(session, stmt, limit, offset)
    return [r[0] for r in rows], total


def get_village(session: Session, scope: Scope, code: str) -> Village:
    village = session.scalars(
        select(Village).where(Village.code == code, village_clause(scope))
    ).first()
    if village is None:
        raise NotFound(f"村 {code} 不存在或不在您的管辖范围内")
    return village


def update_village(session: Session, actor: User, code: str, data: VillageUpdate) -> Village:
    village = get_village(session, scope_of(actor), code)
    _require_officer(actor)
    update_recorded(session, actor, village, data.model_dump(exclude_unset=True), "village",
                    village.code, village.county_code)
    return village
