from parkpilot.portal.nav import nav_for
from parkpilot.tenancy.selectors import park_of


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "current_park": None}
    return {"nav": nav_for(user), "current_park": park_of(user)}
