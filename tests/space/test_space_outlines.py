"""A parcel's outline pasted as GeoJSON: WGS 84 kept, GCJ-02 converted, nonsense refused
naming the field (never stored half-made)."""

import json

import prcoords
import pytest
from django.test import Client

from parkpilot.space import services
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db

# A square of about 100 m by the 青山湖科技城 metro station (WGS 84, longitude first).
SQUARE = [[119.7830, 30.2330], [119.7840, 30.2330], [119.7840, 30.2339], [119.7830, 30.2339],
          [119.7830, 30.2330]]  # fmt: skip


# Its corners joined across: the ring crosses itself, which shapely calls invalid.
BOW_TIE = [[119.783, 30.233], [119.784, 30.234], [119.784, 30.233], [119.783, 30.234],
           [119.783, 30.233]]  # fmt: skip


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def refused(keeper, parcel, outline, datum="wgs84") -> dict:
    with pytest.raises(ValidationFailed) as caught:
        services.parcel_outline_set(actor=keeper, via="test", parcel=parcel, outline=outline,
                                    datum=datum)  # fmt: skip
    parcel.refresh_from_db()
    assert parcel.outline is None  # nothing half-written
    return {e.field: e.code for e in caught.value.errors}


def test_a_wgs84_feature_is_kept(keeper, parcel):
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": polygon(SQUARE)}
    services.parcel_outline_set(actor=keeper, via="test", parcel=parcel,
                                outline=json.dumps(feature), datum="wgs84")  # fmt: skip
    parcel.refresh_from_db()
    assert parcel.outline == polygon(SQUARE)


def test_gcj02_is_converted_back_to_wgs84(keeper, parcel):
    """The square moved into GCJ-02 by prcoords' forward transform (what AMap shows) comes back
    by the iterative inverse to within 1e-6° (about 10 cm) of where it was."""
    shifted = [[p.lon, p.lat] for p in (prcoords.wgs_gcj((lat, lon)) for lon, lat in SQUARE)]
    assert abs(shifted[0][0] - SQUARE[0][0]) > 0.004  # AMap's offset here: about 500 m
    collection = {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "geometry": polygon(shifted)}]}  # fmt: skip
    services.parcel_outline_set(actor=keeper, via="test", parcel=parcel,
                                outline=json.dumps(collection), datum="gcj02")  # fmt: skip
    parcel.refresh_from_db()
    for (lon, lat), (want_lon, want_lat) in zip(parcel.outline["coordinates"][0], SQUARE,
                                                strict=True):  # fmt: skip
        assert abs(lon - want_lon) < 1e-6 and abs(lat - want_lat) < 1e-6


@pytest.mark.parametrize(
    ("outline", "datum", "field"),
    [
        ("not json {", "wgs84", "outline"),
        (json.dumps(polygon([[lat, lon] for lon, lat in SQUARE])), "wgs84", "outline"),  # swapped
        (json.dumps({"type": "Point", "coordinates": SQUARE[0]}), "wgs84", "outline"),
        (json.dumps(polygon(BOW_TIE)), "wgs84", "outline"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "wgs84", "outline"),
        (json.dumps(polygon([["a", "b"], [1]])), "wgs84", "outline"),
        ("", "wgs84", "outline"),
        (json.dumps(polygon(SQUARE)), "bd09", "datum"),
    ],
)  # fmt: skip
def test_nonsense_is_refused_naming_the_field(keeper, parcel, outline, datum, field):
    assert field in refused(keeper, parcel, outline, datum)


def test_the_parcel_page_takes_an_outline(personas, parcel):
    staff = Client()
    staff.force_login(personas["park_staff"])
    url = f"/space/parcels/{parcel.pk}/"
    bad = staff.post(url, {"form": "outline", "outline": "[]", "datum": "wgs84"})
    assert bad.status_code == 400 and 'data-testid="form-error"' in bad.content.decode()
    good = staff.post(url, {"form": "outline", "outline": json.dumps(polygon(SQUARE)),
                            "datum": "wgs84"})  # fmt: skip
    assert good.status_code == 302
    parcel.refresh_from_db()
    assert parcel.outline == polygon(SQUARE)
    assert 'data-testid="park-map"' in staff.get(url).content.decode()
