"""Who is asking, as typed dependencies: the API's bearer token or the pages' session cookie."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth.policy import Principal
from app.auth.service import user_for_session, user_for_token
from app.deps import SessionDep
from app.errors import Unauthorized
from app.web.pages import SESSION_COOKIE, LoginRequired

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def bearer_token(token: Annotated[str | None, Depends(oauth2_scheme)]) -> str:
    if not token:
        raise Unauthorized("需要登录：请在 Authorization 头中提供 Bearer 令牌")
    return token


TokenDep = Annotated[str, Depends(bearer_token)]


def api_principal(session: SessionDep, token: TokenDep) -> Principal:
    return Principal.of(user_for_token(session, token))


CurrentPrincipal = Annotated[Principal, Depends(api_principal)]


def page_principal_optional(request: Request, session: SessionDep) -> Principal | None:
    user = user_for_session(session, request.cookies.get(SESSION_COOKIE))
    if user is None:
        return None
    principal = Principal.of(user)
    request.state.principal = principal  # the page kit shows who is logged in
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(page_principal_optional)]


async def page_principal(principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise LoginRequired()
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]
