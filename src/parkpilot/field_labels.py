"""The label a person reads for a field an error names (`FieldError.field` is the machine name,
kept as the API's `loc`): "编码：园区内编码已存在。", never "code: ...".

A field is looked up in FIELD_LABELS (names that are no model field: a form's file, a payload,
an action), then among the installed models' fields (their verbose_name, by name and by
attname, so `enterprise_id` reads as 企业); a name found nowhere is shown as it is. A stored
choice value reads as its label the same way (`value_label`)."""

from functools import cache

from django.apps import apps
from django.utils.translation import gettext, pgettext_lazy

FIELD_LABELS = {
    "file": pgettext_lazy("field", "File"),
    "payload": pgettext_lazy("field", "Request body"),
    "reading": pgettext_lazy("field", "Reading"),
    "point": pgettext_lazy("field", "Metering point"),
    "ts": pgettext_lazy("field", "Time"),
    "value": pgettext_lazy("field", "Value"),
    "unit": pgettext_lazy("field", "Unit"),
    "code": pgettext_lazy("field", "Code"),
    "name": pgettext_lazy("field", "Name"),
    "kind": pgettext_lazy("field", "Kind"),
    "status": pgettext_lazy("field", "Status"),
    "reason": pgettext_lazy("field", "Reason"),
    "note": pgettext_lazy("field", "Note"),
    "action": pgettext_lazy("field", "Action"),
    "keep": pgettext_lazy("field", "Value to keep"),
    "effective_at": pgettext_lazy("field", "Effective from"),
    "start_value": pgettext_lazy("field", "Start value"),
    "enterprise_id": pgettext_lazy("field", "Enterprise"),
    "zone_id": pgettext_lazy("field", "Zone"),
    "year": pgettext_lazy("field", "Year"),
    "month": pgettext_lazy("field", "Month"),
    "period": pgettext_lazy("field", "Period"),
    "level": pgettext_lazy("field", "Level"),
    "scope": pgettext_lazy("field", "Scope"),
    "version": pgettext_lazy("field", "Version"),
    "credit_code": pgettext_lazy("field", "Unified social credit code"),
    "industry_code": pgettext_lazy("field", "Industry code"),
    "expires_days": pgettext_lazy("field", "Valid for (days)"),
    "seq": pgettext_lazy("field", "Sequence number"),
    "readings": pgettext_lazy("field", "Readings"),
    "created": pgettext_lazy("field", "Created"),
    "updated": pgettext_lazy("field", "Updated"),
    # a person's account (people pages, sign-in audit rows)
    "username": pgettext_lazy("field", "User name"),
    "email": pgettext_lazy("field", "E-mail"),
    "address": pgettext_lazy("field", "Network address"),
    "locked_out": pgettext_lazy("field", "Locked out"),
    # a building entered as equal floors (space)
    "lowest": pgettext_lazy("field", "Lowest floor"),
    "highest": pgettext_lazy("field", "Highest floor"),
    "floor_area_m2": pgettext_lazy("field", "Each floor's area (m²)"),
    # a loan's balance, a property the audit log keeps beside the state (talent)
    "outstanding_fen": pgettext_lazy("field", "Outstanding (fen)"),
    # the demo load's counts that name no model
    "green_power": pgettext_lazy("field", "Green power purchases"),
    "economy_monthly": pgettext_lazy("field", "Monthly economic figures"),
    "project_contact": pgettext_lazy("field", "Project contacts"),
    "project_stage_summary": pgettext_lazy("field", "Stage summaries"),
    "service_event": pgettext_lazy("field", "Service request events"),
    "bus calendar": pgettext_lazy("field", "Bus service calendars"),
    "bus zone": pgettext_lazy("field", "Demand-responsive zones"),
    "bus demand request": pgettext_lazy("field", "Demand-responsive requests"),
}


@cache
def _model_labels(*, defaults: bool = False) -> dict:
    """Field name (and attname) → its verbose_name. Django's default verbose_name (the name
    with spaces) is no label: those are kept apart (`defaults=True`), asked after the models'
    own names, so `park` reads as the model 园区, not as "park"."""
    labels: dict = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if (field.verbose_name == field.name.replace("_", " ")) != defaults:
                continue
            for name in {field.name, field.attname}:
                labels.setdefault(name, field.verbose_name)
    return labels


@cache
def _model_names() -> dict:
    """`published_figure` (a count per model, as the demo's audit row keeps them) → the model's
    verbose_name; the first installed model of a name wins."""
    names: dict = {}
    for model in apps.get_models():
        label = model._meta.verbose_name
        names.setdefault(model._meta.model_name, label)
        # also under its app's name: `carbon_year_settings`, `bus trip`
        names.setdefault(model._meta.app_label + model._meta.model_name, label)
    return names


@cache
def _choice_labels() -> dict:
    """Field name → {stored value: label}, from the installed models' choices (fields of one
    name in several models pool their choices; the first label of a value wins)."""
    labels: dict = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            for value, label in field.flatchoices if field.choices else ():
                labels.setdefault(field.name, {}).setdefault(value, label)
    return labels


def value_label(field: str, value):
    """A stored choice value (`ev_charging`) as its label (充电桩); other values as they are."""
    if isinstance(value, str):
        return _choice_labels().get(field, {}).get(value, value)
    return value


def label_of(field: str) -> str:
    """`field`'s label in the active language."""
    label = (
        FIELD_LABELS.get(field)
        or _model_labels().get(field)
        or _model_names().get(field.replace("_", "").replace(" ", "").lower())
        or _model_labels(defaults=True).get(field)
    )
    return str(label) if label else field


def error_text(error) -> str:
    """A FieldError as one line: its field's label and its reason, in the active language."""
    from parkpilot.stored_text import shown

    reason = shown(error.reason)
    if not error.field:
        return reason
    return gettext("%(field)s: %(reason)s") % {"field": label_of(error.field), "reason": reason}
