"""Response headers every page and API answer carries (docs/operations.md, "Production")."""

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
    tenant's figures. Static files are served before this (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or "Authorization" in request.headers:
            patch_cache_control(response, no_store=True, private=True)
        return response
