"""What every page shares: templates with named blocks, the logged-in user, CSRF, security
headers, and errors rendered as pages (or as the swapped block for htmx)."""

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.middleware.base import BaseHTTPMiddleware

from app.auth.models import ROLE_LABELS, User
from app.auth.scope import Scope, scope_of
from app.common import as_utc, format_decimal
from app.deps import SessionDep, SettingsDep
from app.errors import DomainError, Forbidden
from app.web.service import csrf_token, csrf_valid, user_for_session

ROOT = Path(__file__).resolve().parent.parent.parent
SESSION_COOKIE = "bangfu_session"
PRE_COOKIE = "bangfu_pre"  # before login: carries the login form's CSRF token
HTMX_VERSION = "2.0.11"

templates = Jinja2Blocks(directory=ROOT / "templates")
templates.env.filters["wan"] = lambda v: "" if v is None else format_decimal(v)
templates.env.globals["ROLE_LABELS"] = ROLE_LABELS
templates.env.globals["HTMX_VERSION"] = HTMX_VERSION


def use_timezone(name: str) -> None:
    """Times are stored in UTC and shown in the campaign's time zone (Asia/Shanghai)."""
    zone = ZoneInfo(name)
    templates.env.filters["local"] = (
        lambda moment: "" if moment is None else as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M"))


use_timezone("Asia/Shanghai")


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment; a history restore wants the whole page back."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def _browser_key(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


class LoginRequired(Exception):
    pass


@dataclass(frozen=True)
class Viewer:
    """Who the page is for, copied out of the session: error pages render after a rollback."""

    username: str
    display_name: str
    role: str
    region_code: str | None
    unit_id: int | None


def page_user_optional(request: Request, session: SessionDep) -> User | None:
    user = user_for_session(session, request.cookies.get(SESSION_COOKIE))
    if user is not None:
        request.state.user = Viewer(user.username, user.display_name, user.role, user.region_code,
                                    user.unit_id)
    return user


def page_user(user: Annotated[User | None, Depends(page_user_optional)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[User, Depends(page_user)]
MaybeUser = Annotated[User | None, Depends(page_user_optional)]


def page_scope(user: PageUser) -> Scope:
    return scope_of(user)


PageScope = Annotated[Scope, Depends(page_scope)]


async def csrf_protect(request: Request, settings: SettingsDep) -> None:
    """Every unsafe request carries the token, as X-CSRF-Token (htmx) or the csrf_token field."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    presented = request.headers.get("X-CSRF-Token")
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            presented = (await request.form()).get("csrf_token")
    if not csrf_valid(settings, _browser_key(request), presented):
        raise Forbidden("请求缺少有效的安全令牌（CSRF），请刷新页面后重试")


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           block: str | None = "content", status_code: int = 200) -> Response:
    """The whole page, or only `block` when htmx asks for it."""
    settings = request.app.state.settings
    key = _browser_key(request)
    new_pre = None
    if key is None:
        key = new_pre = secrets.token_urlsafe(32)
    ctx = {"request": request, "user": getattr(request.state, "user", None),
           "csrf_token": csrf_token(settings, key), **(context or {})}
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code,
        block_name=block if is_htmx(request) and block else None,
    )
    if new_pre is not None:
        set_cookie(request, response, PRE_COOKIE, new_pre)
    return response


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def redirect(request: Request, url: str) -> Response:
    """A redirect the browser follows whether the request came from htmx or a plain form."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def login_required_handler(request: Request, _exc: LoginRequired) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    current = request.headers.get("HX-Current-URL")
    if is_htmx(request) and current:
        # A background request (a live check, a POST) is no page to come back to: the page is.
        parsed = urlsplit(current)
        if parsed.netloc in ("", request.url.netloc):
            target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return redirect(request, f"/login?next={quote(target)}")


ERROR_TITLES = {403: "无权操作", 404: "未找到", 409: "操作冲突", 422: "输入有误", 401: "需要登录"}


def error_page(request: Request, status_code: int, message: str) -> Response:
    context = {"status": status_code, "title": ERROR_TITLES.get(status_code, "出错了"), "message": message}
    if is_htmx(request):
        # The page stays as it is; the reason shows in the message area at the top.
        response = render(request, "error.html", {**context, "flash_only": True}, block="flash",
                          status_code=status_code)
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "error.html", context, block="content", status_code=status_code)


def domain_error_page(request: Request, exc: DomainError) -> Response:
    return error_page(request, exc.status_code, exc.message)


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; object-src 'none'")


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith(("/docs", "/redoc")):
            headers.setdefault("Content-Security-Policy", CSP)
        if request.url.scheme == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.url.path.startswith("/static"):
            # Pages differ for htmx and hold private data: never serve one from a cache.
            headers.setdefault("Cache-Control", "no-store")
            headers.setdefault("Vary", "HX-Request")
        return response
