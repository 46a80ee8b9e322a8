"""The county a route is about, if the caller may read its table (404 otherwise)."""

from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentPrincipal, PagePrincipal
from app.deps import CodePath, SessionDep
from app.stats.policy import CountyAccess, county_access


def api_county(code: CodePath, session: SessionDep, principal: CurrentPrincipal) -> CountyAccess:
    return county_access(session, principal, code)


def page_county(code: CodePath, session: SessionDep, principal: PagePrincipal) -> CountyAccess:
    return county_access(session, principal, code)


CurrentCounty = Annotated[CountyAccess, Depends(api_county)]
PageCounty = Annotated[CountyAccess, Depends(page_county)]
