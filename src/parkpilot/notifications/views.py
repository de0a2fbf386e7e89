from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from parkpilot.notifications import selectors, services


def _page(request):
    paginator = Paginator(selectors.notification_list(user=request.user), 20)
    return paginator.get_page(request.GET.get("page"))


@login_required
def notification_list(request):
    context = {"page": _page(request), "unread": selectors.unread_count(user=request.user)}
    return TemplateResponse(request, "notifications/list.html", context)


@login_required
def bell(request):
    """The bell's count, fetched by the page after it loads (htmx), so no page pays for it."""
    context = {"unread": selectors.unread_count(user=request.user)}
    return TemplateResponse(request, "notifications/_bell.html", context)


@login_required
@require_POST
def mark_read(request, notification_id: int):
    notification = selectors.notification_get(user=request.user, notification_id=notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    return redirect(notification.link or _next(request))


@login_required
@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(actor=request.user)
    return redirect(_next(request))


def _next(request) -> str:
    """Back to the page the person came from, never to another site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "notifications:list"
