"""Token endpoints and users."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import CurrentPrincipal, TokenDep
from app.auth.flows import hashing, log_in
from app.auth.models import TokenOut, User, UserCreate, UserPublic, UserUpdate
from app.deps import PathId, SessionDep, SettingsDep
from app.openapi import answers

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut, responses=answers(401, 429))
async def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
                session: SessionDep, settings: SettingsDep) -> TokenOut:
    def token_for(user: User) -> TokenOut:
        token, row = service.issue_token(session, settings, user)
        return TokenOut(access_token=token, expires_at=row.expires_at)

    return await log_in(request, session, form.username, form.password, token_for)


@router.post("/auth/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke(session: SessionDep, token: TokenDep, _principal: CurrentPrincipal) -> None:
    service.revoke_token(session, token)


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, request: Request, session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    with hashing(request):
        return UserPublic.model_validate(service.create_user(session, principal, data))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: PathId, data: UserUpdate, request: Request, session: SessionDep,
                principal: CurrentPrincipal) -> UserPublic:
    with hashing(request, needed=data.password is not None):
        return UserPublic.model_validate(service.update_user(session, principal, user_id, data))


@router.get("/users/me", response_model=UserPublic)
def me(session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    return UserPublic.model_validate(service.get_user(session, principal.id))
