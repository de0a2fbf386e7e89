"""The API's OpenAPI document is whole: every reference resolves to a component, and every
operation says what it answers (a schema, or a file's media type), never a bare object."""

import json
import re

import pytest
from django.test import Client


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def typed(schema: dict) -> bool:
    """A schema that names its shape: a component, properties, typed items or a file body."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return typed(schema.get("items", {}))
    if schema.get("type") == "string" and schema.get("format") == "binary":
        return True
    return bool(schema.get("properties"))


def test_every_reference_resolves(spec):
    components = spec["components"]["schemas"]
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec)))
    assert refs, "no $ref at all: the document lost its components"
    missing = sorted(r for r in refs if r.split("/")[-1] not in components)
    assert missing == []
    assert {r.rsplit("/", 1)[0] for r in refs} == {"#/components/schemas"}


def test_every_operation_has_a_typed_success_response(spec):
    untyped, operations = [], 0
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            operations += 1
            success = {c: r for c, r in op["responses"].items() if str(c).startswith("2")}
            if not success:
                untyped.append(f"{method.upper()} {path}: no 2xx response")
            for code, response in success.items():
                if str(code) == "204":
                    continue
                content = response.get("content") or {}
                if not content:
                    untyped.append(f"{method.upper()} {path} {code}: no content")
                for media, body in content.items():
                    if not typed(body.get("schema", {})):
                        untyped.append(f"{method.upper()} {path} {code} {media}: untyped")
    assert operations > 80
    assert untyped == []


def test_the_check_sees_an_untyped_answer():
    assert not typed({"type": "object", "additionalProperties": True, "title": "Response"})
    assert not typed({"type": "array", "items": {"type": "object", "additionalProperties": True}})
    assert typed({"type": "array", "items": {"$ref": "#/components/schemas/ClosingOut"}})
    assert typed({"type": "string", "format": "binary"})


def test_readings_body_documents_one_reading_or_a_list(spec):
    body = spec["paths"]["/api/v1/energy/readings"]["post"]["requestBody"]
    one, many = body["content"]["application/json"]["schema"]["oneOf"]
    assert set(one["required"]) == {"point", "ts", "value"}
    assert many["items"] == one and many["maxItems"] > 0
