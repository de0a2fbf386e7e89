"""The intake's registry cache follows changes by loading only the points that changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkpilot.energy import registry as registry_module
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.registry import registry

pytestmark = pytest.mark.django_db


def test_changes_are_loaded_alone_and_deletions_reload_everything(park, make_point, monkeypatch):
    monkeypatch.setattr(registry_module, "CHECK_EVERY_S", 0.0)
    first = make_point("P-1")
    second = make_point("P-2")
    assert registry.by_code(park.pk, "P-1").id == first.pk  # the first load: everything
    # Written as a registry import writes (make_point would also reset the cache).
    MeteringPoint.objects.create(park=park, code="P-3", kind="grid_import", unit="kWh",
                                 register="cumulative", rated_max_per_h=10.0)  # fmt: skip
    second.active = False
    second.save()
    with CaptureQueriesContext(connection) as queries:
        assert registry.by_code(park.pk, "P-3") is not None
    # The version check, then only the changed points (not every point of every park).
    changed = [q["sql"] for q in queries.captured_queries if "updated_at" in q["sql"]]
    assert len(changed) == 2 and ">=" in changed[1]
    assert registry.by_code(park.pk, "P-2") is None  # deactivated: gone from the cache
    first.code = "P-1b"
    first.save()
    assert registry.by_code(park.pk, "P-1") is None
    assert registry.by_code(park.pk, "P-1b").id == first.pk
    MeteringPoint.objects.filter(code="P-3").delete()  # no updated_at tells of a deletion
    assert registry.by_code(park.pk, "P-3") is None  # the count did: reloaded whole
    assert sorted(c for _, c in registry.lookup_table()) == ["P-1b"]
