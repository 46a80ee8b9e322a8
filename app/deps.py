"""Typed dependencies shared by the API and the pages."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from app.auth.models import User
from app.auth.scope import Scope, scope_of
from app.auth.service import user_for_token
from app.config import Settings
from app.db import get_session
from app.errors import Unauthorized

# scope="function": the session commits when the handler returns, before the answer is sent, so a
# failed commit can never follow a success reply.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def bearer_token(token: Annotated[str | None, Depends(oauth2_scheme)]) -> str:
    if not token:
        raise Unauthorized("需要登录：请在 Authorization 头中提供 Bearer 令牌")
    return token


TokenDep = Annotated[str, Depends(bearer_token)]


def current_api_user(session: SessionDep, token: TokenDep) -> User:
    return user_for_token(session, token)


CurrentUser = Annotated[User, Depends(current_api_user)]


def current_scope(user: CurrentUser) -> Scope:
    return scope_of(user)


ScopeDep = Annotated[Scope, Depends(current_scope)]
