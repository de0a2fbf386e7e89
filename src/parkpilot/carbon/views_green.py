"""The green-power page: park staff enter any enterprise's purchases and certificates, an
enterprise's admin its own; everyone who may read sees the purchases it may see and, for an
enterprise, both scope 2 figures of the month."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from parkpilot.carbon import rules, selectors_green, services_green
from parkpilot.carbon.models_green import GreenPowerKind, GreenPowerPurchase
from parkpilot.carbon.views import _month, _park
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed


@page(rules.CARBON)
def green_page(request):
    user = request.user
    park = _park(user)
    per = _month(request, park)
    errors, values = {}, {}
    if request.method == "POST":
        if not rules.ENTER_GREEN.allows(user):
            raise PermissionDenied
        values = request.POST.dict()
        if not access.can(user, access.CREATE, GreenPowerPurchase, enterprise_id=None):
            values["enterprise_id"] = str(user.enterprise_id)
        try:
            services_green.purchase_create(
                actor=user, via="ui", park=park, enterprise_id=values.get("enterprise_id"),
                kind=values.get("kind", ""), quantity_mwh=values.get("quantity_mwh", ""),
                period_start=values.get("period_start", ""),
                period_end=values.get("period_end", ""), seller=values.get("seller", ""),
                certificates=values.get("certificates", ""),
                reference=values.get("reference", ""),
            )  # fmt: skip
            return redirect(f"{request.path}?period={per.label}")
        except ValidationFailed as exc:
            errors = {e.field: e.reason for e in exc.errors}
    enterprise = user.enterprise if rules.OWN_CARBON.allows(user) else None
    scope2 = None
    if enterprise is not None:
        try:
            scope2 = selectors_green.enterprise_scope2(
                user=user, park=park, enterprise=enterprise, per=per
            )
        except ValidationFailed as exc:
            errors.setdefault("scope2", str(exc))
    context = {
        "park": park, "per": per, "enterprise": enterprise, "scope2": scope2,
        "purchases": list(selectors_green.purchase_list(user=user, park_id=park.pk)[:200]),
        "kinds": GreenPowerKind.choices, "can_enter": rules.ENTER_GREEN.allows(user),
        "enterprises": list(
            tenancy_selectors.enterprise_list(user=user)
            .filter(park=park)
            .order_by("name")
            .values("id", "name")
        ),
        "errors": errors, "values": values,
    }  # fmt: skip
    return TemplateResponse(request, "carbon/green.html", context)
