"""Routes public by design are declared in one list (parkpilot.plugins.public_routes); every other
page and API route, walked from the URL resolver, refuses an anonymous caller: a page sends them
to the sign-in page, the API answers 401. A new route is covered the day it is added."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from parkpilot import plugins

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "i18n/")  # Django's own admin (staff sign-in) and language switch


def _routes(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route in SKIPPED_PREFIXES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, route, inner)
        else:
            yield route, f"{namespace}{pattern.name}"


def _path(route: str) -> str:
    """A concrete path for a route: any id, any word (nothing exists: only sign-in is at stake)."""
    path = re.sub(r"<int:\w+>", "999999", route)
    return "/" + re.sub(r"<(?:str:)?\w+>", "x", path)


def _refused(route: str, response) -> bool:
    if response.status_code == 405:  # the method is not served at all
        return True
    if route.startswith("api/"):
        return response.status_code == 401
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


ROUTES = sorted(set(_routes()))


def test_the_walk_finds_the_pages_and_the_api():
    names = {name for _route, name in ROUTES}
    assert {"portal:home", "energy:quality", "carbon:report_pdf", "api:health"} <= names
    assert len(ROUTES) > 150  # pages and API operations (67 + 90 when this test was written)


def test_every_route_not_declared_public_refuses_an_anonymous_caller():
    client = Client()
    answered = [
        f"{name}: {method.upper()} {response.status_code}"
        for route, name in ROUTES
        if name not in plugins.public_routes()
        for method in ("get", "post")
        if not _refused(route, response := getattr(client, method)(_path(route)))
    ]
    assert answered == []


@pytest.mark.parametrize("name", sorted(plugins.public_routes()))
def test_every_declared_public_route_exists_and_answers_without_a_sign_in(name):
    routes = {n: r for r, n in ROUTES}
    assert name in routes, f"{name} is declared public but no such route exists"
    response = Client().post(_path(routes[name])) if name == "logout" else None
    response = response or Client().get(_path(routes[name]))
    assert response.status_code in (200, 302, 404)
    assert not (response.status_code == 302 and "/accounts/login/?next" in response["Location"])
