"""Passwords, bearer tokens, browser sessions, the failed-login throttle, and creating users."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from pwdlib import PasswordHash
from sqlalchemy import CursorResult, delete, update
from sqlmodel import Session, col, select

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import (
    ApiToken,
    Contacts,
    LoginThrottle,
    Role,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
    WebSession,
)
from app.auth.policy import (
    Principal,
    covers_user,
    manages_account,
    may_create_user,
    sees_contacts,
    user_target_errors,
)
from app.common import utcnow
from app.config import Settings
from app.db import insert_unless_exists
from app.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized

USERNAME_MAX = 50
MAX_LOCK = timedelta(days=1)  # the longest a throttle key stays locked, however often it failed
password_hasher = PasswordHash.recommended()
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = password_hasher.hash("bangfu-timing-equaliser")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Attempt:
    """A login attempt, counted as a failure before its password is checked, so that attempts
    sent at once cannot run more checks than the limit allows."""

    username: str
    address: str
    user_id: int | None
    password_hash: str  # the user's, or a dummy for an unknown name (the check costs the same)
    refused_for: int = 0  # seconds: the attempt is refused, a key is locked for this long


def _throttle_keys(username: str, address: str) -> tuple[str, str]:
    """The (address, username) key and the address key."""
    return _digest(f"{address}\n{username}"), _digest(address)


def _lock_for(settings: Settings, lockouts: int) -> timedelta:
    doubled: timedelta = timedelta(minutes=settings.login_lock_minutes) * 2 ** min(lockouts - 1, 16)
    return min(doubled, MAX_LOCK)


def begin_attempt(session: Session, settings: Settings, username: str, address: str) -> Attempt:
    """Count the attempt under both keys' row locks, or refuse it while either key is locked
    (recorded in the audit trail). The caller commits before checking the password."""
    now = utcnow()
    rows = []
    for key in _throttle_keys(username, address):  # always in this order: no deadlock
        insert_unless_exists(session, LoginThrottle(key=key), ["key"])
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        assert row is not None
        if row.locked_until is not None and row.locked_until <= now:
            row.failures, row.locked_until = 0, None
        row.updated_at = now
        rows.append(row)
    user = session.exec(select(User).where(User.username == username)).first()
    locked = [row.locked_until for row in rows if row.locked_until is not None]
    if locked:
        wait = int((max(locked) - now).total_seconds()) + 1
        _record_attempt(session, "login_refused", username, address, user.id if user else None,
                        retry_after=wait)
        return Attempt(username, address, None, _DUMMY_HASH, refused_for=wait)
    for row, limit in zip(rows, (settings.login_max_failures, settings.login_max_failures_per_address),
                          strict=True):
        row.failures += 1
        if row.failures >= limit:
            row.lockouts += 1
            row.locked_until = now + _lock_for(settings, row.lockouts)
    if user is None:
        return Attempt(username, address, None, _DUMMY_HASH)
    return Attempt(username, address, user.id, user.password_hash)


def end_attempt(session: Session, attempt: Attempt, valid: bool, rehashed: str | None) -> User | None:
    """The user when the password was right (their key's failures are forgotten), else None
    and the failure is recorded."""
    pair_key, address_key = _throttle_keys(attempt.username, attempt.address)
    user = session.get(User, attempt.user_id) if attempt.user_id is not None else None
    # Still the password that was checked, and still allowed in: a change meanwhile wins.
    if valid and user is not None and user.active and user.password_hash == attempt.password_hash:
        session.execute(delete(LoginThrottle).where(col(LoginThrottle.key) == pair_key))
        _uncount(session, address_key)
        if rehashed:
            user.password_hash = rehashed
        return user
    pair = session.get(LoginThrottle, pair_key)
    _record_attempt(session, "login_failed", attempt.username, attempt.address,
                    user.id if user else None, failures=pair.failures if pair else 0)
    return None


def drop_attempt(session: Session, attempt: Attempt) -> None:
    """The password could not be checked (too many checks at once): the attempt is not counted,
    and the refusal is recorded."""
    _uncount(session, *_throttle_keys(attempt.username, attempt.address))
    _record_attempt(session, "login_refused", attempt.username, attempt.address, attempt.user_id,
                    reason="busy")


def _uncount(session: Session, *keys: str) -> None:
    """Take back the failure counted before the check: it was none."""
    session.execute(update(LoginThrottle)
                    .where(col(LoginThrottle.key).in_(keys), col(LoginThrottle.failures) > 0)
                    .values(failures=col(LoginThrottle.failures) - 1))


def _record_attempt(session: Session, action: str, username: str, address: str, user_id: int | None,
                    **details: object) -> None:
    # Never the password; an unknown name stands in for the user it is not.
    name = username[:USERNAME_MAX]
    record(session, None, action, "user", user_id if user_id is not None else name,
           after={"username": name, "address": address, **details}, actor_name=name)


def prune(session: Session, now: datetime) -> dict[str, int]:
    """Forget what no longer matters: tokens and sessions a day past their end, throttle counters
    untouched for a day and not locked. How many rows each lost."""
    day = now - timedelta(days=1)
    gone = {
        "api_token": delete(ApiToken).where(col(ApiToken.expires_at) < day),
        "web_session": delete(WebSession).where(col(WebSession.expires_at) < day),
        "login_throttle": delete(LoginThrottle).where(
            col(LoginThrottle.updated_at) < day,
            (col(LoginThrottle.locked_until).is_(None)) | (col(LoginThrottle.locked_until) < now)),
    }
    return {table: cast(CursorResult[Any], session.execute(statement)).rowcount
            for table, statement in gone.items()}


# --- bearer tokens ------------------------------------------------------------------------------


def issue_token(session: Session, settings: Settings, user: User) -> tuple[str, ApiToken]:
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_digest(token), user_id=user.id,
                   expires_at=utcnow() + timedelta(hours=settings.token_ttl_hours))
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User:
    # One query for the token and its user: every API request asks it.
    found = session.exec(select(ApiToken, User).join(User, col(User.id) == col(ApiToken.user_id))
                         .where(ApiToken.token_hash == _digest(token))).first()
    if found is None:
        raise Unauthorized("令牌无效或已过期")
    row, user = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or not user.active:
        raise Unauthorized("令牌无效或已过期")
    return user


def revoke_token(session: Session, token: str) -> None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


# --- browser sessions ---------------------------------------------------------------------------


def start_session(session: Session, settings: Settings, user: User) -> str:
    """A new session for the user; the cookie value to hand to the browser."""
    assert user.id is not None
    key = secrets.token_urlsafe(32)
    session.add(WebSession(key_hash=_digest(key), user_id=user.id,
                           expires_at=utcnow() + timedelta(hours=settings.session_ttl_hours)))
    session.flush()
    return key


def user_for_session(session: Session, key: str | None) -> User | None:
    if not key:
        return None
    found = session.exec(select(WebSession, User).join(User, col(User.id) == col(WebSession.user_id))
                         .where(WebSession.key_hash == _digest(key))).first()
    if found is None:
        return None
    row, user = found
    return user if row.expires_at > utcnow() and user.active else None


def end_session(session: Session, key: str | None) -> None:
    if key:
        session.execute(delete(WebSession).where(col(WebSession.key_hash) == _digest(key)))


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(col(WebSession.user_id) == user_id))
    session.execute(update(ApiToken).where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
                    .values(revoked_at=utcnow()))


# --- users --------------------------------------------------------------------------------------


def get_user(session: Session, user_id: int | None) -> User:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return user


def create_user(session: Session, actor: Principal | None, data: UserCreate) -> User:
    """actor None is the command line, which may create anyone."""
    errors = user_target_errors(session, data)
    if errors:
        raise Invalid(errors)
    if actor is not None and not may_create_user(session, actor, data):
        raise Forbidden("无权创建该用户：只能创建本区划以下的工作人员和在本区划结对的单位的联络员")
    if session.exec(select(User).where(User.username == data.username)).first() is not None:
        raise Conflict(f"用户名 {data.username} 已存在")
    user = User(
        username=data.username, password_hash=hash_password(data.password),
        display_name=data.display_name, role=data.role, region_code=data.region_code,
        unit_id=data.unit_id, phone=data.phone, email=data.email,
    )
    session.add(user)
    session.flush()
    record(session, actor, "create", "user", user.id, after=snapshot(user), region_code=user.region_code)
    return user


def update_user(session: Session, actor: Principal, user_id: int, data: UserUpdate) -> User:
    """Admins change names, passwords, contacts and whether a user may log in. Officers change the
    contacts of the users they look after (a user not theirs is not found), and manage the
    accounts they answer for (app.auth.policy.manages_account): a liaison of a unit paired in
    their region, an officer below them — a new password, deactivation. Deactivating a user
    or setting a new password ends every session and token they hold at once."""
    user = get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    if not actor.may_manage_users:
        actor.require(actor.is_officer and user.role != Role.admin, "只有系统管理员可以修改用户")
        if not covers_user(session, actor, user):
            raise NotFound(f"用户 {user_id} 不存在")  # outside the officer's scope
        if not set(changes) <= CONTACTS:
            actor.require(set(changes) <= CONTACTS | ACCOUNT and manages_account(session, actor, user),
                          "扶贫办工作人员只能修改所辖用户的手机号码和电子邮箱；重置密码、停用或启用账号限于"
                          "在本区划结对的单位的联络员和下级扶贫办工作人员")
    if "password" in changes:
        changes["password_hash"] = hash_password(changes.pop("password"))
    update_recorded(session, actor, user, changes, "user", user.id, user.region_code)
    if changes.get("active") is False or "password_hash" in changes:
        end_all_sessions(session, user_id)
    return user


CONTACTS = {"phone", "email"}
ACCOUNT = {"password", "active"}  # what an officer changes of the accounts it manages


def update_own_contacts(session: Session, actor: Principal, data: Contacts) -> User:
    """Users keep their own phone number and e-mail address."""
    user = get_user(session, actor.id)
    update_recorded(session, actor, user, data.model_dump(exclude_unset=True), "user", user.id, user.region_code)
    return user


def present(session: Session, viewer: Principal, user: User) -> UserPublic:
    """The user as `viewer` may see them: contacts only where sees_contacts allows."""
    shown = UserPublic.model_validate(user)
    if not sees_contacts(session, viewer, user):
        shown.phone = shown.email = None
    return shown
