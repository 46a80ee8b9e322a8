"""Shared value types: money in 万元, UTC times, list pages, ISO weeks and the campaign clock."""

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import DateTime, Dialect, Numeric, Select, TypeDecorator, func, select
from sqlmodel import Session, SQLModel
from sqlmodel.sql.expression import SelectOfScalar

from app.config import Settings
from app.errors import Invalid

# Stable constraint names on SQLite and PostgreSQL alike, so migrations can refer to them. Set
# here because every model module imports this one before it defines a table.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

T = TypeVar("T")

MONEY_SCALE = 4
_FOUR_PLACES = Decimal(1).scaleb(-MONEY_SCALE)


class Money(TypeDecorator[Decimal]):
    """NUMERIC(14, 4) of 万元: up to 10 digits before the point, more than any pairing needs.

    PostgreSQL keeps NUMERIC exactly. SQLite would keep it as a floating-point REAL, so there the
    value goes in as a whole number of ten-thousandths (1 元) and comes back as a Decimal; sums in
    SQL stay exact on both.
    """

    impl = Numeric(14, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int(Decimal(value).scaleb(MONEY_SCALE).to_integral_value(rounding=ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-MONEY_SCALE).quantize(_FOUR_PLACES)
        return value if type(value) is Decimal else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """TIMESTAMP WITH TIME ZONE that always comes back aware, in UTC. PostgreSQL keeps the zone;
    SQLite keeps none, so there the stored value is UTC and the zone is put back on reading."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
_TWO_PLACES = Decimal("0.01")


def format_decimal(value: Decimal | int) -> str:
    """'12.5000' -> '12.5', '50.0000' -> '50', never exponent notation or '-0'."""
    text = str(value)  # plain for the four places money has; str is 4x cheaper than format
    if "E" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "0", "-0") else text


def quantize_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


# model_validate(..., context=TYPED): what a person typed into a form or a sheet holds, where a
# number arrives as text ("5"), as Excel's float (5.0), or as a Chinese input method writes it
# ("１２０", "1,000", "55万"). JSON bodies are validated without it and stay strict.
TYPED = {"typed": True}
WAN_UNITS = ("万元", "万")
COUNT_UNITS = ("人", "名")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")


def _typed(info: ValidationInfo) -> bool:
    return bool((info.context or {}).get("typed"))


def typed_number(text: str, units: tuple[str, ...]) -> str:
    """A number as people type it, made plain: full-width digits and punctuation (NFKC), spaces
    around it, thousands separators in their places and a trailing unit of the field. "１２０" ->
    "120", "1,000" -> "1000", " 55 万元" -> "55". Anything else comes back as it was, for the
    number's own check to refuse ("1,00", "55元")."""
    plain = unicodedata.normalize("NFKC", text).strip()
    for unit in units:
        if plain.endswith(unit):
            plain = plain[: -len(unit)].rstrip()
            break
    if "," in plain:
        if not _GROUPED.fullmatch(plain):
            return text
        plain = plain.replace(",", "")
    return plain


def _ascii_number(value: object, info: ValidationInfo) -> object:
    # Decimal() reads full-width and other Unicode digits: JSON must give plain digits, and what
    # a person typed is made plain first.
    if isinstance(value, str) and _typed(info):
        value = typed_number(value, WAN_UNITS)
    if isinstance(value, str) and not value.strip().isascii():
        raise PydanticCustomError("decimal_parsing", "Input should be a valid decimal")
    return value


def _plain_zero(value: Decimal) -> Decimal:
    return value if value else Decimal(0)


# Input: a decimal string or number, at most 4 places; output: a JSON string. "-0" is 0.
Wan = Annotated[
    Decimal,
    BeforeValidator(_ascii_number),
    Field(ge=0, max_digits=14, decimal_places=MONEY_SCALE),
    AfterValidator(_plain_zero),
    PlainSerializer(format_decimal, return_type=str, when_used="json"),
]
WanOut = Annotated[Decimal, PlainSerializer(format_decimal, return_type=str, when_used="json")]


def _whole_number(value: object, info: ValidationInfo) -> object:
    """A JSON count is a JSON integer: not true (pydantic's lax mode reads it as 1), not "5", not
    5.0. Forms and imports (TYPED) may give text or a float that pydantic then reads as a whole
    number, as people type it ("１２", "1,200", "8人")."""
    if isinstance(value, bool) or not (isinstance(value, int) or _typed(info)):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, str):
        value = typed_number(value, COUNT_UNITS)
        if not value.isascii():
            raise PydanticCustomError("int_parsing", "Input should be a valid integer")
    return value


Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=10_000_000)]

# Row ids are PostgreSQL integers; beyond them a lookup is a 422, not the database's overflow.
ID_MAX = 2**31 - 1
RowId = Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=ID_MAX)]

# Characters no one means to type: the C0 and C1 controls (NUL among them) but tab and line breaks.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Space and the invisible characters that make a text look filled in when it is empty.
_EDGES = re.compile(r"^[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]+|[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]+$")


def clean_text(value: str) -> str:
    """Text as stored: no control characters (refused), no space or zero-width characters around it."""
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("control_character", "Text must not contain control characters")
    return _EDGES.sub("", value)


def _clean_texts(value: object) -> object:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_text(v) if isinstance(v, str) else v for v in value]
    return value


def percentage(actual: Decimal | int, planned: Decimal | int) -> Decimal:
    """Completion percentage of annex 3: half-up to 2 places; 0 when nothing was planned."""
    planned = Decimal(planned)
    if planned == 0:
        return Decimal("0.00")
    return (Decimal(actual) * 100 / planned).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


class StrictModel(BaseModel):
    """Request bodies: unknown fields are refused, never ignored; every text, and every text in a
    list, is cleaned (clean_text) before its own checks, so a text of only zero-width spaces is empty."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before", check_fields=False)
    @classmethod
    def _texts(cls, value: object) -> object:
        return _clean_texts(value)


REASON_MAX = 2000


class ReasonIn(StrictModel):
    """Why a plan, a report or a county's week is sent back: the API's body, and the pages' field."""

    reason: str = Field(max_length=REASON_MAX)

    @field_validator("reason")
    @classmethod
    def _given(cls, value: str) -> str:
        if not value:
            raise ValueError("请填写退回原因")
        return value


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


LIMIT_DEFAULT = 100
LIMIT_MAX = 1000

# --- ISO weeks -----------------------------------------------------------------------------

WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")
# Weeks a campaign can have: far enough either way, and never near the calendar's end, where
# a week's Sunday or the next week would overflow.
WEEK_YEARS = range(2000, 2100)


@lru_cache(maxsize=4096)  # pure, and asked for the same few weeks many times per import
def parse_week(text: str) -> date:
    """The Monday of ISO week 'YYYY-Www'; ValueError with a Chinese reason otherwise."""
    match = WEEK_RE.fullmatch(text or "")
    if not match:
        raise ValueError(f"周次“{text}”格式不对，应为 YYYY-Www，例如 2020-W27")
    year, week = int(match.group(1)), int(match.group(2))
    if year not in WEEK_YEARS:
        raise ValueError(f"周次“{text}”超出范围：年份应在 {WEEK_YEARS.start}–{WEEK_YEARS.stop - 1} 之间")
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"周次“{text}”不存在：{year} 年没有第 {week} 周") from None


def week_of(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def previous_week(week: str) -> str:
    return week_of(parse_week(week) - timedelta(days=7))


# --- the campaign clock ---------------------------------------------------------------------


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_tz(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def clock_now(settings: Settings) -> datetime:
    """Now, on the campaign clock: BANGFU_NOW pins the instant; else BANGFU_TODAY pins the date
    (the demo's 2020 campaign) and the time of day stays real."""
    if settings.now is not None:
        return settings.now.astimezone(UTC)
    real = utcnow()
    if settings.today is None:
        return real
    local = real.astimezone(local_tz(settings))
    return datetime.combine(settings.today, local.timetz()).astimezone(UTC)


def today(settings: Settings, now: datetime | None = None) -> date:
    return (now or clock_now(settings)).astimezone(local_tz(settings)).date()


def week_deadline(settings: Settings, week: str) -> datetime:
    """The report deadline of a week, as an aware UTC datetime (default: Friday 18:00 local)."""
    monday = parse_week(week)
    day = monday + timedelta(days=settings.deadline_weekday - 1)
    local = datetime.combine(day, settings.deadline_time, tzinfo=local_tz(settings))
    return local.astimezone(UTC)


def check_week(settings: Settings, week: str, now: datetime | None = None,
               loc: tuple[str, str] = ("path", "week")) -> None:
    """A real ISO week inside the campaign and not in the future; 422 at `loc` otherwise."""
    where: list[str | int] = list(loc)
    try:
        monday = parse_week(week)
    except ValueError as exc:
        raise Invalid.one(where, str(exc)) from None
    sunday = monday + timedelta(days=6)
    if sunday < settings.campaign_start:
        raise Invalid.one(where, f"周次 {week} 早于活动开始日期 {settings.campaign_start}")
    if monday > settings.campaign_end:
        raise Invalid.one(where, f"周次 {week} 晚于活动结束日期 {settings.campaign_end}")
    if monday > today(settings, now):
        raise Invalid.one(where, f"周次 {week} 尚未开始，不能提前填报")


def campaign_weeks(settings: Settings) -> list[str]:
    weeks, day = [], settings.campaign_start
    while day <= settings.campaign_end:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    last = week_of(settings.campaign_end)
    if weeks[-1] != last:
        weeks.append(last)
    return weeks


def count(session: Session, statement: Select[*tuple[Any, ...]]) -> int:
    """How many rows `statement` selects."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    return int(total or 0)


def page_of(session: Session, statement: SelectOfScalar[T], limit: int, offset: int) -> tuple[list[T], int]:
    """One page of the single entity or value `statement` selects, and the count of all of them."""
    items = list(session.exec(statement.limit(limit).offset(offset)))
    return items, count(session, statement)


IN_CHUNK = 1000  # values in one IN (…) list: well under SQLite's limit on bound parameters


def chunked(values: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, for queries over many keys."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"industry.planned_funds_wan": 1} -> {"industry": {"planned_funds_wan": 1}}: the request body
    a form or a spreadsheet row of dotted names stands for."""
    body: dict[str, Any] = {}
    for name, value in flat.items():
        target = body
        *parents, leaf = name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return body
