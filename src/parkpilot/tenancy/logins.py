"""Password sign-ins: throttling (django-axes does the counting and locking) and their trace in
the audit log. Every sign-in, failed or not, is an audit row, so staff can see a guessing run.

Failures count per (user name, address): see settings.AXES_LOCKOUT_PARAMETERS."""

import math

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import LoginView
from django.dispatch import receiver
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import ngettext

from parkpilot.tenancy.models import AuditLog, Park, User

USERNAME_MAX = 150  # the User model's username length: longer input is cut before it is logged


def address_of(request) -> str:
    """The client address django-axes counts against (set by its backend), else the peer."""
    if request is None:
        return ""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def minutes_left(username: str, address: str) -> int:
    """Whole minutes until this (user name, address) may try again; at least 1."""
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=address or None)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    cooloff = settings.AXES_COOLOFF_TIME
    if last is None:
        return max(1, math.ceil(cooloff.total_seconds() / 60))
    left = (last + cooloff - timezone.now()).total_seconds()
    return max(1, math.ceil(left / 60))


def lockout_message(minutes: int) -> str:
    return ngettext(
        "Too many failed sign-ins for this user name from your address. "
        "Try again in %(minutes)d minute, or ask the park administrator to unlock it.",
        "Too many failed sign-ins for this user name from your address. "
        "Try again in %(minutes)d minutes, or ask the park administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def landing() -> dict:
    """What the sign-in page, the site's landing page, says before anyone signs in: which parks
    this platform serves (their names are public) and the way to the residents' front door."""
    return {"parks": list(Park.objects.order_by("name").values_list("name", flat=True)[:5])}


class SignInView(LoginView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **landing()}


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the reason and the wait, as 429 (AXES_LOCKOUT_CALLABLE)."""
    username = _username(request, credentials)
    minutes = minutes_left(username, address_of(request))
    # The admin's login page is refused with the same page: one message, one place to style it.
    context = {"locked_message": lockout_message(minutes), "username": username, **landing()}
    return TemplateResponse(request, "registration/login.html", context, status=429).render()


def _username(request, credentials) -> str:
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username", "")
    return str(name or "")[:USERNAME_MAX]


def _record(
    action: str, username: str, request, user: User | None = None, locked: bool = False
) -> None:
    """One audit row for a sign-in event. Written directly: it has no service transaction, and
    a failed sign-in has no acting user."""
    if user is None:
        user = User.objects.filter(username=username).first()
    AuditLog.objects.create(
        park_id=user.park_id if user else None,
        actor=user if action == "login.success" else None,
        actor_label=username or "-",
        via="admin" if request is not None and request.path.startswith("/admin/") else "ui",
        action=action,
        object_type="tenancy.user",
        object_id=str(user.pk) if user else "",
        object_repr=username or "-",
        before=None,
        after={"address": address_of(request), "locked_out": locked},
    )


@receiver(user_logged_in, dispatch_uid="parkpilot.login.success")
def _on_login(sender, request, user, **kwargs):
    if getattr(request, "method", None) != "POST":
        return  # not a sign-in with a password (the test client's force_login, a token)
    _record("login.success", user.username, request, user)


@receiver(user_login_failed, dispatch_uid="parkpilot.login.failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # django-axes' receiver runs first (its app comes first): `axes_locked_out` then says whether
    # this attempt hit, or was refused by, the lockout.
    locked = bool(getattr(request, "axes_locked_out", False))
    _record("login.failed", _username(request, credentials), request, locked=locked)
