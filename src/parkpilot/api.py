"""The HTTP API: /api/v1/..., schema at /api/openapi.json, docs at /api/docs.

Each app contributes one ninja Router through its AppConfig (`api_router`, parkpilot.plugins);
domain errors map to HTTP here, once."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.utils.translation import gettext, gettext_lazy
from ninja import NinjaAPI, Schema
from ninja import errors as ninja_errors

import parkpilot
from parkpilot import inputs, openapi, plugins
from parkpilot.field_labels import error_text
from parkpilot.tenancy.auth import API_AUTH
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, NotFound, ValidationFailed
from parkpilot.uploads import UploadTooLarge


class ParkPilotAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return openapi.add_error_responses(super().get_openapi_schema(**kwargs), response_codes())


api = ParkPilotAPI(
    title="ParkPilot API",
    version="1",
    description=(
        "园区数智领航平台 API. Bearer token (`parkpilot token USERNAME`) or the UI session."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)


@api.exception_handler(NotFound)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Not Found", "code": "not_found"}, status=404)


@api.exception_handler(Forbidden)
def _forbidden(request, exc):
    detail = str(exc) or gettext("You do not have permission to do this.")
    return api.create_response(request, {"detail": detail, "code": "forbidden"}, status=403)


@api.exception_handler(ValidationFailed)
def _validation_failed(request, exc: ValidationFailed):
    # Same shape as ninja's own 422s, so clients read one error format; `msg` names the field by
    # its label in the request's language, `loc` keeps its machine name.
    detail = [
        {"loc": ["body", e.field], "msg": error_text(e), "type": e.code, "code": e.code}
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": detail, "code": "invalid"}, status=422)


# Ninja's own errors get the same stable `code` beside their detail.
@api.exception_handler(ninja_errors.AuthenticationError)
def _unauthorized(request, exc):
    return api.create_response(
        request, {"detail": "Unauthorized", "code": "unauthorized"}, status=401
    )


@api.exception_handler(ninja_errors.ValidationError)
def _invalid(request, exc):
    detail = [_schema_error(e) for e in exc.errors]
    return api.create_response(request, {"detail": detail, "code": "invalid"}, status=422)


# pydantic's messages for the common codes, in the request's language (others stay pydantic's).
SCHEMA_REASONS = {
    Code.REQUIRED: gettext_lazy("Required."),
    Code.NOT_A_NUMBER: gettext_lazy("Must be a number."),
    Code.TOO_LONG: gettext_lazy("Too long."),
}


# A value of the wrong type reads as the input layer's refusal of it, so a page's form and the
# API answer the same bad value alike (parkpilot/inputs.py).
AS_INPUTS = {
    "int_parsing": (Code.NOT_A_NUMBER, inputs.WHOLE),
    "int_type": (Code.NOT_A_NUMBER, inputs.WHOLE),
    "int_from_float": (Code.FORMAT, inputs.WHOLE),
    "date_parsing": (Code.FORMAT, inputs.DATE),
    "date_type": (Code.FORMAT, inputs.DATE),
    "date_from_datetime_parsing": (Code.FORMAT, inputs.DATE),
    "date_from_datetime_inexact": (Code.FORMAT, inputs.DATE),
    "datetime_parsing": (Code.FORMAT, inputs.MOMENT),
    "datetime_type": (Code.FORMAT, inputs.MOMENT),
    "datetime_from_date_parsing": (Code.FORMAT, inputs.MOMENT),
}


def _schema_error(e: dict) -> dict:
    """A schema error as ours: its field by label in `msg`, the machine `loc` kept."""
    code = _schema_error_code(e.get("type", ""))
    reason = SCHEMA_REASONS.get(code, e.get("msg", ""))
    code, reason = AS_INPUTS.get(e.get("type", ""), (code, reason))
    reason = str(reason)
    loc = e.get("loc") or ()
    field = str(loc[-1]) if loc and loc[-1] not in ("body", "query", "path") else ""
    return {**e, "msg": error_text(FieldError(field, reason, code)), "code": code}


def _schema_error_code(pydantic_type: str) -> str:
    """pydantic's error type as one of the shared codes."""
    if pydantic_type == "missing":
        return Code.REQUIRED
    if pydantic_type.endswith("_parsing") and pydantic_type[:3] in ("int", "flo", "dec"):
        return Code.NOT_A_NUMBER
    if pydantic_type in ("too_long", "string_too_long"):
        return Code.TOO_LONG
    return Code.INVALID


@api.exception_handler(ninja_errors.HttpError)
def _http_error(request, exc):
    code = HTTP_CODES.get(exc.status_code, "error")
    return api.create_response(request, {"detail": str(exc), "code": code}, status=exc.status_code)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many",
}


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    detail = gettext("The request body is over %(mb)s MB: send smaller batches.") % {
        "mb": f"{limit_mb:.1f}"
    }
    return api.create_response(request, {"detail": detail, "code": "too_large"}, status=413)


@api.exception_handler(UploadTooLarge)
def _upload_too_big(request, exc):
    limit_mb = settings.PARKPILOT_UPLOAD_MAX_BYTES // (1024 * 1024)
    detail = gettext("The upload is over %(mb)d MB.") % {"mb": limit_mb}
    return api.create_response(request, {"detail": detail, "code": "too_large"}, status=413)


def response_codes() -> list[str]:
    """The values of an error answer's top-level `code`."""
    return ["error", "forbidden", "invalid", "not_found", *HTTP_CODES.values()]


class HealthOut(Schema):
    status: str
    database: str
    version: str


@api.get("/v1/health", auth=None, tags=["system"], response=HealthOut)
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor, "version": parkpilot.__version__}


# Each app's router, as its AppConfig declares it (parkpilot.plugins).
for prefix, router in plugins.api_routers():
    api.add_router(prefix, router)
