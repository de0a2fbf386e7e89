"""Response headers every page and API answer carries (docs/operations.md, "Production")."""

from django.conf import settings
from django.utils.cache import patch_cache_control

# Features no ParkPilot page uses are switched off for the page and anything it embeds.
# Location stays available to the platform's own pages (residents report a spot on the map).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), geolocation=(self)"
)


class SecurityHeaders:
    """Permissions-Policy everywhere; `Cache-Control: no-store, private` on whatever a signed-in
    person or a token was answered with, so a shared computer's cache or a proxy never keeps a
    tenant's figures. Static files are served before this (WhiteNoise) and stay cacheable.

    "Signed in" is read from the session cookie, not from `request.user`: resolving the user here
    would load the session after the view, on a connection held until the answer ends, so each
    open big-screen stream would pin one (200 screens exhausted PostgreSQL's pool). A stale
    cookie only makes an anonymous answer no-store too, which is the safe side."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        session_cookie = settings.SESSION_COOKIE_NAME
        signed_in = session_cookie in request.COOKIES or session_cookie in response.cookies
        if signed_in or "Authorization" in request.headers:
            patch_cache_control(response, no_store=True, private=True)
        return response
