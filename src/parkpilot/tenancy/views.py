import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.tenancy import access, rules, selectors, services
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.forms import EnterpriseForm
from parkpilot.tenancy.models import Enterprise, TokenScope

PAGE_SIZE = 50

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
    return selectors.enterprise_get(user=request.user, enterprise_id=enterprise_id)


@page(rules.ENTERPRISES)
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
        "can_edit": access.can(request.user, access.CHANGE, enterprise),
        "history": _history(request.user, enterprise),
    }
    return TemplateResponse(request, "tenancy/enterprise_detail.html", context)


def _history(user, enterprise):
    if not rules.AUDIT_LOG.allows(user):
        return None
    return selectors.audit_log_list(
        user=user, object_type="tenancy.enterprise", object_id=str(enterprise.pk)
    )[:20]


@login_required
def enterprise_edit(request, enterprise_id: int):
    enterprise = _enterprise_or_404(request, enterprise_id)
    if not access.can(request.user, access.CHANGE, enterprise):
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


def _field_of(form_name: str) -> str:
    return "zone" if form_name == "zone_id" else form_name


def _writable_fields(user, enterprise) -> set[str]:
    return {
        name
        for name in EDITABLE
        if access.can(
            user, access.CHANGE, enterprise, fields={"zone" if name == "zone_id" else name}
        )
    }


AUDIT_FILTERS = ("actor", "action", "object_type", "object_id")


@page(rules.AUDIT_LOG)
def audit_log(request):
    filters = {name: request.GET.get(name, "").strip()[:100] for name in AUDIT_FILTERS}
    errors = {}
    for name in ("since", "until"):
        filters[name], errors[name] = _date_param(request.GET.get(name, ""))
    entries = selectors.audit_log_list(user=request.user, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": request.GET.copy(),
        "filters": request.GET,
        "errors": {k: v for k, v in errors.items() if v},
    }
    return TemplateResponse(request, "tenancy/audit_log.html", context)


def _date_param(text: str) -> tuple[datetime.date | None, str]:
    """(the day, "") or (None, the reason): a date the user typed into a filter."""
    text = text.strip()
    if not text:
        return None, ""
    try:
        return datetime.date.fromisoformat(text), ""
    except ValueError:
        return None, _("Not a date: use YYYY-MM-DD.")


@page(rules.MANAGE_PEOPLE, hidden=True)
def login_locks(request):
    locked = selectors.locked_login_list(user=request.user)
    return TemplateResponse(request, "tenancy/login_locks.html", {"locked": locked})


@login_required
@require_POST
def login_unlock(request, user_id: int):
    person = selectors.lockable_user_get(user=request.user, user_id=user_id)
    services.login_unlock(actor=request.user, via="ui", user=person)
    messages.success(request, _("%(name)s may sign in again.") % {"name": person.username})
    return redirect("tenancy:login_locks")


@page(rules.TOKENS)
def token_list(request):
    """Your API tokens (a park admin also sees the park's), a form for a new one, revoke."""
    secret = None
    errors = {}
    if request.method == "POST":
        try:
            secret = services.api_token_create(
                actor=request.user,
                via="ui",
                user=request.user,
                name=request.POST.get("name", ""),
                scope=request.POST.get("scope") or None,
                expires_in_days=_int_or_none(request.POST.get("expires_in_days")),
            )
        except ValidationFailed as exc:
            errors = {e.field: e.reason for e in exc.errors}
    everyone = request.GET.get("everyone") == "1"
    tokens = selectors.api_token_list(user=request.user, everyone=everyone)
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": request.GET.copy(),
        "everyone": everyone,
        "may_see_everyone": rules.MANAGE_PEOPLE.allows(request.user),
        "secret": secret,
        "errors": errors,
        "entered": request.POST if errors else {},  # a refused form keeps what was typed
        "person_scopes": [TokenScope.READ, TokenScope.WRITE],
    }
    return TemplateResponse(request, "tenancy/tokens.html", context)


def _int_or_none(text: str | None) -> int | str | None:
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text  # the service names a non-number's field


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    services.api_token_revoke(actor=request.user, via="ui", token=token)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("tenancy:tokens")
