from django.http import HttpRequest
from ninja import Router

from parkpilot.cockpit import rules, selectors, selectors_drill
from parkpilot.cockpit.schemas import CockpitOut, DrillOut
from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.selectors import park_of

router = Router(tags=["cockpit"])


@router.get("", response=CockpitOut)
def cockpit(request: HttpRequest):
    """Every tile the user's role gets, computed now, with the alert feed. Park roles only
    (403 for enterprise users, residents and gateways: the cockpit is not an object)."""
    park = selectors.require_cockpit(request.auth)
    return selectors.screen_payload(user=request.auth, park=park)


def _drill(request, level: str, pk: int | None, period, kind, industry) -> dict:
    user = request.auth
    if not rules.DRILL.allows(user):
        raise Forbidden
    park = park_of(user)
    if park is None:
        raise NotFound
    return selectors_drill.drill_query(
        user=user, park=park, level=level, pk=pk, period=period, kind=kind, industry=industry
    )


@router.get("/drill", response=DrillOut, url_name="cockpit_drill")
def drill_park(
    request: HttpRequest, period: str | None = None, kind: str | None = None,
    industry: str | None = None,
):  # fmt: skip
    """The drill-down's park level, as the page shows it (`?period=2026|2026-11|2026-11-05`,
    `kind`, `industry`): park roles only."""
    return _drill(request, "park", None, period, kind, industry)


@router.get("/drill/{level}/{pk}", response=DrillOut, url_name="cockpit_drill_level")
def drill_level(
    request: HttpRequest, level: str, pk: int, period: str | None = None,
    kind: str | None = None, industry: str | None = None,
):  # fmt: skip
    """A zone, an enterprise or a metering point: an enterprise's user opens only its own
    enterprise and points (404 for anything else, as on the page)."""
    return _drill(request, level, pk, period, kind, industry)
