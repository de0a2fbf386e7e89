from django.db.models import Count, QuerySet, Sum

from parkpilot.projects.models import Project
from parkpilot.tenancy import access


def project_list(*, user) -> QuerySet:
    return access.scoped(user, Project).select_related("zone").order_by("id")


def project_summary(*, user) -> dict:
    totals = project_list(user=user).aggregate(
        count=Count("id"), investment=Sum("investment_100m_cny")
    )
    return {"count": totals["count"], "investment_100m_cny": totals["investment"] or 0}
