"""Domain errors map to HTTP once for pages, as parkpilot/api.py does for the API: a view (or
the selector it calls) raises tenancy's NotFound or Forbidden and the visitor gets the 404 or 403
page. NotFound covers "someone else's" too, so existence never leaks."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parkpilot.tenancy.errors import Forbidden, NotFound


class DomainErrors:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Raised again as Django's own, so its handlers render the 404/403 templates.
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(str(exception)) from exception
        return None
