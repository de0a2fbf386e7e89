"""Staff entry pages: parcels with their steps, buildings, floors, units, leases (ended) and the
环境统计 tonnes, each posting to its service; bad input is refused naming the field, another
park's objects are 404."""

from datetime import date

from parkpilot.space import selectors, services
from parkpilot.space.models import Emissions, Lease, Parcel
from parkpilot.tenancy.models import AuditLog as AuditEvent

CODE = "330112001002GB00017"  # as in conftest.py


def test_space_parcel_new_page_creates_and_names_bad_fields(client, park, personas, zone, ent_a):
    client.force_login(personas["park_staff"])
    assert client.get("/space/parcels/new/").status_code == 200
    bad = client.post("/space/parcels/new/", {"form": "parcel", "code": "12345", "name": "",
                                               "kind": "supply", "use": "industrial",
                                               "area_m2": "0", "planned_far": "x"})  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 400 and not Parcel.objects.exists()
    # every field named by the label the person reads (the shared one for "code": 编码)
    for label in (
        "编码：宗地代码为19位",
        "名称：必填",
        "面积（m²）：不能小于 0.01",
        "规划容积率：须为数字",
    ):
        assert label in html, label
    made = client.post("/space/parcels/new/", {
        "form": "parcel", "code": "330112001002gb00018", "name": "新地块", "kind": "supply",
        "use": "industrial", "area_m2": "12000.50", "planned_far": "2.5", "zone": zone.pk,
        "enterprise": ent_a.pk,
    })  # fmt: skip
    parcel = Parcel.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/space/parcels/{parcel.pk}/"
    got = (
        parcel.code,
        str(parcel.area_m2),
        str(parcel.planned_far),
        parcel.zone,
        parcel.enterprise,
    )
    assert got == ("330112001002GB00018", "12000.50", "2.50", zone, ent_a)


def test_space_parcel_page_edits_steps_and_adds_a_building(client, personas, parcel):
    client.force_login(personas["park_staff"])
    url = f"/space/parcels/{parcel.pk}/"
    assert client.get(url).status_code == 200
    edit = {"form": "parcel", "name": "工创园一期（改）", "kind": "supply", "use": "research",
            "area_m2": "21000", "planned_far": ""}  # fmt: skip
    assert client.post(url, edit).status_code == 302
    parcel.refresh_from_db()
    assert (parcel.name, parcel.use, parcel.area_m2, parcel.planned_far, parcel.code) == (
        "工创园一期（改）", "research", 21000, None, CODE)  # fmt: skip
    assert (
        client.post(url, {"form": "step", "status": "approved", "on": "2020-03-01"}).status_code
        == 302
    )
    skipped = client.post(url, {"form": "step", "status": "started", "on": "2020-04-01"})
    assert skipped.status_code == 400 and "状态：" in skipped.content.decode()
    parcel.refresh_from_db()
    assert parcel.status == "approved" and parcel.steps.count() == 1
    # floors 1..8 of 6,000 m², as 工创园's factory: 48,000 m² on 21,000 m² = FAR 2.29
    bad = client.post(url, {"form": "building", "name": "1号厂房", "lowest": "3", "highest": "1",
                            "floor_area_m2": "6000"})  # fmt: skip
    assert bad.status_code == 400 and not parcel.buildings.exists()
    assert client.post(url, {"form": "building", "name": "1号厂房", "lowest": "1", "highest": "8",
                             "floor_area_m2": "6000"}).status_code == 302  # fmt: skip
    row = selectors.floor_area_ratios(user=personas["park_staff"])[0]
    assert (row["floor_m2"], str(row["achieved_far"])) == (48000, "2.29")
    assert client.post(url, {"form": "nothing"}).status_code == 400


def test_space_units_and_leases_page(client, personas, keeper, parcel, ent_a, ent_b):
    building = services.building_create(actor=keeper, via="test", parcel=parcel, name="A幢",
                                        floors=[(1, "1000")])  # fmt: skip
    client.force_login(personas["park_staff"])
    url = f"/space/buildings/{building.pk}/units/"
    assert client.post(url, {"form": "floor", "number": "2", "area_m2": "800"}).status_code == 302
    taken = client.post(url, {"form": "floor", "number": "2", "area_m2": "800"})
    assert taken.status_code == 400 and 'data-testid="form-error"' in taken.content.decode()
    assert building.floors.count() == 2
    floor = building.floors.get(number=1)
    assert client.post(url, {"form": "unit", "floor": floor.pk, "code": "101",
                             "area_m2": "600"}).status_code == 302  # fmt: skip
    over = client.post(url, {"form": "unit", "floor": floor.pk, "code": "102", "area_m2": "400.01"})
    assert over.status_code == 400  # 600 + 400.01 > the floor's 1,000 m²
    unit = floor.units.get()
    let = client.post(url, {"form": "lease", "unit": unit.pk, "enterprise": ent_a.pk,
                            "start": "2024-01-01", "end": ""})  # fmt: skip
    assert let.status_code == 302
    lease = Lease.objects.get()
    assert (lease.enterprise, lease.start, lease.end) == (ent_a, date(2024, 1, 1), None)
    assert ent_a.name in client.get(url).content.decode()
    early = client.post(url, {"form": "end", "lease": lease.pk, "end": "2023-12-31"})
    assert early.status_code == 400 and "结束" in early.content.decode()
    assert (
        client.post(url, {"form": "end", "lease": lease.pk, "end": "2025-06-30"}).status_code == 302
    )
    lease.refresh_from_db()
    assert lease.end == date(2025, 6, 30)
    occ = selectors.occupancy(user=personas["park_staff"], building=building, day=date(2025, 7, 1))
    assert (occ["let_m2"], occ["leasable_m2"]) == (0, 600)
    occ = selectors.occupancy(user=personas["park_staff"], building=building, day=date(2025, 6, 30))
    assert occ["occupancy_pct"] == 100
    audit = AuditEvent.objects.filter(action="space.lease_end").get()
    assert (audit.before, audit.after) == ({"end": None}, {"end": "2025-06-30"})
    # A unit or enterprise id that is not of this park is refused by field, nothing let.
    client.post(url, {"form": "lease", "unit": unit.pk + 999, "enterprise": ent_b.pk,
                      "start": "2026-01-01"})  # fmt: skip
    assert Lease.objects.count() == 1


def test_space_emissions_page_enters_and_corrects(client, park, personas, ent_a):
    client.force_login(personas["park_staff"])
    form = {"enterprise": ent_a.pk, "year": "2024", "cod_t": "2", "nh3n_t": "0.2",
            "so2_t": "1.3", "nox_t": "2.5", "source": "2024年环境统计"}  # fmt: skip
    assert client.post("/space/mujun/emissions/", form).status_code == 302
    bad = client.post("/space/mujun/emissions/", form | {"so2_t": "-1", "nox_t": "1.2345"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "SO2 (t)：" in html and "NOx (t)：" in html
    assert client.post("/space/mujun/emissions/", form | {"cod_t": "3"}).status_code == 302
    row = Emissions.objects.get()
    # corrected, not added: COD + NH3-N + SO2 + NOx = 3 + 0.2 + 1.3 + 2.5 = 7 t
    assert row.cod_t + row.nh3n_t + row.so2_t + row.nox_t == 7
    assert "2024年环境统计" in client.get("/space/mujun/emissions/?year=2024").content.decode()
    audit = AuditEvent.objects.filter(action="space.emissions_set").order_by("id").last()
    assert audit.before["cod_t"] == "2.000" and audit.after["cod_t"] == "3"


def test_space_entry_pages_refuse_enterprises_and_other_parks(client, personas, parcel, ent_a):
    for persona in ("ent_a_user", "resident", "other_park_admin", "supervisor"):
        # (another park's administrator keeps that park's land: the entry pages open on it)
        client.force_login(personas[persona])
        assert client.get(f"/space/parcels/{parcel.pk}/").status_code == 404, persona
        before = Parcel.objects.get(pk=parcel.pk).name
        form = {
            "form": "parcel",
            "name": "x",
            "kind": "supply",
            "use": "industrial",
            "area_m2": "1",
        }
        client.post(f"/space/parcels/{parcel.pk}/", form)
        assert Parcel.objects.get(pk=parcel.pk).name == before
        if persona != "other_park_admin":
            assert client.get("/space/mujun/emissions/").status_code == 404, persona
            assert client.get("/space/parcels/new/").status_code == 404, persona
