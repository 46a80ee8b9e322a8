"""create_app(): settings, database engine, routers and the one place errors become HTTP."""


import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.auth.api import router as auth_router
from app.auth.views import router as login_pages
from app.config import Settings, get_settings
from app.db import (
    SAFE_METHODS,
    SessionSlots,
    WriteTurn,
    create_db_engine,
    is_unavailable,
    pool_limits,
    writer,
)
from app.deps import plain_parameters
from app.errors import UNAVAILABLE, Conflict, DomainError, Invalid, TooManyAttempts, Unauthorized, Unavailable
from app.imports.api import MAX_UPLOAD_BYTES
from app.imports.api import router as imports_router
from app.imports.views import router as import_pages
from app.messages import translate_errors
from app.notices.api import router as notices_router
from app.notices.views import router as notice_pages
from app.openapi import document_answers
from app.pairings.api import router as pairings_router
from app.pairings.views import router as plan_pages
from app.public.api import router as public_router
from app.public.views import router as public_pages
from app.queue import Queue
from app.regions.api import router as regions_router
from app.registry.api import router as registry_router
from app.registry.views import router as registry_pages
from app.reports.api import router as reports_router
from app.reports.views import router as report_pages
from app.review.api import router as review_router
from app.stats.api import router as stats_router
from app.stats.views import router as table_pages
from app.units.api import router as units_router
from app.web.assets import ROOT as STATIC_ROOT
from app.web.assets import Assets
from app.web.pages import (
    LoginRequired,
    SecurityHeaders,
    error_page,
    login_required_handler,
    render,
    use_timezone,
)
from app.worklist.views import router as worklist_pages

API_PREFIX = "/api/v1"
CONFLICT = "数据冲突：该记录已存在或刚被他人修改，请刷新后重试"
RETRY_AFTER = "5"  # seconds, on a 503
# Logging in takes SQLite's writer turn only for its two short writes, not for the password check.
OWN_WRITE_TURNS = frozenset({API_PREFIX + "/auth/token", "/login"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, Unavailable):
        return _unavailable(request, exc.message)
    if not _is_api(request):
        message = exc.message if not isinstance(exc, Invalid) else exc.errors[0]["msg"]
        return error_page(request, exc.status_code, message)
    if isinstance(exc, Invalid):
        return JSONResponse({"detail": exc.errors, **exc.extra}, status_code=422)
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    extra = exc.extra if isinstance(exc, Conflict) else {}
    return JSONResponse({"detail": exc.message, **extra}, status_code=exc.status_code, headers=headers)


def _integrity_error(request: Request, _exc: Exception) -> Response:
    # The services check uniqueness first; this answers the race two simultaneous writes can
    # still lose against the database's own constraints.
    if not _is_api(request):
        return error_page(request, 409, CONFLICT)
    return JSONResponse({"detail": CONFLICT}, status_code=409)


def _database_error(request: Request, exc: Exception) -> Response:
    """A database that is busy (SQLite's write lock not had in time) or unreachable answers 503 with
    Retry-After, never 500; anything else is a bug and is raised as such."""
    if not is_unavailable(exc):
        raise exc
    return _unavailable(request)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = translate_errors(list(exc.errors()))
    if not _is_api(request):
        return error_page(request, 422, "；".join(e["msg"] for e in errors))
    return JSONResponse({"detail": errors}, status_code=422)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 413:  # a body past its route's limit, counted as it is read (max_body_size)
        exc = StarletteHTTPException(413, TOO_LARGE.format(upload=MAX_UPLOAD_BYTES >> 20))
    if _is_api(request) or request.url.path.startswith("/static"):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
    message = "页面不存在" if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message)


# An xlsx workbook is a zip archive already: gzip would spend the export's time for nothing.
ALREADY_ZIPPED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class CompressSome:
    """gzip (Starlette's GZipMiddleware) for everything a phone downloads on a weak signal: pages,
    static files (htmx: 52 KB, 17 KB gzipped) and the API's answers. The pages' CSRF token is
    masked afresh in every answer (app/web/csrf.py), so compression does not leak it (BREACH).
    Not logging in, whose answer is a bearer token that cannot be masked. zlib's default level 6,
    not Starlette's 9: a county's 239 KB table gzips in 2.3 ms to 19 KB instead of 7.6 ms to 17 KB."""

    def __init__(self, app: ASGIApp):
        self.app, self.gzip = app, GZipMiddleware(app, minimum_size=1024, compresslevel=6,
                                                exclude_content_types=ALREADY_ZIPPED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(API_PREFIX + "/auth/"):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


class OneWriterAtATime:
    """On SQLite, requests that may write (unsafe methods) wait here for the one writer's turn
    (app/db.py WriteTurn) and answer 503 when it does not come in time. Another process writing
    to the same file still waits at BEGIN IMMEDIATE. Paths in `own_turns` take their turns
    themselves, for as long as each write lasts (logging in)."""

    def __init__(self, app: ASGIApp, turn: WriteTurn, own_turns: frozenset[str]):
        self.app, self.turn, self.own_turns = app, turn, own_turns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] in SAFE_METHODS
                or scope["path"] in self.own_turns):
            await self.app(scope, receive, send)
            return
        if not await self.turn.acquire():
            response = _unavailable(Request(scope, receive))
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.turn.release()


JSON_MAX = 1 << 20  # any body but an upload: JSON, or a page's form
TOO_LARGE = "请求内容过大：上传的文件不能超过 {upload} MB（请拆分后分别导入），其他请求不能超过 1 MB"


def _unavailable(request: Request, message: str = UNAVAILABLE) -> Response:
    if not _is_api(request):
        response = error_page(request, 503, message)
    else:
        response = JSONResponse({"detail": message}, status_code=503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Bangfu 社会力量助力挂牌督战村 API",
        version="1.0",
        description="结对帮扶台账与每周项目进展统计。金额单位为万元，以十进制字符串表示。",
        max_body_size=JSON_MAX,  # uploads raise their own limit (app/imports)
        docs_url=None, redoc_url=None,  # /docs below, from the site's own copy of Swagger UI
        dependencies=[Depends(plain_parameters)],
    )
    app.state.settings = settings
    use_timezone(settings.timezone)
    size, overflow = pool_limits(settings.database_url, settings.database_pool_size, settings.database_pool_overflow)
    app.state.engine = create_db_engine(settings.database_url, settings.sqlite_busy_timeout_seconds, size, overflow,
                                        settings.database_wait_seconds)
    app.state.session_slots = SessionSlots(size + overflow, settings.database_wait_seconds)
    app.state.write_engine = writer(app.state.engine)
    sqlite = app.state.engine.dialect.name == "sqlite"
    app.state.write_turn = WriteTurn(settings.sqlite_write_wait_seconds) if sqlite else None
    app.state.password_checks = anyio.CapacityLimiter(settings.password_checks_at_once)
    app.state.queue = Queue(settings)  # enqueues only: `bangfu worker` runs the tasks

    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(LoginRequired, login_required_handler)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(CompressSome)
    if app.state.write_turn is not None:
        app.add_middleware(OneWriterAtATime, turn=app.state.write_turn, own_turns=OWN_WRITE_TURNS)
    # Outermost: everything inside sees the client's address, read from X-Forwarded-For only when
    # the connection comes from a trusted proxy (Uvicorn's own middleware).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    for router in (auth_router, regions_router, units_router, pairings_router, reports_router,
                   stats_router, review_router, imports_router, public_router, notices_router, registry_router):
        app.include_router(router, prefix=API_PREFIX)
    for router in (login_pages, worklist_pages, plan_pages, report_pages, table_pages, import_pages,
                   public_pages, notice_pages, registry_pages):
        app.include_router(router)
    document_answers(app)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        return render(request, "docs.html", {"title": app.title, "openapi_url": app.openapi_url},
                      block=None)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # the database is down: say so, without its connection details
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503,
                                headers={"Retry-After": RETRY_AFTER})
        return JSONResponse({"status": "ok"})

    @app.get("/sw.js", include_in_schema=False)
    def service_worker() -> Response:
        # At the root, so that it may serve every page of the site (a worker's scope is its path).
        return Response((STATIC_ROOT / "sw.js").read_bytes(), media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})

    app.mount("/static", Assets(), name="static")
    return app
