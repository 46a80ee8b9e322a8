"""Typed dependencies every route may take: the request's database session, the settings and the
list page asked for."""

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlmodel import Session

from app.catalogue import label
from app.common import LIMIT_DEFAULT, LIMIT_MAX
from app.config import Settings
from app.db import get_session

# scope="function": the session commits when the handler returns, before the answer is sent, so a
# failed commit can never follow a success reply.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=LIMIT_MAX, description=label("limit"))] = LIMIT_DEFAULT,
        offset: Annotated[int, Query(ge=0, description=label("offset"))] = 0,
    ):
        self.limit = limit
        self.offset = offset


PageDep = Annotated[PageParams, Depends()]
