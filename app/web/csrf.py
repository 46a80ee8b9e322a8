"""CSRF tokens bound to the browser's session (or pre-login) cookie: a new login means a new token.

Every page carries its token masked afresh (a random pad, then the token XOR the pad, as Django
and Rails do), so no two answers hold the same bytes for it and a compressed page does not leak it
by its length (BREACH): the pages can be gzipped for a phone's weak signal."""

import hashlib
import hmac
import secrets

from app.config import Settings

_SIZE = hashlib.sha256().digest_size


def _token(settings: Settings, cookie_value: str) -> bytes:
    return hmac.new(settings.secret_key.encode(), cookie_value.encode(), hashlib.sha256).digest()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def csrf_token(settings: Settings, cookie_value: str) -> str:
    """The token for one answer: hex of pad + (token XOR pad), different every time it is asked."""
    pad = secrets.token_bytes(_SIZE)
    return (pad + _xor(_token(settings, cookie_value), pad)).hex()


def csrf_valid(settings: Settings, cookie_value: str | None, presented: str | None) -> bool:
    if not cookie_value or not presented or len(presented) != 4 * _SIZE:
        return False
    try:
        raw = bytes.fromhex(presented)
    except ValueError:
        return False
    if len(raw) != 2 * _SIZE:  # fromhex skips spaces
        return False
    pad, masked = raw[:_SIZE], raw[_SIZE:]
    return hmac.compare_digest(_token(settings, cookie_value), _xor(masked, pad))
