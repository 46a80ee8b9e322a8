"""What the registration pages read beyond one service call: the register of an officer's region
(its counties, villages with their active pairings, units with their liaisons), and the records a
page is about, loaded within scope (404 otherwise)."""

from dataclasses import dataclass

from sqlmodel import Session

from app.auth.models import Role, User
from app.auth.policy import Principal, covers_user
from app.codes import Level
from app.common import LIMIT_MAX
from app.errors import NotFound
from app.pairings import service as pairings
from app.pairings.models import PairingPublic
from app.pairings.policy import pairing_accesses
from app.regions import service as regions
from app.regions.models import Region, Village
from app.units import service as units
from app.units.models import Unit
from app.units.policy import UnitAccess, require_registrar, unit_access


@dataclass(frozen=True)
class VillageRow:
    village: Village
    active_pairings: int

    @property
    def full(self) -> bool:
        return self.active_pairings >= pairings.MAX_UNITS_PER_VILLAGE


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    liaisons: int

    @property
    def short_of_liaisons(self) -> bool:
        """003 §三(一)1: a unit has at least two liaisons."""
        return self.liaisons < units.MIN_LIAISONS


def counties(session: Session, principal: Principal) -> list[Region]:
    """The counties whose villages the principal registers: a county officer's own, the counties
    of a city or province, every county for the national office and admins."""
    require_registrar(principal)
    found, _total = regions.list_regions(session, Level.county, None, LIMIT_MAX, 0)
    return [c for c in found if principal.contains_code(c.code)]


def villages(session: Session, principal: Principal) -> list[VillageRow]:
    require_registrar(principal)
    found, _total = regions.list_villages(session, principal, None, None, LIMIT_MAX, 0)
    counts = pairings.active_counts(session, [v.id for v in found if v.id is not None])
    return [VillageRow(v, counts.get(v.id or 0, 0)) for v in found]


def unit_rows(session: Session, principal: Principal) -> list[UnitRow]:
    found = units.registry_units(session, principal)
    counts = units.liaison_counts(session, [u.id for u in found if u.id is not None])
    return [UnitRow(u, counts.get(u.id or 0, 0)) for u in found]


def unit_in_register(session: Session, principal: Principal, unit_id: int) -> UnitAccess:
    """The unit, if it is in the principal's register (paired in its region, or not yet paired):
    a unit working only elsewhere is another county's record, not found."""
    require_registrar(principal)
    access = unit_access(session, principal, unit_id)
    if not access.may_edit:
        raise NotFound(f"帮扶单位 {unit_id} 不存在或不在您的管辖范围内")
    return access


def pairings_of(session: Session, principal: Principal, unit_id: int | None = None,
                county_code: str | None = None) -> list[PairingPublic]:
    require_registrar(principal)
    items, _total = pairings.list_pairings(session, principal, county_code, unit_id, None, LIMIT_MAX, 0)
    return items


def active_pairing_count(session: Session, principal: Principal) -> int:
    """How many pairings in force the principal's register holds (counted, not loaded)."""
    require_registrar(principal)
    _items, total = pairings.list_pairings(session, principal, None, None, True, 1, 0)
    return total


def pairings_by_id(session: Session, principal: Principal, ids: list[int]) -> dict[int, PairingPublic]:
    """The pairings `ids` the principal sees (a pairing's predecessor and successor), by id."""
    found = pairing_accesses(session, principal, ids)
    return {pid: pairings.access_public(session, access) for pid, access in found.items()}


def liaisons_of(session: Session, unit_id: int) -> list[User]:
    """The unit's liaisons, the deactivated ones too (they can be activated again)."""
    return units.liaisons_of(session, [unit_id], with_inactive=True).get(unit_id, [])


def liaison_in_scope(session: Session, principal: Principal, user_id: int) -> User:
    """A liaison of a unit paired in the principal's region; anyone else is not found here."""
    require_registrar(principal)
    user = session.get(User, user_id)
    if user is None or user.role != Role.liaison or not covers_user(session, principal, user):
        raise NotFound(f"信息联络员 {user_id} 不存在或不在您的管辖范围内")
    return user
