"""Amounts of the pool, kept as whole fen, shown in yuan or in 万元."""

from decimal import Decimal

from django import template

from parkpilot.talent import pool as core

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """12345678 fen → "123,456.78"."""
    return "" if fen in (None, "") else f"{core.to_yuan(int(fen)):,}"


@register.filter
def wan(fen) -> str:
    """2620000000 fen (¥26,200,000) → "2,620" (万元, to two decimals when not whole)."""
    if fen in (None, ""):
        return ""
    value = (Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01"))
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"


@register.filter
def percent(ratio) -> str:
    """Decimal("0.131") → "13.1"."""
    return f"{(Decimal(ratio) * 100).quantize(Decimal('0.1'))}"
