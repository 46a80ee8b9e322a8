"""CSRF tokens bound to the browser's session (or pre-login) cookie: a new login means a new token."""

import hashlib
import hmac

from app.config import Settings


def csrf_token(settings: Settings, cookie_value: str) -> str:
    return hmac.new(settings.secret_key.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()


def csrf_valid(settings: Settings, cookie_value: str | None, presented: str | None) -> bool:
    if not cookie_value or not presented:
        return False
    return hmac.compare_digest(csrf_token(settings, cookie_value), presented)
