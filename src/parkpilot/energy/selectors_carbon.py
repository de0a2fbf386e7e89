"""Reads over the energy rollups for carbon accounting (owned by the carbon app).

Why point rollups of top-level points rather than the scope rows of EnergyRollup: a sub-meter
(a point with a parent) measures energy its parent already measured, so only top-level points
count; steam needs each point's own enthalpy to turn mass into heat; and a meter that moved
(energy/models_assignment.py) must be attributed by the enterprise and zone it had at each
bucket, while scope rows keep the owner they were written under.

One basis: every read here that attributes energy to an enterprise, a zone or the public loads
goes through `_attributed()`, which attributes each rollup row by the point's assignment in
effect at the row's bucket. A point that has not moved since the period began is read from the
registry's current owner and zone (its open assignment, kept equal to them: the fast path); a
moved one is joined to its assignments; a point that moved inside the period is read in hour
buckets (moves are on whole hours: no hour straddles one). A point without any assignment
(made by a bare insert) counts as its current owner and zone, as before dated ownership."""

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
# Which points a branch reads: none of their assignments starts after the period's start (the
# open one, which the point's owner and zone repeat, covers the whole period); one starts
# after it; one starts inside it.
_STARTS_AFTER = f"SELECT point_id FROM {_ASSIGNMENTS} WHERE valid_from > %s"
_STARTS_INSIDE = f"SELECT point_id FROM {_ASSIGNMENTS} WHERE valid_from > %s AND valid_from < %s"

# A point none of whose assignments starts after the period's start is read as before dated
# ownership, straight from the registry's current values: the fast path every unmoved point
# takes (and a point made by a bare insert, without assignments, counts as its current owner).
_CURRENT = f"""
SELECT r.point_id AS point_id, p.owner_id AS owner_id, p.zone_id AS zone_id, p.kind AS kind,
       p.enthalpy_gj_per_t AS enthalpy, r.energy AS energy, r.readings AS readings,
       r.flagged_energy AS flagged, r.bucket AS bucket
FROM {_ROLLUPS} r JOIN {_POINTS} p ON p.id = r.point_id
WHERE p.park_id = %s AND r.level = %s AND r.bucket >= %s AND r.bucket < %s
  AND p.id NOT IN ({_STARTS_AFTER}){{where}}
"""
# A point that has moved since: each rollup row joined to the assignment in effect at its bucket.
_DATED = f"""
SELECT r.point_id AS point_id, a.enterprise_id AS owner_id, a.zone_id AS zone_id,
       p.kind AS kind, p.enthalpy_gj_per_t AS enthalpy, r.energy AS energy,
       r.readings AS readings, r.flagged_energy AS flagged, {{bucket}} AS bucket
FROM {_ROLLUPS} r JOIN {_POINTS} p ON p.id = r.point_id
JOIN {_ASSIGNMENTS} a ON a.point_id = r.point_id AND a.valid_from <= r.bucket
     AND (a.valid_to IS NULL OR r.bucket < a.valid_to)
WHERE p.park_id = %s AND r.level = %s AND r.bucket >= %s AND r.bucket < %s
  AND p.id {{inside}} ({_STARTS_INSIDE}) AND p.id IN ({_STARTS_AFTER}){{where}}
"""


def _filter(
    user, park_id, owner_id, public, zone_id, kinds, top_level, point_id=None, *, dated: bool
):
    """The branch's WHERE tail and its parameters: what the read wants, and who reads."""
    owner, zone = ("a.enterprise_id", "a.zone_id") if dated else ("p.owner_id", "p.zone_id")
    parts: list[str] = []
    params: list = []
    if top_level:
        parts.append("p.parent_id IS NULL")
    if not access.whole_park(user, MeteringPoint, park_id):
        # Everyone else reads what access.scoped() gives them: on the dated branch the spans
        # (an enterprise: the ones it held, also of a meter that has moved on since).
        model = PointAssignment if dated else MeteringPoint
        column = "a.id" if dated else "p.id"
        sub, sub_params = access.scoped(user, model).values("pk").query.sql_with_params()
        parts.append(f"{column} IN ({sub})")
        params += sub_params
    if owner_id is not None:
        parts.append(f"{owner} = %s")
        params.append(owner_id)
    elif public:
        parts.append(f"{owner} IS NULL")
    if zone_id is not None:
        parts.append(f"{zone} = %s")
        params.append(zone_id)
    if point_id is not None:
        parts.append("p.id = %s")
        params.append(point_id)
    if kinds:
        parts.append(f"p.kind IN ({', '.join(['%s'] * len(kinds))})")
        params += list(kinds)
    return "".join(f" AND {part}" for part in parts), params


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
    point_id: int | None = None,
) -> list[tuple[str, list]]:
    """The one basis: the park's rollup rows in [start, end), each with the enterprise
    (owner_id; NULL: the public loads) and zone it is attributed to, as three derived tables
    over disjoint sets of points (unmoved since the start; moved after the period; moved
    inside it, read in hours, their bucket mapped onto `bucket_starts` when given so the hours
    fold into the caller's months). Columns: point_id, owner_id, zone_id, kind, enthalpy,
    energy, readings, flagged, bucket. A caller aggregates each and merges (_aggregate)."""
    adapt = connections[PointRollup.objects.db].ops.adapt_datetimefield_value
    lo, hi = adapt(start), adapt(end)
    # Hours for a point that moved inside the period; a quarter period reads quarters anyway.
    split = level if level in (Level.QUARTER, Level.HOUR) else Level.HOUR
    wants = (user, park_id, owner_id, public, zone_id, kinds, top_level, point_id)
    where, params = _filter(*wants, dated=False)
    branches = [(_CURRENT.format(where=where), [park_id, level, lo, hi, lo, *params])]
    where, params = _filter(*wants, dated=True)
    for inside, read_level in (("NOT IN", level), ("IN", split)):
        bucket, bucket_params = "r.bucket", []
        if bucket_starts and read_level != level:
            bucket, bucket_params = _fold(bucket_starts, adapt)
        sql = _DATED.format(bucket=bucket, inside=inside, where=where)
        branches.append((sql, [*bucket_params, park_id, read_level, lo, hi, lo, hi, lo, *params]))
    return branches


def _fold(starts: list[datetime], adapt) -> tuple[str, list]:
    """A CASE mapping a finer bucket onto the start of the caller's bucket holding it."""
    whens, params = [], []
    for this, following in itertools.pairwise(starts):
        whens.append("WHEN r.bucket < %s THEN %s")
        params += [adapt(following), adapt(this)]
    whens.append("ELSE %s")
    params.append(adapt(starts[-1]))
    return f"CASE {' '.join(whens)} END", params


def _aggregate(branches, select: str, group: str, keys: tuple[int, ...]) -> list[tuple]:
    """Run `SELECT {select} FROM (branch) t GROUP BY {group}` over every branch in one
    statement (UNION ALL), then merge rows whose `keys` columns agree (an entity with points
    in more than one branch) by adding up their other columns."""
    sql = "\nUNION ALL\n".join(
        f"SELECT {select} FROM ({branch}) t GROUP BY {group}" for branch, _ in branches
    )
    params = [p for _, branch_params in branches for p in branch_params]
    with connections[PointRollup.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    merged: dict[tuple, list] = {}
    instants: dict = {}  # raw bucket -> datetime: the same dozen recur in every entity's rows
    for row in rows:
        key = tuple(_key(row[i], instants) for i in keys)
        into = merged.get(key)
        if into is None:
            merged[key] = list(row)
            for i, value in zip(keys, key, strict=True):
                merged[key][i] = value  # the bucket as a datetime, parsed once
            continue
        for i, value in enumerate(row):
            if i not in keys and value is not None:
                into[i] = value if into[i] is None else into[i] + value
    return [tuple(row) for row in merged.values()]


def _key(value, instants: dict):
    # A bucket comes back as text or a datetime depending on the engine and the branch.
    if not isinstance(value, str | datetime):
        return value
    found = instants.get(value)
    if found is None:
        found = instants[value] = _instant(value)
    return found


# One row per entity: an enterprise (wherever its points are), or a zone's public loads. Kinds
# are pivoted into columns so the database folds everything and sends 500 rows for 500
# enterprises, not one per (entity, kind). Kind values come from the enum, never from input;
# in name order, so each entity's energy by kind comes out sorted as accounts store it.
_KINDS = tuple(sorted(kind.value for kind in EnergyKind))
_ACCOUNTING_SELECT = """
t.owner_id, CASE WHEN t.owner_id IS NULL THEN t.zone_id END, {kinds},
       SUM(CASE WHEN t.kind = '{steam}' THEN t.energy * t.enthalpy END),
       COUNT(CASE WHEN t.kind = '{steam}' AND t.enthalpy IS NULL THEN 1 END),
       SUM(t.readings), {flagged}{bucket}
"""
_ACCOUNTING_GROUP = "t.owner_id, CASE WHEN t.owner_id IS NULL THEN t.zone_id END{bucket}"


def _accounting_rows(branches, by_bucket: bool = False) -> list[tuple]:
    bucket = ", t.bucket" if by_bucket else ""
    select = _ACCOUNTING_SELECT.format(
        kinds=", ".join(f"SUM(CASE WHEN t.kind = '{k}' THEN t.energy END)" for k in _KINDS),
        # Flagged energy per kind too: kWh, m³ and tonnes are never added together.
        flagged=", ".join(f"SUM(CASE WHEN t.kind = '{k}' THEN t.flagged END)" for k in _KINDS),
        steam=STEAM,
        bucket=bucket,
    )
    # An entity is its owner and public zone, and with buckets the bucket (the last column).
    keys = (0, 1, 3 + 2 * len(_KINDS) + 2) if by_bucket else (0, 1)
    return _aggregate(branches, select, _ACCOUNTING_GROUP.format(bucket=bucket), keys)


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
    branches = _attributed(user, park_id, level, start, end, owner_id=owner_id, public=public)
    return [_entity(row) for row in _accounting_rows(branches)]


def monthly_accounting_rows(
    *, user, park_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, "EntityTotals"]]:
    """accounting_rows per month bucket in [start, end): (bucket start, totals) per entity
    and month, in one query. What a year's intensity needs to use only the months that have
    both energy and value added."""
    branches = _attributed(
        user, park_id, Level.MONTH, start, end, bucket_starts=_month_starts(park_id, start, end)
    )
    rows = _accounting_rows(branches, by_bucket=True)
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
    branches = _attributed(
        user, park_id, level, start, end, owner_id=owner_id, public=public, zone_id=zone_id,
        top_level=False,
    )  # fmt: skip
    select = "t.point_id, SUM(t.energy), SUM(t.readings), SUM(t.flagged), COUNT(*)"
    sums = {row[0]: row[1:] for row in _aggregate(branches, select, "t.point_id", (0,))}
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
    kinds = tuple(str(k) for k in kinds)
    branches = _attributed(user, park_id, Level.HOUR, start, end, owner_id=owner_id, kinds=kinds)
    rows = _aggregate(branches, "t.bucket, SUM(t.energy)", "t.bucket", (0,))
    return sorted((_instant(bucket), energy) for bucket, energy in rows)


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


# What a drill-down level breaks its figure down by: the column of the derived table.
_CHILD = {
    "park": "t.zone_id",
    "zone": "t.owner_id",
    "enterprise": "t.point_id",
    "point": "t.point_id",
}


def drill_rows(
    *,
    user,
    park_id: int,
    level: str,
    start: datetime,
    end: datetime,
    bucket_starts: list[datetime],
    kind: str,
    by: str,
    zone_id: int | None = None,
    owner_id: int | None = None,
    point_id: int | None = None,
) -> list[tuple]:
    """The drill-down's one read: (child, bucket, energy) of one kind in [start, end), on the
    figures' basis (top-level points, each bucket where its meter then belonged), the child
    being the level below `by` (park: zone; zone: enterprise, None for the public loads;
    enterprise: point). A single point's level reads that point, sub-meter or not."""
    branches = _attributed(
        user, park_id, level, start, end, owner_id=owner_id, zone_id=zone_id, kinds=(kind,),
        top_level=point_id is None, bucket_starts=bucket_starts, point_id=point_id,
    )  # fmt: skip
    child = _CHILD[by]
    rows = _aggregate(branches, f"{child}, t.bucket, SUM(t.energy)", f"{child}, t.bucket", (0, 1))
    return [(row[0], _instant(row[1]), row[2] or 0.0) for row in rows]
