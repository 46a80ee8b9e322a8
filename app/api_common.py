"""Query parameters shared by the JSON API's list endpoints."""

from typing import Annotated

from fastapi import Depends, Query

from app.common import LIMIT_DEFAULT, LIMIT_MAX


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=LIMIT_MAX, description="每页条数")] = LIMIT_DEFAULT,
        offset: Annotated[int, Query(ge=0, description="跳过条数")] = 0,
    ):
        self.limit = limit
        self.offset = offset


PageDep = Annotated[PageParams, Depends()]
