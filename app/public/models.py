"""Monthly public disclosure (信息公开): published, frozen summaries of the campaign."""

from datetime import datetime
from typing import Any

from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from app.common import StrictModel, utcnow


class Publication(SQLModel, table=True):
    """A month's figures as published: never edited; publishing the month again adds a row and
    the newest one is what the public sees."""

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)  # "2020-07"
    # None: the national publication of every province; otherwise a province's own.
    region_code: str | None = Field(default=None, max_length=12, foreign_key="region.code", index=True)
    week: str = Field(max_length=8)  # the week whose table the figures come from
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    published_by: int = Field(foreign_key="app_user.id")


class PublicationCreate(StrictModel):
    month: str = PydanticField(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2020-07"])
