"""Token endpoints and users."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import CurrentPrincipal, TokenDep
from app.auth.flows import hashing, log_in
from app.auth.models import Contacts, TokenOut, User, UserCreate, UserPublic, UserUpdate
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
        return service.present(session, principal, service.create_user(session, principal, data))


# Declared before /users/{user_id}, which would take "me" for an id.
@router.patch("/users/me", response_model=UserPublic, summary="修改本人的手机号码和电子邮箱")
def update_me(data: Contacts, session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    return service.present(session, principal, service.update_own_contacts(session, principal, data))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: PathId, data: UserUpdate, request: Request, session: SessionDep,
                principal: CurrentPrincipal) -> UserPublic:
    with hashing(request, needed=data.password is not None):
        return service.present(session, principal, service.update_user(session, principal, user_id, data))


@router.get("/users/me", response_model=UserPublic)
def me(session: SessionDep, principal: CurrentPrincipal) -> UserPublic:
    return service.present(session, principal, service.get_user(session, principal.id))

