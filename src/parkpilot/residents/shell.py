"""What every app's page in the residents' front door shares: the shell's bell count and tab,
and refusals shown as messages on the page."""

from django.contrib import messages
from django.template.response import TemplateResponse

from parkpilot.notifications import selectors as notifications
from parkpilot.tenancy.errors import ValidationFailed


def render(request, template: str, context: dict, tab: str = ""):
    """A page in the residents' shell, which shows the bell's count and the current tab."""
    context |= {"unread": notifications.unread_count(user=request.user), "tab": tab}
    return TemplateResponse(request, template, context)


def refused(request, exc: ValidationFailed) -> None:
    for error in exc.errors:
        messages.error(request, error.reason)
