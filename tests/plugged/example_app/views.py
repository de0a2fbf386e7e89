from django.http import HttpResponse

from parkpilot.tenancy.access import Rule, page

# The page is for the app's own role; its navigation entry asks the same rule.
HELPERS = Rule(roles=frozenset({"example_helper"}))


@page(HELPERS)
def hello(request):
    return HttpResponse(f"example page of {request.user.park.code}")
