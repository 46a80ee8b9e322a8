"""The page kit every page shares: templates with named blocks, CSRF, security headers, redirects
that work for htmx and plain forms, and errors rendered as pages (or as the swapped block for htmx).

It knows no domain: who is logged in is whatever the login dependency put on `request.state`."""

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.catalogue import LABELS, MEASURE_BY_KEY, label
from app.common import format_decimal
from app.deps import SettingsDep
from app.errors import Forbidden
from app.web.assets import asset_url
from app.web.csrf import csrf_token, csrf_valid

ROOT = Path(__file__).resolve().parent.parent.parent
SESSION_COOKIE = "bangfu_session"
PRE_COOKIE = "bangfu_pre"  # before login: carries the login form's CSRF token
HTMX_VERSION = "2.0.11"

templates = Jinja2Blocks(directory=ROOT / "templates")
templates.env.filters["wan"] = lambda v: "" if v is None else format_decimal(v)
templates.env.globals["HTMX_VERSION"] = HTMX_VERSION
templates.env.globals["asset"] = asset_url  # {{ asset("app.css") }}: the file's name with its hash
# Templates name fields by the catalogue: {{ label("funds_arrived_wan") }}.
templates.env.globals["label"] = label
templates.env.globals["LABELS"] = LABELS
templates.env.globals["MEASURES"] = MEASURE_BY_KEY


def use_timezone(name: str) -> None:
    """Times are stored in UTC and shown in the campaign's time zone (Asia/Shanghai)."""
    zone = ZoneInfo(name)
    templates.env.filters["local"] = (
        lambda moment: "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M"))


use_timezone("Asia/Shanghai")


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment; a history restore wants the whole page back."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def browser_key(request: Request) -> str | None:
    """The cookie that CSRF tokens are bound to: the session's, or before login the pre-login one."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


class LoginRequired(Exception):
    pass


async def csrf_protect(request: Request, settings: SettingsDep) -> None:
    """Every unsafe request carries the token, as X-CSRF-Token (htmx) or the csrf_token field."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    presented = request.headers.get("X-CSRF-Token")
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            field = (await request.form()).get("csrf_token")
            presented = field if isinstance(field, str) else None
    if not csrf_valid(settings, browser_key(request), presented):
        raise Forbidden("请求缺少有效的安全令牌（CSRF），请刷新页面后重试")


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           block: str | None = "content", status_code: int = 200, fragment: bool = False) -> Response:
    """The whole page, or only `block` when htmx asks for it (or always, for a `fragment`: the
    out-of-band pieces a live check swaps in)."""
    settings = request.app.state.settings
    key = browser_key(request)
    new_pre = None
    if key is None:
        key = new_pre = secrets.token_urlsafe(32)
    ctx = {"request": request, "user": getattr(request.state, "principal", None),
           "csrf_token": csrf_token(settings, key), **(context or {})}
    response: Response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code,
        block_name=block if block and (fragment or is_htmx(request)) else None,
    )
    if new_pre is not None:
        set_cookie(request, response, PRE_COOKIE, new_pre)
    return response


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


# What RedirectResponse leaves unquoted in a Location: the rest (spaces, 中文) is %-encoded, so
# that a header never carries what HTTP cannot.
_URL_SAFE = ":/%#?=@[]!$&'()*+,;"


def redirect(request: Request, url: str) -> Response:
    """A redirect the browser follows whether the request came from htmx or a plain form."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": quote(url, safe=_URL_SAFE)})
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    r"""Where to go after logging in: a path on this site, else "/". Browsers drop tabs and
    newlines from a URL and read a backslash as a slash, so "/\t/evil.example" would lead off
    the site: a target with any of them is refused whole, never cleaned."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in target)):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def login_required_handler(request: Request, _exc: Exception) -> Response:
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


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; object-src 'none'")


# Static scripts and style sheets are never documents (nosniff keeps them from being taken for one): the
# document headers would only weigh on a phone's first visit, 260 bytes a file.
NOT_DOCUMENTS = (".js", ".css", ".webmanifest")


class SecurityHeaders:
    """Headers every answer carries. Pure ASGI rather than BaseHTTPMiddleware: the latter reads
    the body in a task of its own, so errors raised while reading it (a body past its limit) would
    escape the app's handlers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, https = scope["path"], scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if not (path.startswith("/static/") and path.endswith(NOT_DOCUMENTS)):
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "same-origin")
                    headers.setdefault("Content-Security-Policy", CSP)
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if not path.startswith("/static"):
                    # Pages differ for htmx and hold private data: never serve one from a cache.
                    headers.setdefault("Cache-Control", "no-store")
                    headers.setdefault("Vary", "HX-Request")
            await send(message)

        await self.app(scope, receive, with_headers)
