"""Land and space page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase
from parkpilot.space.models import Building, Parcel


def _building(personas, ent_a):
    park = ent_a.park
    parcel = Parcel.objects.create(park=park, code="330112001002GB00009", name="P",
                                   kind="supply", use="industrial", area_m2=1000)  # fmt: skip
    building = Building.objects.create(park=park, parcel=parcel, name="B")
    return {"building_id": building.pk}, building


def _parcel(personas, ent_a):
    parcel = Parcel.objects.create(park=ent_a.park, code="330112001002GB00008", name="P",
                                   kind="supply", use="industrial", area_m2=1000)  # fmt: skip
    return {"parcel_id": parcel.pk}, parcel


PAGE_CASES = {
    "space:occupancy": PageCase(_building, owner="park_staff"),
    "space:building_units": PageCase(_building, owner="park_staff"),
    "space:parcel": PageCase(_parcel, owner="park_staff"),
}
