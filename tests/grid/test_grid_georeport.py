"""A third-party Open311 client from the registries (PyPI `georeport`, which reads only) reads
the grid app's GeoReport v2 endpoint over real HTTP, in JSON and in XML, without error."""

import pytest
from georeport import GeoReport

from tests.grid import open311_checks
from tests.grid.test_grid_reports import IN_A1

pytestmark = pytest.mark.django_db(transaction=True)


def test_georeport_reads_services_definitions_and_requests(
    park, layout, worker, personas, live_server, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    ctx = open311_checks.prepare(
        park=park, reporter=personas["resident"], staff=personas["park_staff"],
        lon=IN_A1[0], lat=IN_A1[1],
    )  # fmt: skip
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}{ctx['base']}", jurisdiction=park.code,
                           output_format=fmt)  # fmt: skip
        services = client.get_service_list()
        assert "01.01" in [s["service_code"] for s in services]
        definition = client.get_service_definition("01.01")
        assert definition["service_code"] == "01.01"
        requests = client.get_service_requests(status="closed")
        rows = requests if isinstance(requests, list) else [requests]  # xmltodict: one is a dict
        assert [r["service_request_id"] for r in rows] == [ctx["closed_id"]]
        one = client.get_service_request(ctx["open_id"])
        assert one["service_request_id"] == ctx["open_id"] and one["status"] == "open"
