"""Every page route that names an object is checked for tenant isolation, as every API route is
(test_route_isolation.py): a new page route without a case fails
`test_every_object_page_has_an_isolation_case`.

Each app keeps its cases in tests/<app>/page_isolation.py as `PAGE_CASES = {url name: PageCase}`.
A case makes an object of ent_a's (through the app's own services) and says who owns it; the
harness then checks, with real signed-in sessions, that the owner can open the page (so the case
is not vacuous), that each outsider gets 404 on GET and on POST, and that the object's row is
unchanged. `test_breaking_the_scoping_filter_fails_the_cases` proves the cases can fail."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from helpers import PageCase

pytestmark = pytest.mark.django_db


def _object_routes(patterns=None, namespace="") -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) in ("api/", "admin/", "i18n/"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _object_routes(pattern.url_patterns, inner)
        elif re.search(r"<int:\w+>", str(pattern.pattern)):
            names.add(f"{namespace}{pattern.name}")
    return names


def _app_cases() -> dict:
    cases = {}
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/page_isolation.py")):
        spec = importlib.util.spec_from_file_location(f"page_isolation_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases |= module.PAGE_CASES
    return cases


CASES = _app_cases()


def _row(obj) -> dict:
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def check(url_name: str, case: PageCase, personas, ent_a) -> None:
    kwargs, obj = case.make(personas, ent_a)
    url = reverse(url_name, kwargs=kwargs)
    before = _row(obj)
    for persona in case.outsiders:
        client = Client()
        client.force_login(personas[persona])
        answers = [client.get(url).status_code, client.post(url).status_code]
        # 405 for the method a route does not serve says nothing of the object; one of the two
        # methods is served, and that one must not find someone else's object.
        assert set(answers) <= {404, 405} and 404 in answers, f"{persona}: {url} answered {answers}"
    assert _row(obj) == before, f"{url}: an outsider changed the object"
    owner = Client()
    owner.force_login(personas[case.owner])
    answers = [owner.get(url).status_code, owner.post(url).status_code]
    served = [a for a in answers if a not in (404, 405)]
    assert served, f"{case.owner} cannot open {url} ({answers}): the case is vacuous"


def test_every_object_page_has_an_isolation_case():
    missing = _object_routes() - set(CASES)
    assert not missing, f"page routes without a tenant-isolation case: {sorted(missing)}"
    stale = set(CASES) - _object_routes()
    assert not stale, f"isolation cases for page routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("url_name", sorted(CASES))
def test_page_isolation(url_name, personas, ent_a, ent_b, ent_other_park):
    check(url_name, CASES[url_name], personas, ent_a)


def test_breaking_the_scoping_filter_fails_the_cases(
    monkeypatch, personas, ent_a, ent_b, ent_other_park
):
    """With the access rule's park and enterprise filters gone, the cases must fail: they test
    the rule, not themselves."""
    from parkpilot.tenancy import access

    monkeypatch.setattr(access, "scoped", lambda user, qs: _all(qs))
    url_name = "tenancy:enterprise_detail"
    with pytest.raises(AssertionError, match=r"answered \[200"):
        check(url_name, CASES[url_name], personas, ent_a)


def _all(queryset):
    return queryset._default_manager.all() if isinstance(queryset, type) else queryset
