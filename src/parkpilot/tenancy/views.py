from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.inputs import Fields
from parkpilot.tenancy import access, rules, selectors, services
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.forms import EnterpriseForm
from parkpilot.tenancy.models import Enterprise, TokenScope
from parkpilot.tenancy.roles import Role

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
    # A filter, but one the person typed: a bad day is named beside its field (and not used).
    fields = Fields()
    for name in ("since", "until"):
        filters[name] = selectors.audit_day(fields, name, request.GET.get(name))
    entries = selectors.audit_log_list(user=request.user, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": request.GET.copy(),
        "filters": request.GET,
        "errors": {e.field: e.reason for e in fields.errors},
    }
    return TemplateResponse(request, "tenancy/audit_log.html", context)


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
                expires_in_days=request.POST.get("expires_in_days"),
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


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    services.api_token_revoke(actor=request.user, via="ui", token=token)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("tenancy:tokens")


# --- the park's people -------------------------------------------------------------------

PERSON_FIELDS = ("username", "display_name", "email", "role", "enterprise_id")


def _people_context(request, **extra) -> dict:
    user = request.user
    q, role, active = (request.GET.get(k, "").strip() for k in ("q", "role", "active"))
    people = selectors.people_list(user=user, q=q, role=role, active=active)
    return {
        "page": Paginator(people, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "role": role,
        "active": active,
        "roles": _role_choices(user),
        "enterprises": _enterprise_choices(user),
        "errors": {},
        "entered": {},
        **extra,
    }


def _role_choices(user) -> list[tuple[str, str]]:
    labels = dict(Role.choices)
    return [(code, labels[code]) for code in services.person_roles_for(user)]


def _enterprise_choices(user):
    """A park admin names the enterprise of an enterprise role; an enterprise admin's staff are
    always of its own (the form does not ask)."""
    if not rules.MANAGE_PEOPLE.allows(user):
        return None
    return selectors.enterprise_list(user=user).order_by("name")


@page(rules.PEOPLE, hidden=True)
def people(request):
    """Everyone this administrator manages, and the form to invite someone."""
    context = {}
    if request.method == "POST":
        data = {name: request.POST.get(name, "") for name in PERSON_FIELDS}
        try:
            person, link = services.person_invite(
                actor=request.user, via="ui", park=selectors.park_of(request.user), data=data
            )
            context = {"invited": person, "link": request.build_absolute_uri(link)}
        except ValidationFailed as exc:
            context = {"errors": {e.field: e.reason for e in exc.errors}, "entered": data}
    return TemplateResponse(request, "tenancy/people.html", _people_context(request, **context))


@page(rules.PEOPLE, hidden=True)
def person(request, person_id: int):
    """One person: their details and role, a set-password link, deactivate or reactivate, and
    what was done to their account."""
    found = selectors.person_get(user=request.user, person_id=person_id)
    context = {"person": found, "errors": {}, "link": None}
    if request.method == "POST":
        context |= _person_action(request, found)
        found = selectors.person_get(user=request.user, person_id=person_id)
    context |= {
        "person": found,
        "roles": _role_choices(request.user),
        "enterprises": _enterprise_choices(request.user),
        "history": selectors.person_history(user=request.user, person=found),
    }
    return TemplateResponse(request, "tenancy/person.html", context)


def _person_action(request, found) -> dict:
    action, actor = request.POST.get("action", ""), request.user
    try:
        if action == "update":
            data = {name: request.POST.get(name, "") for name in PERSON_FIELDS[1:]}
            if _enterprise_choices(actor) is None:
                data.pop("enterprise_id")
            services.person_update(actor=actor, via="ui", person=found, data=data)
            messages.success(request, _("Saved."))
        elif action in ("deactivate", "reactivate"):
            active = action == "reactivate"
            services.person_set_active(actor=actor, via="ui", person=found, active=active)
            messages.success(request, _("Saved."))
        elif action == "password_link":
            link = services.person_password_link(actor=actor, via="ui", person=found)
            return {"link": request.build_absolute_uri(link)}
        else:
            return {"errors": {"action": _("Unknown action.")}}
    except ValidationFailed as exc:
        return {"errors": {e.field: e.reason for e in exc.errors}}
    return {}
