"""The inbox pages: the notices of the signed-in user, marked read one by one or all at once, and
the badge in the page header (loaded by htmx, so that no page waits for it)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.deps import PagePrincipal
from app.common import clock_now
from app.deps import PathId, SessionDep, SettingsDep
from app.notices import service
from app.web.pages import csrf_protect, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/notifications")
def inbox_page(request: Request, session: SessionDep, user: PagePrincipal) -> Response:
    return render(request, "notices/inbox.html", {
        "title": "通知", "notices": service.inbox(session, user),
    })


@router.get("/notifications/badge")
def badge(session: SessionDep, user: PagePrincipal) -> Response:
    unread = service.unread_count(session, user)
    count = f' <span class="count" aria-label="{unread} 条未读">{min(unread, 99)}</span>' if unread else ""
    # The header's link in the menu, and (out of band) its twin beside the phone's 菜单 button.
    return HTMLResponse(f'<a class="inbox-link" id="inbox-link" href="/notifications">通知{count}</a>'
                        f'<a class="inbox-link inbox-phone" id="inbox-phone" href="/notifications" '
                        f'hx-swap-oob="true">通知{count}</a>')


@router.post("/notifications/{notification_id}/read")
def read(notification_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
         user: PagePrincipal) -> Response:
    service.mark_read(session, user, notification_id, clock_now(settings))
    return redirect(request, "/notifications")


@router.post("/notifications/read-all")
def read_all(request: Request, session: SessionDep, settings: SettingsDep, user: PagePrincipal) -> Response:
    now = clock_now(settings)
    for notice in service.inbox(session, user, unread=True, limit=1000):
        notice.read_at = now
    return redirect(request, "/notifications")
