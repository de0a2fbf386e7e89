"""What the OpenAPI schema says about operations that answer a file instead of JSON, and about
the errors every operation may answer."""

import importlib

from django.apps import apps


def file_response(content_type: str, what: str) -> dict:
    """`openapi_extra` for a download: its media type and a binary body, so the operation has a
    typed 200 like every JSON one."""
    return {
        "responses": {
            200: {
                "description": what,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# --- errors --------------------------------------------------------------------------------


def field_error_codes() -> list[str]:
    """Every code a field error may carry: the shared tenancy.errors.Code and each installed
    app's `errors.ErrorCode`."""
    from parkpilot.tenancy.errors import Code

    codes = set(Code)
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.errors")
        except ModuleNotFoundError:
            continue
        codes |= set(getattr(module, "ErrorCode", ()))
    return sorted(str(c) for c in codes)


def add_error_responses(schema: dict, response_codes: list[str]) -> dict:
    """Document the one error shape every operation may answer (parkpilot.api maps domain
    errors to it): `code` is one of `response_codes`; a 422's detail lists field errors whose
    `code` is one of the field error codes."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["FieldErrorOut"] = {
        "title": "FieldErrorOut",
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "label": {"type": "string", "description": "the field's name for people"},
            "msg": {"type": "string"},
            "type": {"type": "string", "description": "the code, or pydantic's error type"},
            "code": {"type": "string", "enum": field_error_codes()},
        },
        "required": ["loc", "msg", "code"],
    }
    components["ErrorOut"] = {
        "title": "ErrorOut",
        "type": "object",
        "properties": {
            "detail": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/FieldErrorOut"}},
                ]
            },
            "code": {"type": "string", "enum": sorted(set(response_codes))},
        },
        "required": ["detail", "code"],
    }
    error = {
        "description": "error (see ErrorOut.code)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for methods in schema.get("paths", {}).values():
        for op in methods.values():
            op.setdefault("responses", {}).setdefault("4XX", error)
    return schema
