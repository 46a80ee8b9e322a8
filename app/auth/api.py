"""Token endpoints and users."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import CurrentPrincipal, TokenDep
from app.auth.models import TokenOut, UserCreate, UserPublic, UserUpdate
from app.deps import SessionDep, SettingsDep

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          settings: SettingsDep) -> TokenOut:
    user = service.authenticate(session, settings, form.username, form.password)
    token, row = service.issue_token(session, settings, user)
    return TokenOut(access_token=token, expires_at=row.expires_at)


@router.post("/auth/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke(session: SessionDep, token: TokenDep, _principal: CurrentPrincipal) -> None:
    service.revoke_token(session, token)


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    return UserPublic.model_validate(service.create_user(session, principal, data))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: int, data: UserUpdate, session: SessionDep,
                principal: CurrentPrincipal) -> UserPublic:
    return UserPublic.model_validate(service.update_user(session, principal, user_id, data))


@router.get("/users/me", response_model=UserPublic)
def me(session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    return UserPublic.model_validate(service.get_user(session, principal.id))
