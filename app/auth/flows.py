"""Logging in, in three steps: count the attempt (a short write), check the password, settle it
(a short write). The check is slow (Argon2: 64 MiB and tens of milliseconds), so it runs outside
any transaction, outside SQLite's one writer's turn, and never more than a few at once."""

from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from typing import TypeVar

import anyio
from fastapi import Request
from sqlmodel import Session

from app.auth import service
from app.auth.models import User
from app.errors import TooManyAttempts, Unauthorized, Unavailable

T = TypeVar("T")
BUSY = "登录的人较多，请稍后重试"


def client_address(request: Request) -> str:
    # The peer, or the client a trusted proxy names (ProxyHeadersMiddleware, app.main).
    return request.client.host if request.client else "unknown"


def _turn(request: Request) -> AbstractAsyncContextManager[None]:
    turn = request.app.state.write_turn
    return turn.held() if turn is not None else nullcontext()


def _committed(session: Session, step: Callable[[], T]) -> T:
    try:
        result = step()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


async def _write(request: Request, session: Session, step: Callable[[], T]) -> T:
    """One short write transaction in a worker thread, in SQLite's writer turn."""
    async with _turn(request):
        return await anyio.to_thread.run_sync(_committed, session, step)


async def _check(request: Request, password: str, password_hash: str) -> tuple[bool, str | None] | None:
    """Whether the password matches (and its rehash when the parameters changed); None when no
    check could start within the wait."""
    state = request.app.state
    limiter: anyio.CapacityLimiter = state.password_checks
    if not await _password_slot(request):
        return None
    try:
        return await anyio.to_thread.run_sync(service.password_hasher.verify_and_update,
                                              password, password_hash)
    finally:
        limiter.release()


async def _password_slot(request: Request, borrower: object | None = None) -> bool:
    """One of the few Argon2 slots, waited for a bounded time: whether it was had. `borrower`:
    who gives it back (the current task when None)."""
    state = request.app.state
    limiter: anyio.CapacityLimiter = state.password_checks
    with anyio.move_on_after(state.settings.password_check_wait_seconds):
        if borrower is None:
            await limiter.acquire()
        else:
            await limiter.acquire_on_behalf_of(borrower)
        return True
    return False


@contextmanager
def hashing(request: Request, needed: bool = True) -> Iterator[None]:
    """Around work in a worker thread that hashes a new password (creating a user, changing a
    password): it takes one of the same few Argon2 slots as the logins' checks, so that no more
    than that many hashes of 64 MiB run at once. Unavailable (503) when none comes in time."""
    if not needed:
        yield
        return
    borrower = object()  # the slot is taken and given back by two different tasks of the loop
    if not anyio.from_thread.run(_password_slot, request, borrower):
        raise Unavailable(BUSY)
    try:
        yield
    finally:
        anyio.from_thread.run_sync(request.app.state.password_checks.release_on_behalf_of, borrower)


async def log_in(request: Request, session: Session, username: str, password: str,
                 then: Callable[[User], T]) -> T:
    """`then(user)` (issuing a token or starting a session) in the same transaction as the
    successful login. 401 for a wrong name or password, 429 while locked, 503 when too many
    checks are waiting."""
    settings = request.app.state.settings
    address = client_address(request)
    attempt = await _write(request, session,
                           lambda: service.begin_attempt(session, settings, username, address))
    if attempt.refused_for:
        wait = attempt.refused_for
        raise TooManyAttempts(f"登录失败次数过多，请 {wait // 60 + 1} 分钟后再试", retry_after=wait)
    checked = await _check(request, password, attempt.password_hash)
    if checked is None:
        await _write(request, session, lambda: service.drop_attempt(session, attempt))
        raise Unavailable(BUSY)

    def settle() -> T | None:
        user = service.end_attempt(session, attempt, *checked)
        if user is None:
            return None
        return then(user)

    result = await _write(request, session, settle)
    if result is None:
        raise Unauthorized("用户名或密码错误")
    return result
