"""The lists the register hands out for a county, a province or the nation: the pairing list
(004 附件5 结对帮扶名单) with the unit that took each ended pairing over (接力帮扶), and the roster of
the units' liaisons with their contacts (officers only). Each is read in a few set-wise queries,
so the nation's 18,000 pairings cost no more queries than a county's 30."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, true
from sqlalchemy import select as sql_select  # SQLModel's select() takes at most four columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.auth.models import Role, User
from app.auth.policy import Principal
from app.codes import Level, level_of
from app.common import format_decimal
from app.errors import NotFound
from app.pairings.models import Pairing
from app.regions.models import Region, Village
from app.stats.policy import county_access, province_access, require_national
from app.units.models import Unit
from app.units.service import MIN_LIAISONS

ACTIVE, ENDED = "在帮", "已结束"


@dataclass(frozen=True)
class Scope:
    """Which region a list covers: a county, a province, or the nation (code None)."""

    code: str | None
    name: str
    level: Level | None

    @property
    def villages(self) -> ColumnElement[bool]:
        if self.level == Level.county:
            return col(Village.county_code) == self.code
        if self.level == Level.province:
            return col(Village.province_code) == self.code
        return true()

    @property
    def slug(self) -> str:
        return self.code or "national"


def export_scope(session: Session, principal: Principal, code: str | None,
                 expect: Level | None = None) -> Scope:
    """The region (of level `expect`, if given), if the principal may read its tables (the same
    readers: the county's officers and those of its city and province for a county, the
    province's for a province, the national office and admins for anything); 404 otherwise,
    liaisons included."""
    if code is None:
        require_national(principal)
        return Scope(None, "全国", None)
    level = level_of(code) if len(code) == 12 and code.isdigit() else None
    if expect is not None and level != expect:
        raise NotFound(f"{'县' if expect == Level.county else '省'} {code} 不存在或不在您的管辖范围内")
    if level == Level.county:
        county = county_access(session, principal, code).county
        return Scope(code, county.name, Level.county)
    if level == Level.province:
        province = province_access(session, principal, code)
        return Scope(code, province.name, Level.province)
    raise NotFound(f"区划 {code} 不是县或省，或不在您的管辖范围内：名单按县、省或全国导出")


# --- the pairing list (004 附件5) -------------------------------------------------------------


@dataclass(frozen=True)
class PairingLine:
    pairing_id: int
    province_code: str
    province: str
    city_code: str
    city: str
    county_code: str
    county: str
    township_code: str
    township: str
    village_code: str
    village: str
    unit_id: int
    unit: str
    credit_code: str
    signed_on: date
    committed_funds_wan: Decimal
    valid_until: date
    active: bool
    ended_on: date | None
    end_reason: str | None
    successor_pairing_id: int | None
    successor_unit_id: int | None
    successor_unit: str | None
    successor_credit_code: str | None

    @property
    def state(self) -> str:
        return ACTIVE if self.active else ENDED

    def json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["committed_funds_wan"] = format_decimal(self.committed_funds_wan)
        out["state"] = self.state
        for key in ("signed_on", "valid_until", "ended_on"):
            out[key] = out[key].isoformat() if out[key] is not None else None
        return out


def pairing_list(session: Session, scope: Scope) -> list[PairingLine]:
    """Every pairing of the region, in force or ended, in the county table's order (village code,
    signed date, id), with its places' names and the pairing that took the village over."""
    province, city, county, township = (aliased(Region, name=n) for n in ("province", "city", "county", "township"))
    successor, successor_unit = aliased(Pairing, name="successor"), aliased(Unit, name="successor_unit")
    columns: list[Any] = [
        Pairing.id, Village.province_code, province.name, Village.city_code, city.name,
        Village.county_code, county.name, Village.township_code, township.name, Village.code, Village.name,
        Unit.id, Unit.name, Unit.credit_code, Pairing.signed_on, Pairing.committed_funds_wan,
        Pairing.valid_until, Pairing.active, Pairing.ended_on, Pairing.end_reason,
        successor.id, successor_unit.id, successor_unit.name, successor_unit.credit_code,
    ]
    stmt = (
        sql_select(*columns)
        .join(Village, col(Pairing.village_id) == col(Village.id))
        .join(Unit, col(Pairing.unit_id) == col(Unit.id))
        .join(province, col(province.code) == col(Village.province_code))
        .join(city, col(city.code) == col(Village.city_code))
        .join(county, col(county.code) == col(Village.county_code))
        .join(township, col(township.code) == col(Village.township_code))
        .outerjoin(successor, col(successor.id) == col(Pairing.successor_id))
        .outerjoin(successor_unit, col(successor_unit.id) == col(successor.unit_id))
        .where(scope.villages)
        .order_by(col(Village.code), col(Pairing.signed_on), col(Pairing.id))
    )
    return [PairingLine(*row) for row in session.execute(stmt)]


# --- the liaison roster ---------------------------------------------------------------------


@dataclass(frozen=True)
class Liaison:
    user_id: int
    display_name: str
    username: str
    phone: str | None
    email: str | None
    active: bool

    def json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class RosterUnit:
    unit_id: int
    unit: str
    credit_code: str
    active_pairings: int  # in the region
    liaisons: list[Liaison]

    @property
    def active_liaisons(self) -> int:
        return sum(1 for person in self.liaisons if person.active)

    @property
    def below_minimum(self) -> bool:
        """003 §三(一)1: a unit has at least two liaisons."""
        return self.active_liaisons < MIN_LIAISONS

    def json(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "unit": self.unit, "credit_code": self.credit_code,
                "active_pairings": self.active_pairings, "active_liaisons": self.active_liaisons,
                "below_minimum": self.below_minimum, "liaisons": [p.json() for p in self.liaisons]}


def liaison_roster(session: Session, principal: Principal, scope: Scope) -> list[RosterUnit]:
    """The units paired in the region (now or before: their liaisons are the officers' to look
    after, app.auth.policy.covers_user) with every liaison, deactivated ones marked, and their
    contacts. Officers and admins only: a liaison never reads another's phone number."""
    principal.require(principal.is_officer or principal.is_admin, "信息联络员名册只对扶贫办工作人员开放")
    paired = (sql_select(col(Pairing.unit_id)).join(Village, col(Pairing.village_id) == col(Village.id))
              .where(scope.villages))
    in_force = dict(session.execute(
        paired.add_columns(func.count()).where(col(Pairing.active)).group_by(col(Pairing.unit_id))
    ).all())
    units = session.execute(
        sql_select(col(Unit.id), col(Unit.name), col(Unit.credit_code)).where(col(Unit.id).in_(paired.distinct()))
    ).all()
    people: dict[int, list[Liaison]] = {}
    for uid, unit_id, name, username, phone, email, active in session.execute(
        sql_select(*[col(c) for c in (User.id, User.unit_id, User.display_name, User.username, User.phone,
                                       User.email, User.active)])
        .where(col(User.role) == Role.liaison, col(User.unit_id).in_(paired.distinct()))
        .order_by(col(User.id))
    ):
        assert unit_id is not None and uid is not None
        people.setdefault(unit_id, []).append(Liaison(uid, name, username, phone, email, active))
    roster = [RosterUnit(unit_id, name, credit, in_force.get(unit_id, 0), people.get(unit_id, []))
              for unit_id, name, credit in units if unit_id is not None]
    # By name, then id: the same order on SQLite and PostgreSQL, whatever their collations.
    return sorted(roster, key=lambda u: (u.unit, u.unit_id))

