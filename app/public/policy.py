"""Who publishes the monthly disclosure and reads the publications: the national office for the
country, a province's office for its province; officers read the national ones and their
province's."""

from sqlalchemy import ColumnElement, or_, true
from sqlmodel import col

from app.auth.policy import Principal
from app.codes import Level, ancestor_code
from app.errors import Forbidden
from app.public.models import Publication


def publisher_region(principal: Principal) -> str | None:
    """None for a national publication, the province code for a province's; 403 otherwise."""
    if principal.everything:
        return None
    if principal.level == Level.province:
        return principal.region_code
    raise Forbidden("只有国务院扶贫办（全国）和省扶贫办（本省）可以发布信息公开数据")


def require_reader(principal: Principal) -> None:
    principal.require(not principal.is_liaison, "信息公开发布记录只对扶贫办工作人员和系统管理员开放")


def _own_province(principal: Principal) -> str | None:
    return ancestor_code(principal.region_code, Level.province) if principal.region_code else None


def publications_clause(principal: Principal) -> ColumnElement[bool]:
    """The national publications, and those of the officer's own province."""
    if principal.everything:
        return true()
    return or_(col(Publication.region_code).is_(None), col(Publication.region_code) == _own_province(principal))


def may_read(principal: Principal, publication: Publication) -> bool:
    if principal.is_liaison:
        return False
    return (principal.everything or publication.region_code is None
            or publication.region_code == _own_province(principal))
