from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse

from parkpilot.economy import selectors as economy
from parkpilot.projects import selectors as projects
from parkpilot.tenancy import selectors as tenancy


@login_required
def home(request):
    user = request.user
    park = tenancy.park_of(user)
    context = {"park": park}
    if park is not None:
        context |= {
            "headline_figures": economy.published_figures(
                user=user, park_id=park.pk, headline_only=True
            ),
            "economy_chart": economy.economy_chart(user=user, park_id=park.pk, period="2020"),
            "zones": tenancy.zone_list(user=user),
            "enterprise_count": tenancy.enterprise_list(user=user).count(),
            "own_enterprise": user.enterprise if user.is_enterprise_role else None,
            "project_summary": projects.project_summary(user=user),
        }
    return TemplateResponse(request, "portal/home.html", context)
