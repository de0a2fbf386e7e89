from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def hello(request):
    return HttpResponse(f"example page of {request.user.park.code}")
