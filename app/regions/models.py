"""Regions (province → township) and villages, keyed by 12-digit statistical division codes."""

from pydantic import Field as PydanticField
from pydantic import field_validator
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.codes import Level, check_code
from app.common import Count, StrictModel


class Region(SQLModel, table=True):
    __table_args__ = (CheckConstraint("length(code) = 12", name="code_length"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)
    name: str = Field(max_length=100)
    level: str = Field(max_length=10, index=True)
    parent_code: str | None = Field(default=None, max_length=12, foreign_key="region.code", index=True)


class RegionCreate(StrictModel):
    code: str
    name: str = PydanticField(min_length=1, max_length=100)
    level: Level

    _code = field_validator("code")(check_code)

    @field_validator("level")
    @classmethod
    def _not_village(cls, value: Level) -> Level:
        if value == Level.village:
            raise ValueError("村不是区划：级别只能是 province、city、county 或 township，村请通过 /villages 登记")
        return value


class RegionPublic(SQLModel):
    code: str
    name: str
    level: str
    parent_code: str | None


class Village(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("poor_households >= 0", name="poor_households_nonnegative"),
        CheckConstraint("poor_population >= 0", name="poor_population_nonnegative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)
    name: str = Field(max_length=100)
    township_code: str = Field(max_length=12, foreign_key="region.code", index=True)
    # Ancestors, kept so that scope and rollups filter by equality on an index.
    county_code: str = Field(max_length=12, index=True)
    city_code: str = Field(max_length=12, index=True)
    province_code: str = Field(max_length=12, index=True)
    listed: bool = True
    registered_poor: bool = False
    poor_households: int = 0
    poor_population: int = 0


class VillageBase(StrictModel):
    name: str = PydanticField(min_length=1, max_length=100)
    listed: bool = True
    registered_poor: bool = False
    poor_households: Count = 0
    poor_population: Count = 0


class VillageCreate(VillageBase):
    code: str
    # Optional cross-check: when given, the code must lie in this county.
    county_code: str | None = None

    _code = field_validator("code")(check_code)


class VillageUpdate(StrictModel):
    # Partial update: a field left out stays as it is; an explicit null is refused by its type.
    name: str = PydanticField(None, min_length=1, max_length=100)  # type: ignore[assignment]
    listed: bool = None  # type: ignore[assignment]
    registered_poor: bool = None  # type: ignore[assignment]
    poor_households: Count = None  # type: ignore[assignment]
    poor_population: Count = None  # type: ignore[assignment]


class VillagePublic(SQLModel):
    code: str
    name: str
    township_code: str
    county_code: str
    listed: bool
    registered_poor: bool
    poor_households: int
    poor_population: int
