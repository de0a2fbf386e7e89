"""Reads for tenancy. Everything goes through access.scoped()/get_for()."""

from django.db.models import QuerySet

from parkpilot.tenancy import access
from parkpilot.tenancy.models import AuditLog, Enterprise, Park, User, Zone


def enterprise_list(*, user: User, zone_id: int | None = None, q: str = "") -> QuerySet:
    qs = access.scoped(user, Enterprise).select_related("zone")
    if zone_id is not None:
        qs = qs.filter(zone_id=zone_id)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code__iexact=q)
    return qs.order_by("id")


def enterprise_get(*, user: User, enterprise_id: int) -> Enterprise:
    return access.get_for(user, Enterprise.objects.select_related("zone", "park"), enterprise_id)


def zone_list(*, user: User) -> QuerySet:
    return access.scoped(user, Zone).order_by("id")


def park_of(user: User) -> Park | None:
    """The park the user works in (superusers: the first park, for a single-park install)."""
    if user.park_id:
        return user.park
    if user.is_superuser:
        return Park.objects.order_by("id").first()
    return None


def audit_log_list(
    *, user: User, object_type: str = "", object_id: str = "", limit: int = 200
) -> QuerySet:
    access.require_read(user, AuditLog)
    qs = access.scoped(user, AuditLog).select_related("actor")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs.order_by("-at", "-id")[:limit]
