from django.shortcuts import redirect
from django.template.response import TemplateResponse

from parkpilot.portal import selectors
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import SIGNED_IN, front_door_person, page


@page(SIGNED_IN)
def home(request):
    if front_door_person(request.user) and "desktop" not in request.GET:
        return redirect("residents:home")  # residents live on their phones: their front door
    park = tenancy.park_of(request.user)
    cards = selectors.home_cards(user=request.user, park=park) if park is not None else []
    return TemplateResponse(request, "portal/home.html", {"park": park, "cards": cards})
