"""What a user may see, expressed as SQL clauses so that scope lives inside every query."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select, true

from app.auth.models import Role, User
from app.pairings.models import Pairing
from app.regions.models import Level, Village, level_of, prefix_of


@dataclass(frozen=True)
class Scope:
    role: Role
    region_code: str | None = None  # officers; None = national
    unit_id: int | None = None  # liaisons

    @property
    def everything(self) -> bool:
        return self.role == Role.admin or (self.role == Role.officer and self.region_code is None)

    @property
    def level(self) -> Level | None:
        return level_of(self.region_code) if self.region_code else None

    def contains_code(self, code: str) -> bool:
        """Whether a region or village code lies inside this officer's region."""
        if self.everything:
            return True
        if self.role != Role.officer or self.region_code is None:
            return False
        return code.startswith(prefix_of(self.region_code))


def scope_of(user: User) -> Scope:
    return Scope(role=Role(user.role), region_code=user.region_code, unit_id=user.unit_id)


_VILLAGE_COLUMN = {
    Level.province: Village.province_code,
    Level.city: Village.city_code,
    Level.county: Village.county_code,
}


def village_clause(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.role == Role.officer:
        return _VILLAGE_COLUMN[scope.level] == scope.region_code
    if scope.role == Role.liaison and scope.unit_id is not None:
        return Village.id.in_(select(Pairing.village_id).where(Pairing.unit_id == scope.unit_id))
    return false()


def pairing_clause(scope: Scope) -> ColumnElement[bool]:
    """Filter for a query over Pairing joined with Village."""
    if scope.role == Role.liaison:
        return Pairing.unit_id == scope.unit_id if scope.unit_id is not None else false()
    return village_clause(scope)
