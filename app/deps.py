"""Typed dependencies every route may take: the request's database session, the settings and the
list page asked for."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator
from sqlmodel import Session

from app.catalogue import label
from app.common import CONTROL_CHARACTERS, ID_MAX, LIMIT_DEFAULT, LIMIT_MAX, parse_week
from app.config import Settings
from app.db import get_session
from app.errors import Invalid
from app.messages import label_for

# scope="function": the session commits when the handler returns, before the answer is sent, so a
# failed commit can never follow a success reply.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# Dependencies that ask nothing of the database are async: a sync one takes a worker thread, and a
# hop to a thread and back, for a dictionary lookup.
async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


OFFSET_MAX = ID_MAX  # more rows than any table holds; beyond it SQL's own limit would overflow

# An id in the path, or a filter by id: a PostgreSQL integer, checked before any query.
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]
QueryId = Annotated[int | None, Query(ge=1, le=ID_MAX)]


def _real_week(value: str) -> str:
    parse_week(value)  # ValueError: the reason, as the 422's message
    return value


WEEK_PATTERN = "^[0-9]{4}-W[0-9]{2}$"
# A week in the path: one that exists, within the years a campaign can have (app.common.WEEK_YEARS).
WeekPath = Annotated[str, Path(description="ISO 周次，如 2020-W27", examples=["2020-W27"],
                               json_schema_extra={"pattern": WEEK_PATTERN}), AfterValidator(_real_week)]
# A division code in the path. The services check it, with their own messages; the pattern is
# what the document promises.
CodePath = Annotated[str, Path(description="12 位行政区划代码", examples=["530102000000"],
                               json_schema_extra={"pattern": "^[0-9]{12}$"})]


async def plain_parameters(request: Request) -> None:
    """No control character (NUL among them) in the path, the query or a form's text: refused with
    a 422 naming the parameter, before a database that cannot store them is asked. JSON bodies
    are checked by their models (app.common.StrictModel)."""
    places: list[tuple[str, str, str]] = [("path", k, str(v)) for k, v in request.path_params.items()]
    places += [("query", k, v) for k, v in request.query_params.multi_items()]
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                            "multipart/form-data")):
        form = await request.form()
        places += [("body", k, v) for k, v in form.multi_items() if isinstance(v, str)]
    for where, name, value in places:
        if CONTROL_CHARACTERS.search(value) or CONTROL_CHARACTERS.search(name):
            raise Invalid.one([where, name], f"{label_for([where, name])}不能包含控制字符（例如 NUL）",
                              "control_character")


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=LIMIT_MAX, description=label("limit"))] = LIMIT_DEFAULT,
        offset: Annotated[int, Query(ge=0, le=OFFSET_MAX, description=label("offset"))] = 0,
    ):
        self.limit = limit
        self.offset = offset


PageDep = Annotated[PageParams, Depends()]
