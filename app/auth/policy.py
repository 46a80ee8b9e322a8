"""Who is asking, and the reach that follows from their role: the one place that looks at roles.

A `Principal` is the user copied out of the session (error pages render after a rollback). Its
scope is also a SQL clause, so that every query filters by it: a liaison's queries by its unit, an
officer's by the region columns of the village. Each resource's own policy module (pairings,
reports, …) builds on these to say what may be done to one record."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, true
from sqlmodel import Session, col, select

from app.auth.models import ROLE_LABELS, Role, User, UserCreate
from app.codes import SIGNIFICANT, Level, level_of, prefix_of
from app.errors import Forbidden, error
from app.pairings.models import Pairing
from app.regions.models import Region, Village
from app.units.models import Unit


@dataclass(frozen=True)
class NavLink:
    href: str
    text: str


@dataclass(frozen=True)
class Principal:
    id: int | None
    username: str
    display_name: str
    role: Role
    region_code: str | None = None  # officers; None = national
    unit_id: int | None = None  # liaisons

    @classmethod
    def of(cls, user: User) -> "Principal":
        return cls(id=user.id, username=user.username, display_name=user.display_name,
                   role=Role(user.role), region_code=user.region_code, unit_id=user.unit_id)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_officer(self) -> bool:
        return self.role == Role.officer

    @property
    def is_liaison(self) -> bool:
        return self.role == Role.liaison

    @property
    def level(self) -> Level | None:
        """An officer's level; None for national officers, admins and liaisons."""
        return level_of(self.region_code) if self.is_officer and self.region_code else None

    @property
    def everything(self) -> bool:
        """Admins and the national office see the whole country."""
        return self.is_admin or (self.is_officer and self.region_code is None)

    @property
    def is_county_officer(self) -> bool:
        return self.level == Level.county

    @property
    def is_regional_officer(self) -> bool:
        """A province or city officer: above the counties, below the national office."""
        return self.level in (Level.province, Level.city)

    def contains_code(self, code: str) -> bool:
        """Whether a region or village code lies inside this officer's region."""
        if self.everything:
            return True
        if not self.is_officer or self.region_code is None:
            return False
        return code.startswith(prefix_of(self.region_code))

    def contains_strictly(self, code: str) -> bool:
        """Inside this officer's region and below its level: what the officer may register."""
        if self.everything:
            return True
        return self.contains_code(code) and code != self.region_code

    @property
    def region_prefix(self) -> str | None:
        """The code prefix of everything an officer sees; None for the whole country."""
        if self.everything or self.region_code is None:
            return None
        return prefix_of(self.region_code)

    # -- what the role allows, whatever the record ------------------------------------------

    @property
    def may_register(self) -> bool:
        """Officers and admins register regions, villages, units and pairings; liaisons do not."""
        return self.is_admin or self.is_officer

    @property
    def reviews(self) -> bool:
        """Plans and reports are confirmed, approved or returned, and flags resolved, by the
        county (or an admin): SPEC "Review"."""
        return self.is_admin or self.is_county_officer

    @property
    def may_import_figures(self) -> bool:
        """Plans and reports are filed by liaisons, or by the county on a unit's behalf."""
        return self.is_admin or self.is_county_officer or self.is_liaison

    def is_liaison_of(self, unit_id: int) -> bool:
        return self.is_liaison and self.unit_id == unit_id

    def may_file_for(self, unit_id: int) -> bool:
        """SPEC "Who writes what": a unit's plans and reports are written by its liaisons, or on its
        behalf by a county officer (of the pairing's county: the scope has seen to that) or an
        admin. City, province and national officers read; they never write a unit's figures."""
        if self.is_liaison:
            return self.unit_id == unit_id
        return self.is_admin or self.is_county_officer

    def files_on_behalf(self, unit_id: int) -> bool:
        """Whether what this principal filed for the unit was filed on its behalf (by someone
        other than its liaisons): the pages name who did."""
        return not self.is_liaison_of(unit_id)

    @property
    def may_read_audit(self) -> bool:
        return not self.is_liaison

    @property
    def may_manage_users(self) -> bool:
        return self.is_admin

    def require(self, allowed: bool, message: str) -> None:
        if not allowed:
            raise Forbidden(message)

    # -- pages ----------------------------------------------------------------------------------

    @property
    def home(self) -> str:
        """Which worklist the user opens on: a liaison's unit and its pairings, a county's week, or
        a region's view of its counties (provinces, cities, the national office and admins)."""
        if self.is_liaison:
            return "unit"
        return "county" if self.is_county_officer else "region"

    @property
    def nav(self) -> list[NavLink]:
        links = [NavLink("/", "工作台")]
        if self.is_liaison:  # its unit's weekly sheet and plan/report imports
            links += [NavLink("/imports", "批量导入")]
        if self.is_county_officer:
            links += [NavLink(f"/counties/{self.region_code}/table", "县进展统计表"),
                      NavLink("/review", "审核"), NavLink("/registry", "结对登记"), NavLink("/imports", "批量导入")]
        elif self.level == Level.province:
            links += [NavLink(f"/provinces/{self.region_code}/table", "省汇总表"),
                      NavLink("/registry", "结对登记"), NavLink("/publications", "信息公开发布")]
        elif self.everything:
            links += [NavLink("/national/table", "全国汇总表"), NavLink("/registry", "结对登记"),
                      NavLink("/publications", "信息公开发布")]
        elif self.level is not None:  # a city
            links += [NavLink("/registry", "结对登记")]
        return links


# --- scope as SQL -------------------------------------------------------------------------------

_VILLAGE_COLUMN = {
    Level.province: Village.province_code,
    Level.city: Village.city_code,
    Level.county: Village.county_code,
}


def village_clause(principal: Principal) -> ColumnElement[bool]:
    """The villages the principal may see: an officer's by region, a liaison's by its pairings."""
    if principal.everything:
        return true()
    if principal.level is not None:
        return col(_VILLAGE_COLUMN[principal.level]) == principal.region_code
    if principal.is_liaison and principal.unit_id is not None:
        return col(Village.id).in_(select(Pairing.village_id).where(Pairing.unit_id == principal.unit_id))
    return false()


def pairing_clause(principal: Principal) -> ColumnElement[bool]:
    """The pairings the principal may see, for a query over Pairing joined with Village."""
    if principal.is_liaison:
        return col(Pairing.unit_id) == principal.unit_id if principal.unit_id is not None else false()
    return village_clause(principal)


def liaisons(unit_ids: list[int]) -> ColumnElement[bool]:
    """The users who are, or were, liaisons of these units."""
    return and_(col(User.role) == Role.liaison, col(User.unit_id).in_(unit_ids))


def active_liaisons(unit_ids: list[int]) -> ColumnElement[bool]:
    """The users who are active liaisons of these units."""
    return and_(liaisons(unit_ids), col(User.active))


def paired_in_scope(session: Session, principal: Principal, unit_id: int) -> bool:
    """Whether the unit has a pairing in a village the principal sees."""
    found = exists().where(col(Pairing.unit_id) == unit_id, col(Pairing.village_id) == col(Village.id),
                           village_clause(principal))
    return bool(session.scalar(select(found)))


# --- users --------------------------------------------------------------------------------------


def covers_user(session: Session, principal: Principal, user: User) -> bool:
    """Whether the principal looks after the user: admins everyone; an officer the officers of
    its region and below, and the liaisons of units paired in its region."""
    if principal.is_admin:
        return True
    if not principal.is_officer or user.role == Role.admin:
        return False
    if principal.everything:
        return True
    if user.role == Role.officer:
        return user.region_code is not None and principal.contains_code(user.region_code)
    return user.unit_id is not None and paired_in_scope(session, principal, user.unit_id)


def manages_account(session: Session, principal: Principal, user: User) -> bool:
    """Whether the principal may set a new password for the user or (de)activate the account:
    admins anyone; an officer the liaisons of units paired in its region and the officers strictly
    below it (as it may create them), never itself or a peer."""
    if principal.is_admin:
        return True
    if not principal.is_officer or principal.id == user.id or not covers_user(session, principal, user):
        return False
    if user.role == Role.liaison:
        return True
    if user.region_code is None:
        return False  # a national officer: only admins manage those
    return principal.everything or (principal.level is not None
                                    and SIGNIFICANT[level_of(user.region_code)] > SIGNIFICANT[principal.level])


def sees_contacts(session: Session, principal: Principal, user: User) -> bool:
    """A phone number and an e-mail address are shown to the user, to admins and to officers
    whose scope covers the user; to no one else, and never on a public page."""
    return principal.id == user.id or covers_user(session, principal, user)


def user_target_errors(session: Session, data: UserCreate) -> list[dict[str, object]]:
    """What is wrong with the user to be created, whoever creates it: an officer's region, a
    liaison's unit, an admin's lack of both."""
    errors = []
    if data.role == Role.officer:
        if data.unit_id is not None:
            errors.append(error(["body", "unit_id"], "扶贫办工作人员不属于帮扶单位，不应填写 unit_id"))
        if data.region_code is not None:
            if level_of(data.region_code) not in (Level.province, Level.city, Level.county):
                errors.append(error(["body", "region_code"], "扶贫办工作人员的区划必须是省、市或县"))
            elif session.exec(select(Region).where(Region.code == data.region_code)).first() is None:
                errors.append(error(["body", "region_code"], f"区划 {data.region_code} 不存在"))
    elif data.role == Role.liaison:
        if data.region_code is not None:
            errors.append(error(["body", "region_code"], "信息联络员按帮扶单位划分，不应填写 region_code"))
        if data.unit_id is None:
            errors.append(error(["body", "unit_id"], "信息联络员必须指定所属帮扶单位 unit_id", "missing"))
        elif session.get(Unit, data.unit_id) is None:
            errors.append(error(["body", "unit_id"], f"帮扶单位 {data.unit_id} 不存在"))
    elif data.region_code is not None or data.unit_id is not None:
        errors.append(error(["body", "role"], "系统管理员不限区划和单位，不应填写 region_code 或 unit_id"))
    return errors


def may_create_user(session: Session, principal: Principal, data: UserCreate) -> bool:
    """Admins create anyone. An officer creates officers strictly below its own region (a county
    officer creates none) and liaisons of units paired in its region."""
    if principal.is_admin:
        return True
    if not principal.is_officer:
        return False
    if data.role == Role.officer:
        if data.region_code is None:
            return False
        if principal.everything:
            return True
        assert principal.level is not None
        return (principal.contains_code(data.region_code)
                and SIGNIFICANT[level_of(data.region_code)] > SIGNIFICANT[principal.level])
    if data.role == Role.liaison and data.unit_id is not None:
        return principal.everything or paired_in_scope(session, principal, data.unit_id)
    return False
