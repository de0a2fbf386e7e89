from ninja import Router
from ninja.pagination import paginate

from parkpilot.notifications import selectors, services
from parkpilot.notifications.schemas import MarkedOut, NotificationOut, UnreadOut
from parkpilot.pagination import LimitOffsetPagination

router = Router(tags=["notifications"])


@router.get("", response=list[NotificationOut])
@paginate(LimitOffsetPagination)
def notification_list(request, unread: bool = False):
    return selectors.notification_list(user=request.auth, unread=unread)


@router.get("/unread", response=UnreadOut)
def unread_count(request):
    return {"unread": selectors.unread_count(user=request.auth)}


@router.post("/{notification_id}/read", response=NotificationOut)
def mark_read(request, notification_id: int):
    notification = selectors.notification_get(user=request.auth, notification_id=notification_id)
    return services.notification_mark_read(actor=request.auth, notification=notification)


@router.post("/read-all", response=MarkedOut)
def mark_all_read(request):
    return {"marked": services.notification_mark_all_read(actor=request.auth)}
