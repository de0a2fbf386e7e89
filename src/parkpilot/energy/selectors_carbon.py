"""Reads over the energy rollups for carbon accounting (owned by the carbon app).

Why point rollups of top-level points rather than the scope rows of EnergyRollup: a sub-meter
(a point with a parent) measures energy its parent already measured, so only top-level points
count; steam needs each point's own enthalpy to turn mass into heat; and a meter that moved
(energy/models_assignment.py) must be attributed by the enterprise and zone it had at each
bucket, while scope rows keep the owner they were written under.

One basis: every read here that attributes energy to an enterprise, a zone or the public loads
goes through `_attributed()`, which joins each rollup row to the point's assignment in effect
at the row's bucket. A point whose assignments change inside the period is read in hour
buckets (moves are on whole hours: no hour straddles one); every other point at the level
asked for. A point without any assignment (made by a bare insert) counts as its current owner
and zone, as before dated ownership."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import QuerySet

from parkpilot.energy.kinds import EnergyKind
from parkpilot.energy.models import Level, MeteringPoint, PointRollup
from parkpilot.energy.models_assignment import PointAssignment
from parkpilot.tenancy import access

STEAM = EnergyKind.STEAM.value
_POINTS = MeteringPoint._meta.db_table
_ROLLUPS = PointRollup._meta.db_table
_ASSIGNMENTS = PointAssignment._meta.db_table
# The assignment in effect at the bucket, else (no assignment at all) the point's own values.
_OWNER = "CASE WHEN a.id IS NULL THEN p.owner_id ELSE a.enterprise_id END"
_ZONE = "CASE WHEN a.id IS NULL THEN p.zone_id ELSE a.zone_id END"

_BRANCH = f"""
SELECT r.point_id AS point_id, {_OWNER} AS owner_id, {_ZONE} AS zone_id, p.kind AS kind,
       p.enthalpy_gj_per_t AS enthalpy, r.energy AS energy, r.readings AS readings,
       r.flagged_energy AS flagged, {{bucket}} AS bucket
FROM {_POINTS} p
JOIN {_ROLLUPS} r ON r.point_id = p.id
LEFT JOIN {_ASSIGNMENTS} a ON a.point_id = p.id AND a.valid_from <= r.bucket
     AND (a.valid_to IS NULL OR r.bucket < a.valid_to)
WHERE p.park_id = %s AND r.level = %s AND r.bucket >= %s AND r.bucket < %s
  AND p.id {{moved}} (SELECT point_id FROM {_ASSIGNMENTS} WHERE valid_from > %s AND valid_from < %s)
  {{where}}
"""


class _Filter(NamedTuple):
    """Which attributed rows a read wants, and who reads (tenancy)."""

    sql: str
    params: list


def _filter(user, park_id: int, owner_id, public: bool, zone_id, kinds, top_level) -> _Filter:
    parts: list[str] = []
    params: list = []
    if top_level:
        parts.append("p.parent_id IS NULL")
    if not access.whole_park(user, MeteringPoint, park_id):
        # Everyone else reads the spans access.scoped() gives them (an enterprise: the ones
        # it held, also of a meter that has moved on), or a point without spans it may see.
        spans, span_params = (
            access.scoped(user, PointAssignment).values("pk").query.sql_with_params()
        )
        points, point_params = (
            access.scoped(user, MeteringPoint).values("pk").query.sql_with_params()
        )
        parts.append(f"(a.id IN ({spans}) OR (a.id IS NULL AND p.id IN ({points})))")
        params += [*span_params, *point_params]
    if owner_id is not None:
        # The candidates first (indexed: the points it ever held), then the exact attribution.
        parts.append(
            f"(p.owner_id = %s OR p.id IN (SELECT point_id FROM {_ASSIGNMENTS} "
            f"WHERE enterprise_id = %s)) AND {_OWNER} = %s"
        )
        params += [owner_id, owner_id, owner_id]
    elif public:
        parts.append(f"{_OWNER} IS NULL")
    if zone_id is not None:
        parts.append(f"{_ZONE} = %s")
        params.append(zone_id)
    if kinds:
        parts.append(f"p.kind IN ({', '.join(['%s'] * len(kinds))})")
        params += list(kinds)
    return _Filter("".join(f" AND {part}" for part in parts), params)


def _attributed(
    user,
    park_id: int,
    level: str,
    start: datetime,
    end: datetime,
    *,
    owner_id: int | None = None,
    public: bool = False,
    zone_id: int | None = None,
    kinds: tuple[str, ...] = (),
    top_level: bool = True,
    bucket_starts: list[datetime] | None = None,
) -> tuple[str, list]:
    """The one basis: a derived table of the park's rollup rows in [start, end) with the
    enterprise (owner_id, NULL: public loads) and zone each is attributed to, and its bucket
    (mapped onto `bucket_starts` when given, so hour rows of a moved point fold into the
    caller's months). Columns: point_id, owner_id, zone_id, kind, enthalpy, energy, readings,
    flagged, bucket."""
    adapt = connections[PointRollup.objects.db].ops.adapt_datetimefield_value
    # Hours for a point that moved inside the period; a quarter period reads quarters anyway.
    split = level if level in (Level.QUARTER, Level.HOUR) else Level.HOUR
    found = _filter(user, park_id, owner_id, public, zone_id, kinds, top_level)
    branches, params = [], []
    for moved, read_level in (("NOT IN", level), ("IN", split)):
        bucket, bucket_params = "r.bucket", []
        if bucket_starts and read_level != level:
            bucket, bucket_params = _fold(bucket_starts, adapt)
        branches.append(_BRANCH.format(bucket=bucket, moved=moved, where=found.sql))
        params += [
            *bucket_params, park_id, read_level, adapt(start), adapt(end), adapt(start),
            adapt(end), *found.params,
        ]  # fmt: skip
    return "\nUNION ALL\n".join(branches), params


def _fold(starts: list[datetime], adapt) -> tuple[str, list]:
    """A CASE mapping a finer bucket onto the start of the caller's bucket holding it."""
    whens, params = [], []
    for this, following in itertools.pairwise(starts):
        whens.append("WHEN r.bucket < %s THEN %s")
        params += [adapt(following), adapt(this)]
    whens.append("ELSE %s")
    params.append(adapt(starts[-1]))
    return f"CASE {' '.join(whens)} END", params


# One row per entity: an enterprise (wherever its points are), or a zone's public loads. Kinds
# are pivoted into columns so the database folds everything and sends 500 rows for 500
# enterprises, not one per (entity, kind). Kind values come from the enum, never from input;
# in name order, so each entity's energy by kind comes out sorted as accounts store it.
_KINDS = tuple(sorted(kind.value for kind in EnergyKind))
_ACCOUNTING_SQL = """
SELECT t.owner_id, CASE WHEN t.owner_id IS NULL THEN t.zone_id END, {kinds},
       SUM(CASE WHEN t.kind = '{steam}' THEN t.energy * t.enthalpy END),
       COUNT(CASE WHEN t.kind = '{steam}' AND t.enthalpy IS NULL THEN 1 END),
       SUM(t.readings), {flagged}{bucket}
FROM ({attributed}) t
GROUP BY t.owner_id, CASE WHEN t.owner_id IS NULL THEN t.zone_id END{bucket}
"""


def _accounting_sql(attributed: str, by_bucket: bool = False) -> str:
    return _ACCOUNTING_SQL.format(
        kinds=", ".join(f"SUM(CASE WHEN t.kind = '{k}' THEN t.energy END)" for k in _KINDS),
        # Flagged energy per kind too: kWh, m³ and tonnes are never added together.
        flagged=", ".join(f"SUM(CASE WHEN t.kind = '{k}' THEN t.flagged END)" for k in _KINDS),
        steam=STEAM,
        attributed=attributed,
        bucket=", t.bucket" if by_bucket else "",
    )


_STEAM_GJ = 2 + len(_KINDS)  # column of the steam heat, after owner, zone and the kinds


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
    zone for the park's public loads, each bucket attributed by the assignment then in effect.

    Written as SQL: it is the read behind every live carbon figure, and building the same
    query through the ORM cost about as much as running it (measured on a park of 500
    enterprises). Whole-park readers (what access.scoped gives park roles) filter by park;
    everyone else by the ORM's own scoped queries, so tenancy stays in one place."""
    attributed, params = _attributed(
        user, park_id, level, start, end, owner_id=owner_id, public=public
    )
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(_accounting_sql(attributed), params)
        return [_entity(row) for row in cursor.fetchall()]


def monthly_accounting_rows(
    *, user, park_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, "EntityTotals"]]:
    """accounting_rows per month bucket in [start, end): (bucket start, totals) per entity
    and month, in one query. What a year's intensity needs to use only the months that have
    both energy and value added."""
    attributed, params = _attributed(
        user, park_id, Level.MONTH, start, end, bucket_starts=_month_starts(park_id, start, end)
    )
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(_accounting_sql(attributed, by_bucket=True), params)
        rows = cursor.fetchall()
    return [(_instant(row[-1]), _entity(row[:-1])) for row in rows]


def _month_starts(park_id: int, start: datetime, end: datetime) -> list[datetime]:
    """The local month starts from `start` (a month's start) to before `end`."""
    from parkpilot.tenancy.models import Park

    tz = ZoneInfo(Park.objects.values_list("timezone", flat=True).get(pk=park_id))
    month = start.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    while month < end:
        starts.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts or [start]


def _instant(value) -> datetime:
    """A bucket from a raw query: PostgreSQL gives an aware datetime; SQLite gives the stored
    UTC text or a naive datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    """The drill-down: each point's energy in the period (sub-meters listed, marked), on the
    figure's basis: a meter that moved shows only the share attributed here."""
    attributed, params = _attributed(
        user, park_id, level, start, end, owner_id=owner_id, public=public, zone_id=zone_id,
        top_level=False,
    )  # fmt: skip
    sql = (
        "SELECT t.point_id, SUM(t.energy), SUM(t.readings), SUM(t.flagged), COUNT(*) "
        f"FROM ({attributed}) t GROUP BY t.point_id"
    )
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        sums = {row[0]: row[1:] for row in cursor.fetchall()}
    points = MeteringPoint.objects.filter(pk__in=list(sums)).values_list(
        "pk", "code", "name", "kind", "parent_id", "enthalpy_gj_per_t"
    )
    rows = []
    for pk, code, name, kind, parent_id, enthalpy in points:
        energy, readings, flagged, buckets = sums[pk]
        rows.append({
            "point_code": code, "point_name": name, "kind": kind, "parent_id": parent_id,
            "enthalpy": enthalpy, "energy": energy, "readings": readings, "flagged": flagged,
            "buckets": buckets,
        })  # fmt: skip
    return sorted(rows, key=lambda row: row["point_code"])


def hourly_profile(
    *, user, park_id: int, owner_id: int, start: datetime, end: datetime, kinds: tuple[str, ...]
) -> list[tuple[datetime, float]]:
    """Hourly energy of an owner's top-level points of these kinds (for load profiles), each
    hour where its meter then belonged."""
    attributed, params = _attributed(
        user, park_id, Level.HOUR, start, end, owner_id=owner_id, kinds=tuple(str(k) for k in kinds)
    )
    sql = f"SELECT t.bucket, SUM(t.energy) FROM ({attributed}) t GROUP BY t.bucket ORDER BY 1"
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(_instant(bucket), energy) for bucket, energy in cursor.fetchall()]


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


def _points(user, park_id: int, owner_id: int) -> QuerySet:
    return access.scoped(user, MeteringPoint).filter(park_id=park_id, owner_id=owner_id)


def steam_points(*, user, park_id: int, owner_id: int) -> list[dict]:
    """An owner's top-level steam points with their condition and stored enthalpy (what a
    report states beside the steam it converts)."""
    return list(
        _points(user, park_id, owner_id)
        .filter(kind=STEAM, parent__isnull=True)
        .order_by("code")
        .values(
            "code", "name", "enthalpy_gj_per_t", "steam_pressure_mpa",
            "steam_pressure_absolute", "steam_temperature_c", "steam_feed_water_c",
        )
    )  # fmt: skip
