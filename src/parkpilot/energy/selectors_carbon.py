"""Reads over the energy rollups for carbon accounting (owned by the carbon app).

Why point rollups of top-level points rather than the scope rows of EnergyRollup: a sub-meter
(a point with a parent) measures energy its parent already measured, so only top-level points
count; steam needs each point's own enthalpy to turn mass into heat; and grouping by the
registry as it is now puts a point that changed owner or parent where it belongs today, while
scope rows keep the owner they were written under. One query gives every entity's totals."""

import itertools
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connections
from django.db.models import Count, F, QuerySet, Sum

from parkpilot.energy.kinds import EnergyKind
from parkpilot.energy.models import Level, MeteringPoint, PointRollup
from parkpilot.tenancy import access

STEAM = EnergyKind.STEAM.value


def _points(user, park_id: int, owner_id: int | None, public: bool) -> QuerySet:
    qs = access.scoped(user, MeteringPoint).filter(park_id=park_id)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    elif public:
        qs = qs.filter(owner__isnull=True)
    return qs


# One row per entity: an enterprise (wherever its points are), or a zone's public loads. Kinds
# are pivoted into columns so the database folds everything and sends 500 rows for 500
# enterprises, not one per (entity, kind). Kind values come from the enum, never from input;
# in name order, so each entity's energy by kind comes out sorted as accounts store it.
_KINDS = tuple(sorted(kind.value for kind in EnergyKind))
_ACCOUNTING_SQL = """
SELECT p.owner_id, CASE WHEN p.owner_id IS NULL THEN p.zone_id END, {kinds},
       SUM(CASE WHEN p.kind = '{steam}' THEN r.energy * p.enthalpy_gj_per_t END),
       COUNT(CASE WHEN p.kind = '{steam}' AND p.enthalpy_gj_per_t IS NULL THEN 1 END),
       SUM(r.readings), {flagged}{bucket}
FROM {rollups} r JOIN {points} p ON p.id = r.point_id
WHERE {where} AND p.parent_id IS NULL AND r.level = %s AND r.bucket >= %s AND r.bucket < %s
GROUP BY p.owner_id, CASE WHEN p.owner_id IS NULL THEN p.zone_id END{bucket}
"""


def _accounting_sql(where: str, by_bucket: bool = False) -> str:
    return _ACCOUNTING_SQL.format(
        kinds=", ".join(f"SUM(CASE WHEN p.kind = '{k}' THEN r.energy END)" for k in _KINDS),
        # Flagged energy per kind too: kWh, m³ and tonnes are never added together.
        flagged=", ".join(
            f"SUM(CASE WHEN p.kind = '{k}' THEN r.flagged_energy END)" for k in _KINDS
        ),
        steam=STEAM,
        rollups=PointRollup._meta.db_table,
        points=MeteringPoint._meta.db_table,
        where=where,
        bucket=", r.bucket" if by_bucket else "",
    )


_WHOLE_PARK_SQL = _accounting_sql("p.park_id = %s")
_BY_BUCKET_SQL = _accounting_sql("p.park_id = %s", by_bucket=True)
_STEAM_GJ = 2 + len(_KINDS)  # column of the steam heat, after owner, zone and the kinds
_SCOPED_SQL = "p.id IN ({points})"


def accounting_rows(
    *,
    user,
    park_id: int,
    level: str,
    start: datetime,
    end: datetime,
    owner_id: int | None = None,
    public: bool = False,
) -> list["EntityTotals"]:
    """Energy of top-level points in buckets [start, end), one row per enterprise and one per
    zone for the park's public loads.

    Written as SQL: it is the read behind every live carbon figure, and building the same
    query through the ORM cost about as much as running it (measured on a park of 500
    enterprises). Whole-park readers (what access.scoped gives park roles) filter by park;
    everyone else by the ORM's own scoped point query, so tenancy stays in one place."""
    sql, params = _query(user, park_id, level, start, end, owner_id, public, by_bucket=False)
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [_entity(row) for row in cursor.fetchall()]


def monthly_accounting_rows(
    *, user, park_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, "EntityTotals"]]:
    """accounting_rows per month bucket in [start, end): (bucket start, totals) per entity
    and month, in one query. What a year's intensity needs to use only the months that have
    both energy and value added."""
    sql, params = _query(user, park_id, "1mo", start, end, None, False, by_bucket=True)
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(_instant(row[-1]), _entity(row[:-1])) for row in rows]


def _instant(value) -> datetime:
    """A bucket from a raw query: PostgreSQL gives an aware datetime; SQLite gives the stored
    UTC text or a naive datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _query(user, park_id, level, start, end, owner_id, public, *, by_bucket: bool):
    connection = connections[PointRollup.objects.db]
    adapt = connection.ops.adapt_datetimefield_value  # SQLite compares datetimes as text
    bounds = [level, adapt(start), adapt(end)]
    if owner_id is None and not public and access.whole_park(user, MeteringPoint, park_id):
        sql = _BY_BUCKET_SQL if by_bucket else _WHOLE_PARK_SQL
        return sql, [park_id, *bounds]
    points_sql, points_params = (
        _points(user, park_id, owner_id, public).values("pk").query.sql_with_params()
    )
    sql = _accounting_sql(_SCOPED_SQL.format(points=points_sql), by_bucket)
    return sql, [*points_params, *bounds]


class EntityTotals(NamedTuple):
    owner_id: int | None
    zone_id: int | None  # public loads only
    energy: dict[str, float]  # by kind, canonical units
    steam_gj: float
    steam_without_enthalpy: int  # steam points whose mass cannot be turned into heat
    readings: int
    flagged: dict[str, float]  # by kind, canonical units, sorted, no zeros


def _entity(row: tuple) -> EntityTotals:
    # Sums of float and integer columns come back as float and int from both engines.
    steam_gj, missing, readings = row[_STEAM_GJ : _STEAM_GJ + 3]
    amounts, flagged = row[2:_STEAM_GJ], row[_STEAM_GJ + 3 :]
    # Kinds with no energy (None: no such point; 0.0) are left out, as accounting reads a
    # missing kind as zero. The row has one column per kind by construction.
    energy = dict(itertools.compress(zip(_KINDS, amounts), amounts))  # noqa: B905
    flagged_by_kind = dict(itertools.compress(zip(_KINDS, flagged), flagged))  # noqa: B905
    return EntityTotals(row[0], row[1], energy, steam_gj or 0.0, missing, readings, flagged_by_kind)


def point_rows(
    *,
    user,
    park_id: int,
    level: str,
    start: datetime,
    end: datetime,
    owner_id: int | None = None,
    public: bool = False,
    zone_id: int | None = None,
) -> list[dict]:
    """The drill-down: each point's energy in the period (sub-meters listed, marked)."""
    points = _points(user, park_id, owner_id, public)
    if zone_id is not None:
        points = points.filter(zone_id=zone_id)
    return list(
        PointRollup.objects.filter(
            point__in=points.values("pk"), level=level, bucket__gte=start, bucket__lt=end
        )
        .values(
            point_code=F("point__code"),
            point_name=F("point__name"),
            kind=F("point__kind"),
            parent_id=F("point__parent_id"),
            enthalpy=F("point__enthalpy_gj_per_t"),
        )
        .annotate(
            energy=Sum("energy"),
            readings=Sum("readings"),
            flagged=Sum("flagged_energy"),
            buckets=Count("bucket"),
        )
        .order_by("point_code")
    )


def hourly_profile(
    *, user, park_id: int, owner_id: int, start: datetime, end: datetime, kinds: tuple[str, ...]
) -> list[tuple[datetime, float]]:
    """Hourly energy of an owner's top-level points of these kinds (for load profiles)."""
    points = _points(user, park_id, owner_id, False).filter(parent__isnull=True, kind__in=kinds)
    return list(
        PointRollup.objects.filter(
            point__in=points.values("pk"), level=Level.HOUR, bucket__gte=start, bucket__lt=end
        )
        .values("bucket")
        .annotate(e=Sum("energy"))
        .order_by("bucket")
        .values_list("bucket", "e")
    )


def completeness(
    *, user, park_id: int, owner_id: int, start: datetime, end: datetime
) -> dict[str, float | int]:
    """Readings received vs expected for an owner's active points over [start, end), up to now
    while it runs, each point capped at what it was expected to send."""
    from parkpilot.energy.selectors import period_completeness

    return period_completeness(
        user=user, park_id=park_id, start=start, end=end, owner_id=owner_id
    ).as_dict()


def first_rollup_month(*, park_id: int):
    """The local date of the park's first metered month (where closing months starts), or None."""
    from zoneinfo import ZoneInfo

    from parkpilot.tenancy.models import Park

    first = (
        PointRollup.objects.filter(point__park_id=park_id, level=Level.MONTH)
        .order_by("bucket")
        .values_list("bucket", flat=True)
        .first()
    )
    if first is None:
        return None
    tz = ZoneInfo(Park.objects.values_list("timezone", flat=True).get(pk=park_id))
    return first.astimezone(tz).date()


def steam_points(*, user, park_id: int, owner_id: int) -> list[dict]:
    """An owner's top-level steam points with their condition and stored enthalpy (what a
    report states beside the steam it converts)."""
    return list(
        _points(user, park_id, owner_id, False)
        .filter(kind=STEAM, parent__isnull=True)
        .order_by("code")
        .values(
            "code", "name", "enthalpy_gj_per_t", "steam_pressure_mpa",
            "steam_pressure_absolute", "steam_temperature_c", "steam_feed_water_c",
        )
    )  # fmt: skip
