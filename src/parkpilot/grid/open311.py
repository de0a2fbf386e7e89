"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), one endpoint per park:
/grid/open311/<park code>/v2/ with discovery, services, service definitions, requests (GET and
POST), a request by id and tokens, each as .json or .xml. Public by design (plugins'
public_routes): GET shows only published cases and nothing of who reported them; POST needs the
spec's `api_key`, here a ParkPilot API token (its person is the reporter). Errors are the spec's
bodies: `[{"code": 400, "description": "..."}]`, or `<errors><error>` in XML.

The service list is the event catalogue (grid.catalogue, GB/T 30428 classes as `group`); the
jurisdiction is the park's code; positions are WGS84, as the spec says."""

import datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from parkpilot.grid import catalogue, services
from parkpilot.grid.models import OPEN_STATUSES, Case, PublicCase, Report
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Park
from parkpilot.tenancy.services import api_token_authenticate

FORMATS = {"json": "application/json", "xml": "text/xml"}
SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90

# --- answers in both formats ---------------------------------------------------------------


def _xml(root: str, item: str | None, data) -> bytes:
    top = Element(root)

    def put(parent, key, value):
        if isinstance(value, dict):
            node = SubElement(parent, key)
            for k, v in value.items():
                put(node, k, v)
        elif isinstance(value, list):
            node = SubElement(parent, key)
            singular = {
                "endpoints": "endpoint",
                "formats": "format",
                "attributes": "attribute",
                "values": "value",
                "keywords": "keyword",
            }.get(key, "item")
            for v in value:
                put(node, singular, v)
        else:
            node = SubElement(parent, key)
            if value is not None:
                node.text = str(value).lower() if isinstance(value, bool) else str(value)

    if item is None:
        for k, v in data.items():
            put(top, k, v)
    else:
        for row in data:
            put(top, item, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + tostring(top, encoding="unicode").encode()


def _answer(fmt: str, data, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            _xml(root, item, data), content_type="text/xml; charset=utf-8", status=status
        )
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    body = [{"code": code, "description": description}]
    return _answer(fmt if fmt in FORMATS else "json", body, "errors", "error", status=code)


def _park(park_code: str) -> Park | None:
    return Park.objects.filter(code=park_code).first()


def _guard(park_code: str, fmt: str):
    if fmt not in FORMATS:
        return None, _error("json", 404, "format must be json or xml")
    park = _park(park_code)
    if park is None:
        return None, _error(fmt, 404, "no such jurisdiction")
    return park, None


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- the calls -----------------------------------------------------------------------------


def discovery(request, park_code: str, fmt: str):
    park, refused = _guard(park_code, fmt)
    if refused:
        return refused
    url = request.build_absolute_uri(f"/grid/open311/{park.code}/v2/")
    data = {
        "changeset": "2026-12-01T00:00:00+08:00",
        "contact": park.name,
        "key_service": "API tokens are issued by the park's administrators.",
        "endpoints": [
            {
                "specification": SPEC,
                "url": url,
                "changeset": "2026-12-01T00:00:00+08:00",
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }
    return _answer(fmt, data, "discovery", None)


def _service(e: catalogue.EventType) -> dict:
    return {
        "service_code": e.code,
        "service_name": str(e.label),
        "description": f"{e.event_class.label} · {e.label}",
        "metadata": False,
        "type": "realtime",
        "keywords": str(e.event_class.label),
        "group": str(e.event_class.label),
    }


def service_list(request, park_code: str, fmt: str):
    _park_found, refused = _guard(park_code, fmt)
    if refused:
        return refused
    return _answer(fmt, [_service(e) for e in catalogue.EVENTS.values()], "services", "service")


def service_definition(request, park_code: str, service_code: str, fmt: str):
    _park_found, refused = _guard(park_code, fmt)
    if refused:
        return refused
    if catalogue.event(service_code) is None:
        return _error(fmt, 404, "service_code not found")
    return _answer(
        fmt, {"service_code": service_code, "attributes": []}, "service_definition", None
    )


def _request_row(case: Case, token: str | None = None) -> dict:
    e = catalogue.event(case.category)
    closed = case.status not in OPEN_STATUSES
    return {
        "service_request_id": str(case.pk),
        "status": "closed" if closed else "open",
        "status_notes": case.resolution or None,
        "service_name": str(e.label) if e else None,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": case.department.name if case.department_id else case.grid.name,
        "service_notice": None,
        "requested_datetime": _when(case.reported_at),
        "updated_datetime": _when(
            case.closed_at or case.resolved_at or case.accepted_at or case.reported_at
        ),
        "expected_datetime": _when(
            datetime.datetime.combine(
                case.due_on, datetime.time(18), tzinfo=timezone.get_current_timezone()
            )
        ),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }


def _published(park: Park):
    return PublicCase.objects.filter(park=park).select_related("grid", "department")


@csrf_exempt
def requests(request, park_code: str, fmt: str):
    park, refused = _guard(park_code, fmt)
    if refused:
        return refused
    if request.method == "POST":
        return _post_request(request, park, fmt)
    if request.method != "GET":
        return _error(fmt, 405, "GET or POST")
    q = request.GET
    cases = _published(park)
    if q.get("service_request_id"):
        ids = [i for i in q["service_request_id"].split(",") if i.strip().isdigit()]
        cases = cases.filter(pk__in=ids)
    else:
        start, end = q.get("start_date"), q.get("end_date")
        parsed = {k: parse_datetime(v) if v else None for k, v in (("start", start), ("end", end))}
        for key, raw in (("start_date", start), ("end_date", end)):
            if raw and parsed[key.split("_")[0]] is None:
                return _error(fmt, 400, f"{key} must be a w3c datetime")
        since = parsed["start"] or (parsed["end"] or timezone.now()) - datetime.timedelta(
            days=DEFAULT_DAYS
        )
        cases = cases.filter(reported_at__gte=since)
        if parsed["end"]:
            cases = cases.filter(reported_at__lte=parsed["end"])
        if q.get("service_code"):
            cases = cases.filter(category__in=q["service_code"].split(","))
        status = q.get("status")
        if status == "open":
            cases = cases.filter(status__in=OPEN_STATUSES)
        elif status == "closed":
            cases = cases.exclude(status__in=OPEN_STATUSES)
        elif status:
            return _error(fmt, 400, "status must be open or closed")
    rows = [_request_row(c) for c in cases.order_by("-reported_at", "-pk")[:MAX_RESULTS]]
    return _answer(fmt, rows, "service_requests", "request")


def _post_request(request, park: Park, fmt: str):
    data = request.POST
    person = api_token_authenticate(data.get("api_key", "")) if data.get("api_key") else None
    if person is None or person.park_id != park.pk:
        return _error(fmt, 403, "api_key missing or not valid for this jurisdiction")
    if data.get("jurisdiction_id") and data["jurisdiction_id"] != park.code:
        return _error(fmt, 404, "jurisdiction_id not found")
    if catalogue.event(data.get("service_code", "")) is None:
        return _error(fmt, 400, "service_code missing or not found")
    if not (data.get("lat") and data.get("long")):
        return _error(fmt, 400, "lat and long are required (address_string is not geocoded)")
    try:
        report = services.report_submit(
            actor=person,
            park=park,
            category=data["service_code"],
            description=data.get("description", ""),
            lon=data["long"],
            lat=data["lat"],
            uploads=request.FILES.getlist("media"),
            via="open311",
        )
    except ValidationFailed as exc:
        return _error(fmt, 400, "; ".join(f"{e.field}: {e.reason}" for e in exc.errors))
    row = {
        "service_request_id": str(report.case_id),
        "token": report.tracking_code,
        "service_notice": None,
        "account_id": None,
    }
    return _answer(fmt, [row], "service_requests", "request")


def request_detail(request, park_code: str, request_id: str, fmt: str):
    park, refused = _guard(park_code, fmt)
    if refused:
        return refused
    case = _published(park).filter(pk=request_id).first() if request_id.isdigit() else None
    if case is None:
        return _error(fmt, 404, "service_request_id not found")
    return _answer(fmt, [_request_row(case)], "service_requests", "request")


def token(request, park_code: str, token_id: str, fmt: str):
    park, refused = _guard(park_code, fmt)
    if refused:
        return refused
    report = Report.objects.filter(
        case__park=park, case__public=True, tracking_code=token_id.upper()[:12]
    ).first()
    if report is None:
        return _error(fmt, 404, "token not found")
    row = {"service_request_id": str(report.case_id), "token": report.tracking_code}
    return _answer(fmt, [row], "service_requests", "request")
