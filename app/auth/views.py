"""Login and logout pages."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.auth.deps import MaybePrincipal
from app.auth.flows import log_in
from app.auth.service import end_session, start_session
from app.deps import SessionDep, SettingsDep
from app.errors import TooManyAttempts, Unauthorized, Unavailable
from app.web.pages import (
    PRE_COOKIE,
    SESSION_COOKIE,
    csrf_protect,
    redirect,
    render,
    safe_next,
    set_cookie,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/login")
def login_page(request: Request, principal: MaybePrincipal, next: str | None = None) -> Response:
    if principal is not None:
        return redirect(request, safe_next(next))
    return render(request, "auth/login.html", {"next": safe_next(next)})


@router.post("/login")
async def login(request: Request, session: SessionDep, settings: SettingsDep,
                username: Annotated[str, Form(max_length=50)] = "",
                password: Annotated[str, Form(max_length=128)] = "",
                next: Annotated[str, Form()] = "/") -> Response:
    context = {"next": safe_next(next), "username": username}
    if not username or not password:
        return render(request, "auth/login.html", {**context, "error": "请输入用户名和密码"},
                      status_code=422)
    try:
        key = await log_in(request, session, username, password,
                           lambda user: start_session(session, settings, user))
    except (Unauthorized, TooManyAttempts, Unavailable) as exc:
        response = render(request, "auth/login.html", {**context, "error": exc.message},
                          status_code=exc.status_code)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = redirect(request, safe_next(next))
    set_cookie(request, response, SESSION_COOKIE, key, max_age=settings.session_ttl_hours * 3600)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE))
    response = redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
