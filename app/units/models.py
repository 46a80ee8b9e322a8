"""Helping units (结对帮扶单位) and the unified social credit code check (GB 32100-2015)."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field as PydanticField
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from app.common import StrictModel, UtcDateTime, utcnow


class UnitKind(StrEnum):
    private_enterprise = "private_enterprise"
    social_org = "social_org"
    state_owned = "state_owned"
    other = "other"


KIND_LABELS = {
    UnitKind.private_enterprise: "民营企业",
    UnitKind.social_org: "社会组织",
    UnitKind.state_owned: "国有企业",
    UnitKind.other: "其他",
}

# What registers the unit itself: its liaisons may not change these (SPEC "Who writes what").
IDENTITY_FIELDS = ("name", "kind", "credit_code")

# GB 32100-2015: 31 characters (no I, O, S, V, Z) and weights 3^i mod 31.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def check_credit_code(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 18:
        raise ValueError(f"统一社会信用代码应为 18 位，实际为 {len(code)} 位")
    bad = sorted({c for c in code if c not in CREDIT_CHARSET})
    if bad:
        raise ValueError(f"统一社会信用代码含有不允许的字符：{''.join(bad)}")
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise ValueError(f"统一社会信用代码校验位错误：第 18 位应为 {expected}，实际为 {code[17]}")
    return code


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=30)
    credit_code: str = Field(max_length=18, unique=True)
    home_province: str = Field(max_length=50)
    home_city: str = Field(max_length=50)
    contact_name: str = Field(max_length=50)
    contact_phone: str = Field(max_length=30)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # The unit's 企业微信 group robot, set by its liaisons: notices to them are posted there too.
    # Its key is a secret: shown to no one, only whether it is set.
    wecom_webhook: str | None = Field(default=None, max_length=500)


PHONE_PATTERN = r"^[0-9+\-() ]{5,30}$"


class UnitCreate(StrictModel):
    name: str = PydanticField(min_length=1, max_length=200)
    kind: UnitKind
    credit_code: str
    home_province: str = PydanticField(min_length=1, max_length=50)
    home_city: str = PydanticField(min_length=1, max_length=50)
    contact_name: str = PydanticField(min_length=1, max_length=50)
    contact_phone: str = PydanticField(pattern=PHONE_PATTERN)

    _credit = field_validator("credit_code")(check_credit_code)


class UnitUpdate(StrictModel):
    # Partial update: a field left out stays as it is; an explicit null is refused by its type.
    name: str = PydanticField(None, min_length=1, max_length=200)  # type: ignore[assignment]
    kind: UnitKind = None  # type: ignore[assignment]
    credit_code: str = None  # type: ignore[assignment]
    home_province: str = PydanticField(None, min_length=1, max_length=50)  # type: ignore[assignment]
    home_city: str = PydanticField(None, min_length=1, max_length=50)  # type: ignore[assignment]
    contact_name: str = PydanticField(None, min_length=1, max_length=50)  # type: ignore[assignment]
    contact_phone: str = PydanticField(None, pattern=PHONE_PATTERN)  # type: ignore[assignment]

    _credit = field_validator("credit_code")(check_credit_code)


class UnitPublic(SQLModel):
    id: int
    name: str
    kind: str
    credit_code: str
    home_province: str
    home_city: str
    contact_name: str
    contact_phone: str
    liaison_count: int = 0
    wecom_robot: bool = False  # whether the unit's 企业微信 group robot is set


class WecomRobotIn(StrictModel):
    """The unit's 企业微信 group robot: its webhook address as 企业微信 gives it (群机器人 →
    Webhook 地址), or null to stop posting there."""

    webhook_url: str | None = PydanticField(max_length=500)
