from django.http import HttpRequest
from ninja import Router

from parkpilot.cockpit import selectors
from parkpilot.cockpit.schemas import CockpitOut

router = Router(tags=["cockpit"])


@router.get("", response=CockpitOut)
def cockpit(request: HttpRequest):
    """Every tile the user's role gets, computed now, with the alert feed. Park roles only
    (403 for enterprise users, residents and gateways: the cockpit is not an object)."""
    park = selectors.require_cockpit(request.auth)
    return selectors.screen_payload(user=request.auth, park=park)
