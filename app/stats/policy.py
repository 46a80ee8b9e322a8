"""Who reads which annex-3 table, who sends a county's week up, and who accepts or returns it."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.auth.policy import Principal
from app.codes import Level
from app.errors import NotFound
from app.regions.models import Region

# The officers (by level) who read a table of each level within their region.
_READERS = {
    Level.county: {Level.province, Level.city, Level.county},
    Level.province: {Level.province},
}


def _may_read(principal: Principal, code: str, level: Level) -> bool:
    if principal.everything:
        return True
    return principal.level in _READERS[level] and principal.contains_code(code)


@dataclass(frozen=True)
class CountyAccess:
    principal: Principal
    county: Region

    @property
    def code(self) -> str:
        return self.county.code

    @property
    def may_submit(self) -> bool:
        """A county's week table is sent up by that county (or an admin)."""
        return self.principal.is_admin or (self.principal.is_county_officer
                                           and self.principal.region_code == self.code)

    @property
    def may_decide(self) -> bool:
        """County submissions are accepted or returned above the county: by its city or
        province (SPEC "Who uses it"), the national office and admins."""
        return self.principal.everything or self.principal.is_regional_officer

    def require_submit(self) -> None:
        self.principal.require(self.may_submit, "只有本县扶贫办可以上报本县统计表")

    def require_decide(self) -> None:
        self.principal.require(self.may_decide, "只有市、省扶贫办（或国务院扶贫办）可以接收或退回县级上报")


def _region(session: Session, code: str, level: Level) -> Region | None:
    return session.exec(select(Region).where(Region.code == code, Region.level == level)).first()


def county_access(session: Session, principal: Principal, code: str) -> CountyAccess:
    """The county, if the principal may read its table: its own officers, the officers of its city
    and province, the national office and admins. Anyone else: 404."""
    county = _region(session, code, Level.county)
    if county is None or not _may_read(principal, code, Level.county):
        raise NotFound(f"县 {code} 不存在或不在您的管辖范围内")
    return CountyAccess(principal, county)


def province_access(session: Session, principal: Principal, code: str) -> Region:
    """The province, if the principal may read its rollup: its own officers, the national office
    and admins. A county or city officer may not read the province table that contains it."""
    province = _region(session, code, Level.province)
    if province is None or not _may_read(principal, code, Level.province):
        raise NotFound(f"省 {code} 不存在或不在您的管辖范围内")
    return province


def require_national(principal: Principal) -> None:
    if not principal.everything:
        raise NotFound("全国汇总表只对国务院扶贫办和系统管理员开放")
