"""Users, roles, bearer tokens, browser sessions and the failed-login throttle."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field as PydanticField
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from app.codes import check_code
from app.common import RowId, StrictModel, UtcDateTime, utcnow
from app.contacts import check_email, check_mobile


class Role(StrEnum):
    admin = "admin"
    officer = "officer"
    liaison = "liaison"


ROLE_LABELS = {Role.admin: "系统管理员", Role.officer: "扶贫办工作人员", Role.liaison: "信息联络员"}


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=10)
    # An officer's region (none = national); a liaison's unit.
    region_code: str | None = Field(default=None, max_length=12, foreign_key="region.code", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # Where reminders and notices reach the user; shown only to the user, admins and officers
    # whose scope covers the user (app.auth.policy.sees_contacts), never public.
    phone: str | None = Field(default=None, max_length=11)
    email: str | None = Field(default=None, max_length=254)


class Contacts(StrictModel):
    """A user's contacts as given: a mainland mobile number and an e-mail address, each optional;
    an empty string or null clears one."""

    phone: str | None = PydanticField(None, max_length=40)
    email: str | None = PydanticField(None, max_length=254)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else check_mobile(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else check_email(value)


USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{3,50}$"


class UserCreate(Contacts):
    username: str = PydanticField(pattern=USERNAME_PATTERN)
    password: str = PydanticField(min_length=8, max_length=128)
    display_name: str = PydanticField(min_length=1, max_length=100)
    role: Role
    region_code: str | None = None
    unit_id: RowId | None = None

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else check_code(value)


class UserUpdate(Contacts):
    # Partial update: a field left out stays as it is; an explicit null is refused by its type.
    display_name: str = PydanticField(None, min_length=1, max_length=100)  # type: ignore[assignment]
    password: str = PydanticField(None, min_length=8, max_length=128)  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]


class UserPublic(SQLModel):
    id: int
    username: str
    display_name: str
    role: str
    region_code: str | None
    unit_id: int | None
    active: bool
    # Left out (null) for whoever may not see them (app.auth.policy.sees_contacts).
    phone: str | None = None
    email: str | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the token: a stolen database does not hand out working tokens.
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins counted for one key: a client address, or a client address and a username.
    An attempt is counted before its password is checked, so attempts sent at once cannot run
    more checks than the limit."""

    __tablename__ = "login_throttle"

    # SHA-256 of the address, or of the address and username: no username is stored here, and a
    # name of any length makes a key of one length.
    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    # Times this key has been locked: each lock lasts twice the one before (backoff).
    lockouts: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Rows untouched for a day and not locked are pruned.
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)


class TokenOut(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class WebSession(SQLModel, table=True):
    """A browser's login: logout and deactivating the user end it."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the cookie's random value; the value itself is never stored.
    key_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
