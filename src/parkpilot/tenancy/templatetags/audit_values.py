"""An audit entry for a reader: `{{ e.after|audit_values }}` shows its values as
"员工人数：12；规上企业：是" (each field by its label, parkpilot.field_labels), never a raw dict;
`{{ e.via|via_label }}` names the channel (also a row's source: form, import, mqtt, ...)."""

from django import template
from django.utils.translation import gettext, pgettext, pgettext_lazy

from parkpilot.field_labels import label_of, value_label

register = template.Library()

VIA = {
    "ui": pgettext_lazy("audit via", "web page"),
    "web": pgettext_lazy("audit via", "web page"),
    "api": pgettext_lazy("audit via", "API"),
    "token": pgettext_lazy("audit via", "API token"),
    "cli": pgettext_lazy("audit via", "command line"),
    "admin": pgettext_lazy("audit via", "admin site"),
    "system": pgettext_lazy("audit via", "system"),
    "task": pgettext_lazy("audit via", "system"),
    "demo": pgettext_lazy("audit via", "demo loader"),
    "simulator": pgettext_lazy("audit via", "simulator"),
    "mqtt": pgettext_lazy("audit via", "MQTT"),
    # Where a row came from (economy's monthly returns, energy's dead letters): the same idea.
    "form": pgettext_lazy("audit via", "web page"),
    "import": pgettext_lazy("audit via", "file import"),
    "file": pgettext_lazy("audit via", "file import"),
    "http": pgettext_lazy("audit via", "API"),
    "rollup": pgettext_lazy("audit via", "counter check"),
}


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        return "、".join(_value(v) for v in value)
    if isinstance(value, dict):
        return f"（{audit_values(value)}）"
    return str(value)


@register.filter
def audit_values(values) -> str:
    if values is None or values == {}:
        return ""
    if not isinstance(values, dict):
        return _value(values)
    pair = gettext("%(field)s: %(reason)s")
    return pgettext("list separator", "; ").join(
        pair % {"field": label_of(k), "reason": _value(value_label(k, v))}
        for k, v in values.items()
    )


@register.filter
def via_label(via: str) -> str:
    return str(VIA.get(via, via))
