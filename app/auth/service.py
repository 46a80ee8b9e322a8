"""Passwords, bearer tokens, the failed-login throttle and creating users."""

import hashlib
import secrets
from datetime import timedelta

from pwdlib import PasswordHash
from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from app.audit.service import record, snapshot, update_recorded
from app.auth.models import ApiToken, LoginThrottle, Role, User, UserCreate, UserUpdate
from app.auth.scope import scope_of, village_clause
from app.common import as_utc, utcnow
from app.config import Settings
from app.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    error,
)
from app.pairings.models import Pairing
from app.regions.models import SIGNIFICANT, Level, Region, Village, level_of
from app.units.models import Unit
from app.web.models import WebSession

USERNAME_MAX = 50
password_hasher = PasswordHash.recommended()
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = password_hasher.hash("bangfu-timing-equaliser")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, settings: Settings, username: str, password: str) -> User:
    """The user for these credentials; 401 when wrong, 429 while the username is locked."""
    if len(username) > USERNAME_MAX:
        raise Unauthorized("用户名或密码错误")  # no such user can exist; nothing to count
    now = utcnow()
    throttle = session.get(LoginThrottle, username, with_for_update=True)
    if throttle and throttle.locked_until and as_utc(throttle.locked_until) > now:
        wait = int((as_utc(throttle.locked_until) - now).total_seconds()) + 1
        raise TooManyAttempts(f"登录失败次数过多，请 {wait // 60 + 1} 分钟后再试", retry_after=wait)

    user = session.scalars(select(User).where(User.username == username)).first()
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
        throttle = LoginThrottle(username=username, failures=0)
        session.add(throttle)
    if throttle.locked_until and as_utc(throttle.locked_until) <= now:
        throttle.failures, throttle.locked_until = 0, None
    throttle.failures += 1
    if throttle.failures >= settings.login_max_failures:
        throttle.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
    record(session, None, "login_failed", "user", user.id if user else username,
           after={"username": username, "failures": throttle.failures}, actor_name=username[:50])
    # The failure must be remembered even though the request fails.
    session.commit()
    raise Unauthorized("用户名或密码错误")


def issue_token(session: Session, settings: Settings, user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=_token_digest(token), user_id=user.id,
        expires_at=utcnow() + timedelta(hours=settings.token_ttl_hours),
    )
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_digest(token))).first()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= utcnow():
        raise Unauthorized("令牌无效或已过期")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("令牌无效或已过期")
    return user


def revoke_token(session: Session, token: str) -> None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def _check_user_target(session: Session, data: UserCreate) -> list[dict]:
    errors = []
    if data.role == Role.officer:
        if data.unit_id is not None:
            errors.append(error(["body", "unit_id"], "扶贫办工作人员不属于帮扶单位，不应填写 unit_id"))
        if data.region_code is not None:
            if level_of(data.region_code) not in (Level.province, Level.city, Level.county):
                errors.append(error(["body", "region_code"], "扶贫办工作人员的区划必须是省、市或县"))
            elif session.scalars(select(Region).where(Region.code == data.region_code)).first() is None:
                errors.append(error(["body", "region_code"], f"区划 {data.region_code} 不存在"))
    elif data.role == Role.liaison:
        if data.region_code is not None:
            errors.append(error(["body", "region_code"], "信息联络员按帮扶单位划分，不应填写 region_code"))
        if data.unit_id is None:
            errors.append(error(["body", "unit_id"], "信息联络员必须指定所属帮扶单位 unit_id", "missing"))
        elif session.get(Unit, data.unit_id) is None:
            errors.append(error(["body", "unit_id"], f"帮扶单位 {data.unit_id} 不存在"))
    elif data.region_code is not None or data.unit_id is not None:
        errors.append(error(["body", "role"], "系统管理员不限区划和单位，不应填写 region_code 或 unit_id"))
    return errors


def _may_create(session: Session, actor: User, data: UserCreate) -> bool:
    scope = scope_of(actor)
    if actor.role == Role.admin:
        return True
    if actor.role != Role.officer:
        return False
    if data.role == Role.officer:
        # Strictly below the actor's own region: a county officer creates no officers.
        if data.region_code is None:
            return False
        if scope.everything:
            return True
        return (
            scope.contains_code(data.region_code)
            and SIGNIFICANT[level_of(data.region_code)] > SIGNIFICANT[scope.level]
        )
    if data.role == Role.liaison:
        paired_here = exists().where(
            Pairing.unit_id == data.unit_id, Pairing.village_id == Village.id, village_clause(scope)
        )
        return scope.everything or bool(session.scalar(select(paired_here)))
    return False


def create_user(session: Session, actor: User | None, data: UserCreate) -> User:
    """actor None is the command line, which may create anyone."""
    errors = _check_user_target(session, data)
    if errors:
        raise Invalid(errors)
    if actor is not None and not _may_create(session, actor, data):
        raise Forbidden("无权创建该用户：只能创建本区划以下的工作人员和在本区划结对的单位的联络员")
    if session.scalars(select(User).where(User.username == data.username)).first() is not None:
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


def update_user(session: Session, actor: User, user_id: int, data: UserUpdate) -> User:
    """Admins change names, passwords and whether a user may log in. Deactivating a user ends
    every session and token they hold at once."""
    if actor.role != Role.admin:
        raise Forbidden("只有系统管理员可以修改用户")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    changes = data.model_dump(exclude_unset=True)
    if "password" in changes:
        changes["password_hash"] = hash_password(changes.pop("password"))
    update_recorded(session, actor, user, changes, "user", user.id, user.region_code)
    if changes.get("active") is False or "password_hash" in changes:
        end_all_sessions(session, user.id)
    return user


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
