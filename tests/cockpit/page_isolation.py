"""Cockpit page routes that name an object (tests/tenancy/test_page_isolation.py): an
enterprise's level of the drill-down is its own people's (and the park's); another enterprise's
user and another park's admin get 404."""

from helpers import PageCase


def _enterprise_level(personas, ent_a):
    return {"level": "enterprise", "pk": ent_a.pk}, ent_a


PAGE_CASES = {
    "cockpit:drill_level": PageCase(_enterprise_level, owner="ent_a_user"),
}
