"""The front door's pages. Thin: the selectors gather what the apps declare."""

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from parkpilot.notifications import selectors as notifications
from parkpilot.residents import selectors
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import SIGNED_IN, page


def _context(request, tab: str, **extra) -> dict:
    unread = notifications.unread_count(user=request.user)
    return {"tab": tab, "unread": unread, "park": tenancy.park_of(request.user), **extra}


@page(SIGNED_IN)
def home(request):
    park = tenancy.park_of(request.user)
    cards = selectors.cards(user=request.user, park=park) if park else []
    context = _context(request, "home", entries=selectors.entries(user=request.user), cards=cards)
    context["items"] = selectors.my_items(user=request.user)[:3]
    return TemplateResponse(request, "residents/home.html", context)


@page(SIGNED_IN)
def items(request):
    context = _context(request, "items", items=selectors.my_items(user=request.user))
    return TemplateResponse(request, "residents/items.html", context)


@page(SIGNED_IN)
def notification_list(request):
    page = Paginator(notifications.notification_list(user=request.user), 20)
    context = _context(request, "notifications", page=page.get_page(request.GET.get("page")))
    return TemplateResponse(request, "residents/notifications.html", context)


@page(SIGNED_IN)
def me(request):
    return TemplateResponse(request, "residents/me.html", _context(request, "me"))


def offline(request):
    """Shown by the service worker when the phone has no connection. Kept in the phone's cache,
    so it shows nothing personal (no bell, no tabs)."""
    return TemplateResponse(request, "residents/offline.html", {"user": AnonymousUser()})


def manifest(request):
    """The web app manifest, translated, so the installed app carries its Chinese name. Public:
    browsers fetch it without cookies, and it holds nothing of anyone's."""
    icon = static("residents/icon.svg")
    return JsonResponse(
        {
            "name": _("Shanhu Qingfeng · ParkPilot"),
            "short_name": _("Shanhu Qingfeng"),
            "start_url": "/m/",
            "scope": "/m/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b6e4f",
            "icons": [{"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@cache_control(no_cache=True)
def service_worker(request):
    """Served under /m/ so that its scope is the front door (a worker controls only the paths
    below its own URL)."""
    script = render_to_string("residents/sw.js", {"offline_url": "/m/offline/"})
    return HttpResponse(script, content_type="application/javascript")
