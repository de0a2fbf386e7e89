from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.tenancy import access, selectors, services
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
from parkpilot.tenancy.forms import EnterpriseForm
from parkpilot.tenancy.models import Enterprise
from parkpilot.tenancy.roles import Role

EDITABLE = [
    "name",
    "short_name",
    "credit_code",
    "industry_code",
    "zone_id",
    "above_scale",
    "floor_area_m2",
    "employees",
]


def _enterprise_or_404(request, enterprise_id: int) -> Enterprise:
    try:
        return selectors.enterprise_get(user=request.user, enterprise_id=enterprise_id)
    except NotFound:
        raise Http404 from None


@login_required
def enterprise_list(request):
    q = request.GET.get("q", "").strip()
    enterprises = selectors.enterprise_list(user=request.user, q=q)
    template = "tenancy/enterprise_list.html"
    if request.htmx:
        template += "#rows"
    return TemplateResponse(request, template, {"enterprises": enterprises, "q": q})


@login_required
def enterprise_detail(request, enterprise_id: int):
    enterprise = _enterprise_or_404(request, enterprise_id)
    context = {
        "enterprise": enterprise,
        "can_edit": access.can_change(request.user, enterprise),
        "history": _history(request.user, enterprise),
    }
    return TemplateResponse(request, "tenancy/enterprise_detail.html", context)


def _history(user, enterprise):
    try:
        return selectors.audit_log_list(
            user=user, object_type="tenancy.enterprise", object_id=str(enterprise.pk), limit=20
        )
    except Forbidden:
        return None


@login_required
def enterprise_edit(request, enterprise_id: int):
    enterprise = _enterprise_or_404(request, enterprise_id)
    if not access.can_change(request.user, enterprise):
        raise PermissionDenied
    writable = _writable_fields(request.user, enterprise)
    initial = {name: getattr(enterprise, name) for name in EDITABLE}
    form = EnterpriseForm(
        request.POST or None,
        initial=initial,
        zones=selectors.zone_list(user=request.user),
        writable=writable,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(
                actor=request.user, via="ui", enterprise=enterprise, changes=form.changes()
            )
            return redirect("tenancy:enterprise_detail", enterprise_id=enterprise.pk)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
    return TemplateResponse(
        request, "tenancy/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )


def _writable_fields(user, enterprise) -> set[str]:
    writable = set()
    for name in EDITABLE:
        try:
            access.require_change(user, enterprise, {"zone" if name == "zone_id" else name})
            writable.add(name)
        except Forbidden:
            pass
    return writable


@login_required
def audit_log(request):
    try:
        entries = selectors.audit_log_list(user=request.user, limit=300)
    except Forbidden:
        raise PermissionDenied from None
    return TemplateResponse(request, "tenancy/audit_log.html", {"entries": entries})


@login_required
def login_locks(request):
    if not (request.user.is_superuser or request.user.role == Role.PARK_ADMIN):
        raise Http404
    locked = selectors.locked_login_list(user=request.user)
    return TemplateResponse(request, "tenancy/login_locks.html", {"locked": locked})


@login_required
@require_POST
def login_unlock(request, user_id: int):
    try:
        person = selectors.lockable_user_get(user=request.user, user_id=user_id)
    except NotFound:
        raise Http404 from None
    services.login_unlock(actor=request.user, via="ui", user=person)
    messages.success(request, _("%(name)s may sign in again.") % {"name": person.username})
    return redirect("tenancy:login_locks")
