"""Browser sessions and their CSRF tokens."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from app.auth.models import User
from app.common import as_utc, utcnow
from app.config import Settings
from app.web.models import WebSession


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_session(session: Session, settings: Settings, user: User) -> str:
    """A new session for the user; the cookie value to hand to the browser."""
    key = secrets.token_urlsafe(32)
    session.add(WebSession(key_hash=_digest(key), user_id=user.id,
                           expires_at=utcnow() + timedelta(hours=settings.session_ttl_hours)))
    session.flush()
    return key


def user_for_session(session: Session, key: str | None) -> User | None:
    if not key:
        return None
    row = session.scalars(select(WebSession).where(WebSession.key_hash == _digest(key))).first()
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, key: str | None) -> None:
    if key:
        session.execute(delete(WebSession).where(WebSession.key_hash == _digest(key)))


def csrf_token(settings: Settings, cookie_value: str) -> str:
    """Bound to the browser's session (or pre-login) cookie: a new login means a new token."""
    return hmac.new(settings.secret_key.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()


def csrf_valid(settings: Settings, cookie_value: str | None, presented: str | None) -> bool:
    if not cookie_value or not presented:
        return False
    return hmac.compare_digest(csrf_token(settings, cookie_value), presented)
