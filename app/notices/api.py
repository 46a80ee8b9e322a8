"""JSON API of notifications: the caller's inbox, and the delivery log for officers."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentPrincipal
from app.common import clock_now
from app.deps import PathId, SessionDep, SettingsDep
from app.notices import service
from app.notices.models import DeliveryPublic, Notification, NotificationPublic
from app.openapi import answers

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationPublic], summary="本人的通知（站内信）")
def list_notifications(session: SessionDep, principal: CurrentPrincipal,
                       unread: Annotated[bool, Query(description="只看未读")] = False) -> list[Notification]:
    return service.inbox(session, principal, unread)


@router.get("/notifications/deliveries", response_model=list[DeliveryPublic], summary="通知发送记录（扶贫办）",
            responses=answers(403, 404))
def list_deliveries(session: SessionDep, principal: CurrentPrincipal,
                    county_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="县代码")] = None,
                    week: Annotated[str | None, Query(pattern=r"^[0-9]{4}-W[0-9]{2}$", description="周次")] = None,
                    ) -> list[DeliveryPublic]:
    return service.delivery_log(session, principal, county_code, week)


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic, summary="标为已读",
             responses=answers(404))
def read_notification(notification_id: PathId, session: SessionDep, settings: SettingsDep,
                      principal: CurrentPrincipal) -> Notification:
    return service.mark_read(session, principal, notification_id, clock_now(settings))
