"""Passwords, bearer tokens, browser sessions, the failed-login throttle, and creating users."""

import hashlib
import secrets
from datetime import timedelta

from pwdlib import PasswordHash
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import ApiToken, LoginThrottle, User, UserCreate, UserUpdate, WebSession
from app.auth.policy import Principal, may_create_user, user_target_errors
from app.common import utcnow
from app.config import Settings
from app.db import insert_unless_exists
from app.errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts, Unauthorized

USERNAME_MAX = 50
password_hasher = PasswordHash.recommended()
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = password_hasher.hash("bangfu-timing-equaliser")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def authenticate(session: Session, settings: Settings, username: str, password: str) -> User:
    """The user for these credentials; 401 when wrong, 429 while the username is locked."""
    if len(username) > USERNAME_MAX:
        raise Unauthorized("用户名或密码错误")  # no such user can exist; nothing to count
    now = utcnow()
    throttle = session.get(LoginThrottle, username, with_for_update=True)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        wait = int((throttle.locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(f"登录失败次数过多，请 {wait // 60 + 1} 分钟后再试", retry_after=wait)

    user = session.exec(select(User).where(User.username == username)).first()
    valid, rehashed = password_hasher.verify_and_update(
        password, user.password_hash if user else _DUMMY_HASH
    )
    if user is not None and valid and user.active:
        if throttle:
            session.delete(throttle)
        if rehashed:
            user.password_hash = rehashed
        return user

    if throttle is None:
        # Two first failures at once: one inserts the row, the other waits for it and counts on.
        insert_unless_exists(session, LoginThrottle(username=username, failures=0), ["username"])
        throttle = session.get(LoginThrottle, username, with_for_update=True, populate_existing=True)
        assert throttle is not None
    if throttle.locked_until and throttle.locked_until <= now:
        throttle.failures, throttle.locked_until = 0, None
    throttle.failures += 1
    if throttle.failures >= settings.login_max_failures:
        throttle.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
    record(session, None, "login_failed", "user", user.id if user else username,
           after={"username": username, "failures": throttle.failures}, actor_name=username[:50])
    # The failure must be remembered even though the request fails.
    session.commit()
    raise Unauthorized("用户名或密码错误")


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
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthorized("令牌无效或已过期")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
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
    row = session.exec(select(WebSession).where(WebSession.key_hash == _digest(key))).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


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
        unit_id=data.unit_id,
    )
    session.add(user)
    session.flush()
    record(session, actor, "create", "user", user.id, after=snapshot(user), region_code=user.region_code)
    return user


def update_user(session: Session, actor: Principal, user_id: int, data: UserUpdate) -> User:
    """Admins change names, passwords and whether a user may log in. Deactivating a user ends
    every session and token they hold at once."""
    actor.require(actor.may_manage_users, "只有系统管理员可以修改用户")
    user = get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    if "password" in changes:
        changes["password_hash"] = hash_password(changes.pop("password"))
    update_recorded(session, actor, user, changes, "user", user.id, user.region_code)
    if changes.get("active") is False or "password_hash" in changes:
        end_all_sessions(session, user_id)
    return user
