"""{{ code|industry_label }}: a GB/T 4754 code with its Chinese name, e.g. "C34 通用设备制造业"."""

from django import template

from parkpilot.tenancy import industry

register = template.Library()


@register.filter
def industry_label(code: str) -> str:
    return industry.label(code or "")
