"""Coordinates at the door: stored WGS84, GCJ-02 (AMap, WeChat, most Chinese map apps) converted
with prcoords. Near the metro station the two differ by about 540 m, so a stop typed in from a
Chinese map without conversion lands in the wrong street."""

import itertools
from decimal import ROUND_HALF_EVEN, Decimal

import prcoords

SIX = Decimal("0.000001")
# Mainland China's rough box: outside it GCJ-02 is WGS84 (prcoords leaves such points alone too).
CHINA = (3.86, 53.55, 73.66, 135.05)  # lat min, lat max, lon min, lon max


def to_wgs84(lat: float, lon: float, *, datum: str = "wgs84") -> tuple[Decimal, Decimal]:
    """(lat, lon) in WGS84 at six decimals, converting from GCJ-02 when `datum` says so."""
    if datum == "gcj02":
        # The iterative ("bored") inverse is accurate to about 1e-9 degrees.
        point = prcoords.gcj_wgs_bored((lat, lon))
        lat, lon = point.lat, point.lon
    elif datum != "wgs84":
        raise ValueError(datum)
    return six_decimals(lat), six_decimals(lon)


def to_gcj02(lat, lon) -> tuple[float, float]:
    point = prcoords.wgs_gcj((float(lat), float(lon)))
    return point.lat, point.lon


def six_decimals(value: float) -> Decimal:
    return Decimal(str(value)).quantize(SIX, rounding=ROUND_HALF_EVEN)


def inside(lat: float, lon: float, polygon: dict) -> bool:
    """Whether a point lies inside a GeoJSON Polygon's outer ring (ray casting on the degrees:
    a zone of a few kilometres is flat enough for it)."""
    ring = polygon.get("coordinates", [[]])[0] if polygon.get("type") == "Polygon" else []
    found = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found
