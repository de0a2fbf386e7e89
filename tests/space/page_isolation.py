"""Land and space page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase
from parkpilot.space.models import Building, IncubationSpace, Parcel


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


def _incubation_space(personas, ent_a):
    space = IncubationSpace.objects.create(park=ent_a.park, name="S", stage="incubator",
                                           location="L", area_m2=100, capacity=5)  # fmt: skip
    return {"space_id": space.pk}, space


PAGE_CASES = {
    "space:ladder_space": PageCase(_incubation_space, owner="park_staff"),
    "space:occupancy": PageCase(_building, owner="park_staff"),
    "space:building_units": PageCase(_building, owner="park_staff"),
    "space:parcel": PageCase(_parcel, owner="park_staff"),
}
