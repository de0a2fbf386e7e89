"""Open311 GeoReport v2 conformance checks, written from the specification
(http://wiki.open311.org/GeoReport_v2): every call, both formats, the error bodies. Each check
is `check(client, ctx)` raising AssertionError; tests/grid/test_grid_open311.py runs each as a
test, benchmarks/bench_grid.py counts the failures (open311_conformance_failures).

`ctx` (from `prepare`): the endpoint's base path, an API key, a published open case, a published
closed one, an unpublished one and a tracking token."""

import datetime
import json
from xml.etree import ElementTree

from django.test import Client

REQUIRED_SERVICE = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUIRED_REQUEST = {
    "service_request_id",
    "status",
    "service_code",
    "requested_datetime",
    "lat",
    "long",
}
ALL_REQUEST = REQUIRED_REQUEST | {
    "status_notes",
    "service_name",
    "description",
    "agency_responsible",
    "service_notice",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "media_url",
}


def prepare(*, park, reporter, staff, lon: float, lat: float) -> dict:
    """Cases for the checks in `park` (which has grids at lon/lat); returns the context."""
    from parkpilot.grid import services
    from parkpilot.tenancy.services import api_token_create

    def report(**extra):
        return services.report_submit(
            actor=reporter,
            park=park,
            category="01.01",
            description="路边垃圾",
            lon=lon,
            lat=lat,
            **extra,
        )

    open_one = report()
    closed = report().case
    services.case_reject(actor=staff, case=closed, reason="现场无此问题")
    hidden = report(public=False).case
    return {
        "base": f"/grid/open311/{park.code}/v2",
        "api_key": api_token_create(actor=None, via="test", user=reporter, name="open311"),
        "open_id": str(open_one.case_id),
        "closed_id": str(closed.pk),
        "hidden_id": str(hidden.pk),
        "token": open_one.tracking_code,
        "lon": lon,
        "lat": lat,
    }


def _json(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _xml(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    return ElementTree.fromstring(response.content)


def _is_w3c(value: str) -> bool:
    parsed = datetime.datetime.fromisoformat(value)
    return parsed.tzinfo is not None


def _error_json(response, status):
    body = _json(response, status)
    assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status and body[0]["description"]


def _error_xml(response, status):
    root = _xml(response, status)
    assert root.tag == "errors"
    error = root.find("error")
    assert error is not None and error.findtext("code") == str(status)
    assert error.findtext("description")


# --- discovery and services ------------------------------------------------------------------


def discovery_json(client, ctx):
    body = _json(client.get(f"{ctx['base']}/discovery.json"))
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert {"application/json", "text/xml"} <= set(endpoint["formats"])
    assert endpoint["type"] in ("production", "test") and endpoint["url"].endswith("/v2/")


def discovery_xml(client, ctx):
    root = _xml(client.get(f"{ctx['base']}/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("changeset")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert {f.text for f in endpoint.findall("formats/format")} >= {"text/xml", "application/json"}


def services_json(client, ctx):
    body = _json(client.get(f"{ctx['base']}/services.json"))
    assert body and all(set(s) >= REQUIRED_SERVICE for s in body)
    assert all(isinstance(s["metadata"], bool) for s in body)
    assert all(s["type"] in ("realtime", "batch", "blackbox") for s in body)
    assert "01.01" in [s["service_code"] for s in body]


def services_xml(client, ctx):
    root = _xml(client.get(f"{ctx['base']}/services.xml"))
    services = root.findall("service")
    assert root.tag == "services" and services
    assert all({child.tag for child in s} >= REQUIRED_SERVICE for s in services)
    assert {s.findtext("metadata") for s in services} <= {"true", "false"}


def service_definition_both(client, ctx):
    body = _json(client.get(f"{ctx['base']}/services/01.01.json"))
    assert body["service_code"] == "01.01" and isinstance(body["attributes"], list)
    root = _xml(client.get(f"{ctx['base']}/services/01.01.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "01.01"


def service_definition_unknown(client, ctx):
    _error_json(client.get(f"{ctx['base']}/services/99.99.json"), 404)
    _error_xml(client.get(f"{ctx['base']}/services/99.99.xml"), 404)


def unknown_jurisdiction(client, ctx):
    _error_json(client.get("/grid/open311/no-such-park/v2/services.json"), 404)
    _error_xml(client.get("/grid/open311/no-such-park/v2/services.xml"), 404)


# --- POST service request --------------------------------------------------------------------


def _post_data(ctx, **extra):
    return {
        "api_key": ctx["api_key"],
        "service_code": "01.01",
        "lat": str(ctx["lat"]),
        "long": str(ctx["lon"]),
        "description": "Open311 上报：垃圾",
        **extra,
    }


def post_needs_api_key(client, ctx):
    data = _post_data(ctx)
    del data["api_key"]
    _error_json(client.post(f"{ctx['base']}/requests.json", data), 403)
    _error_xml(client.post(f"{ctx['base']}/requests.xml", data | {"api_key": "wrong"}), 403)


def post_bad_input_is_400(client, ctx):
    _error_json(client.post(f"{ctx['base']}/requests.json", _post_data(ctx, service_code="x")), 400)
    no_place = _post_data(ctx)
    del no_place["lat"], no_place["long"]
    _error_xml(client.post(f"{ctx['base']}/requests.xml", no_place), 400)
    outside = _post_data(ctx, lat="10.0", long="10.0")
    _error_json(client.post(f"{ctx['base']}/requests.json", outside), 400)


def post_creates_json(client, ctx):
    body = _json(client.post(f"{ctx['base']}/requests.json", _post_data(ctx)))
    [row] = body
    assert row["service_request_id"] and "service_notice" in row
    fetched = _json(client.get(f"{ctx['base']}/requests/{row['service_request_id']}.json"))
    assert fetched[0]["description"] == "Open311 上报：垃圾"
    tokens = _json(client.get(f"{ctx['base']}/tokens/{row['token']}.json"))
    assert tokens == [{"service_request_id": row["service_request_id"], "token": row["token"]}]


def post_creates_xml(client, ctx):
    root = _xml(client.post(f"{ctx['base']}/requests.xml", _post_data(ctx)))
    assert root.tag == "service_requests"
    assert root.find("request").findtext("service_request_id")


# --- GET service requests --------------------------------------------------------------------


def requests_json(client, ctx):
    body = _json(client.get(f"{ctx['base']}/requests.json"))
    assert all(set(r) >= ALL_REQUEST for r in body)
    ids = {r["service_request_id"] for r in body}
    assert {ctx["open_id"], ctx["closed_id"]} <= ids and ctx["hidden_id"] not in ids
    for r in body:
        assert r["status"] in ("open", "closed") and _is_w3c(r["requested_datetime"])
        assert isinstance(r["lat"], float) and isinstance(r["long"], float)


def requests_xml(client, ctx):
    root = _xml(client.get(f"{ctx['base']}/requests.xml"))
    rows = root.findall("request")
    assert root.tag == "service_requests" and rows
    assert all({c.tag for c in r} >= REQUIRED_REQUEST for r in rows)


def requests_filters(client, ctx):
    closed = _json(client.get(f"{ctx['base']}/requests.json?status=closed"))
    assert [r["service_request_id"] for r in closed] == [ctx["closed_id"]]
    both = _json(
        client.get(
            f"{ctx['base']}/requests.json?service_request_id={ctx['open_id']},{ctx['closed_id']}"
        )
    )
    assert {r["service_request_id"] for r in both} == {ctx["open_id"], ctx["closed_id"]}
    none = _json(client.get(f"{ctx['base']}/requests.json?service_code=06.03"))
    assert none == []
    future = _json(client.get(f"{ctx['base']}/requests.json?start_date=2100-01-01T00:00:00Z"))
    assert future == []
    _error_json(client.get(f"{ctx['base']}/requests.json?start_date=yesterday"), 400)
    _error_xml(client.get(f"{ctx['base']}/requests.xml?status=maybe"), 400)


def request_by_id(client, ctx):
    [row] = _json(client.get(f"{ctx['base']}/requests/{ctx['open_id']}.json"))
    assert row["service_request_id"] == ctx["open_id"] and row["status"] == "open"
    root = _xml(client.get(f"{ctx['base']}/requests/{ctx['closed_id']}.xml"))
    assert root.find("request").findtext("status") == "closed"
    assert root.find("request").findtext("status_notes")


def request_by_id_unknown_or_unpublished(client, ctx):
    _error_json(client.get(f"{ctx['base']}/requests/{ctx['hidden_id']}.json"), 404)
    _error_xml(client.get(f"{ctx['base']}/requests/999999.xml"), 404)


def tokens_both(client, ctx):
    [row] = _json(client.get(f"{ctx['base']}/tokens/{ctx['token']}.json"))
    assert row == {"service_request_id": ctx["open_id"], "token": ctx["token"]}
    root = _xml(client.get(f"{ctx['base']}/tokens/{ctx['token']}.xml"))
    assert root.find("request").findtext("service_request_id") == ctx["open_id"]
    _error_json(client.get(f"{ctx['base']}/tokens/NOSUCHTOKEN.json"), 404)


def unknown_format_is_404(client, ctx):
    assert client.get(f"{ctx['base']}/services.yaml").status_code == 404


CHECKS = [
    discovery_json,
    discovery_xml,
    services_json,
    services_xml,
    service_definition_both,
    service_definition_unknown,
    unknown_jurisdiction,
    post_needs_api_key,
    post_bad_input_is_400,
    post_creates_json,
    post_creates_xml,
    requests_json,
    requests_xml,
    requests_filters,
    request_by_id,
    request_by_id_unknown_or_unpublished,
    tokens_both,
    unknown_format_is_404,
]


def failures(ctx) -> list[str]:
    """The names of the checks that fail (with why), anonymous client, in order."""
    failed = []
    for check in CHECKS:
        try:
            check(Client(), ctx)
        except AssertionError as exc:
            failed.append(f"{check.__name__}: {exc}")
    return failed
