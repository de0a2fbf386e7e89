"""`{{ text|shown }}`: a stored text (parkpilot.stored_text) in the reader's language."""

from django import template

from parkpilot import stored_text

register = template.Library()


@register.filter
def shown(text):
    return stored_text.shown(text)
