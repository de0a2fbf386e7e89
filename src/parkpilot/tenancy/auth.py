"""API authentication: bearer tokens for clients and gateways, the session (+ CSRF) for the UI."""

from django.utils.translation import gettext
from ninja.security import HttpBearer, SessionAuth

from parkpilot.tenancy.errors import Forbidden
from parkpilot.tenancy.models import TokenScope
from parkpilot.tenancy.services import api_token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_authenticate(token)
        if user is None:
            return None
        if user.api_token.scope == TokenScope.READ and request.method not in SAFE_METHODS:
            raise Forbidden(gettext("A read-only token cannot change data."))
        request.user = user
        request.audit_via = "token"
        return user


class Session(SessionAuth):
    def _get_key(self, request):
        # Without a signed-in session there is nothing to forge: no CSRF check, so a client with
        # a missing or wrong token hears 401 "unauthorized", not 403 "CSRF check failed".
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.audit_via = "api"
        return user


API_AUTH = [BearerToken(), Session()]


def via_of(request) -> str:
    return getattr(request, "audit_via", "ui")
