from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse

from parkpilot.portal import selectors
from parkpilot.tenancy import selectors as tenancy


@login_required
def home(request):
    park = tenancy.park_of(request.user)
    cards = selectors.home_cards(user=request.user, park=park) if park is not None else []
    return TemplateResponse(request, "portal/home.html", {"park": park, "cards": cards})
