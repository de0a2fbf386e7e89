"""Reads of grid governance, always through the access rule (tenancy.access).

Who sees which case (`case_queryset`, the one place that says it):
- park staff and grid supervisors: every case of the park (`Case.tenancy_policy`);
- a reporter: the cases they reported or joined (`OwnCase`, personal through their reports) and
  the published ones (`PublicCase`, shared in the park);
- a grid worker: besides, the cases of the grids they work in now (their own `GridMember` rows);
- a department's person: besides, the cases referred to their department (`DepartmentMember`).
Another park's cases are never in it: each part is the access rule's answer for the actor's park.
"""

import datetime
import math
from collections import Counter, defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.grid import catalogue, geo
from parkpilot.grid.models import (
    CITY_DEPARTMENT,
    GRID_WORKER,
    OPEN_STATUSES,
    Case,
    Department,
    DepartmentMember,
    Grid,
    GridMember,
    OwnCase,
    Photo,
    PublicCase,
    Report,
    Status,
)
from parkpilot.plugins import MyItem, TileData
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import NotFound

DUPLICATE_METRES = 50
DUPLICATE_DAYS = 7


def _sees_whole_park(user) -> bool:
    return user.park_id is not None and access.whole_park(user, Case, user.park_id)


def my_grid_ids(user) -> QuerySet:
    today = timezone.localdate()
    mine = access.scoped(user, GridMember).filter(user_id=user.pk).exclude(valid_to__lt=today)
    return mine.values("grid_id")


def my_department_ids(user) -> QuerySet:
    return access.scoped(user, DepartmentMember).filter(user_id=user.pk).values("department_id")


def _among(scoped: QuerySet) -> Exists:
    """Whether the outer case is one of `scoped`, asked of that case alone: SQLite answers a
    `pk IN (subquery)` by listing the whole subquery first (every published case of the park,
    for each report's duplicates query), EXISTS by one lookup per case."""
    return Exists(scoped.filter(pk=OuterRef("pk")))


def case_queryset(user) -> QuerySet:
    """Every case this user may open (see the module's note)."""
    if user.is_superuser or _sees_whole_park(user):
        return access.scoped(user, Case)
    if not getattr(user, "is_authenticated", False) or user.park_id is None:
        return Case.objects.none()
    visible = Q(_among(access.scoped(user, OwnCase))) | Q(_among(access.scoped(user, PublicCase)))
    roles = access.roles_of(user)
    if GRID_WORKER in roles:
        visible |= Q(grid_id__in=my_grid_ids(user))
    if CITY_DEPARTMENT in roles:
        visible |= Q(department_id__in=my_department_ids(user))
    return Case.objects.filter(park_id=user.park_id).filter(visible)


def case_get(*, user, case_id: int) -> Case:
    found = case_queryset(user).select_related("grid", "department", "worker").filter(pk=case_id)
    case = found.first()
    if case is None:
        raise NotFound
    return case


def case_list(*, user, status: str = "", grid_id: int | None = None) -> QuerySet:
    qs = case_queryset(user).select_related("grid", "department").order_by("-reported_at", "-pk")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return qs


def my_cases(*, user) -> QuerySet:
    return access.scoped(user, OwnCase).select_related("grid").order_by("-reported_at", "-pk")


def my_reports(*, user) -> QuerySet:
    return access.scoped(user, Report).select_related("case").order_by("-created_at")


def is_reporter(*, user, case: Case) -> bool:
    return access.scoped(user, Report).filter(case_id=case.pk).exists()


def work_queue(*, user) -> QuerySet:
    """The open cases of the grids the worker works in, and of their department, oldest due
    first: a worker's and a department's list of work."""
    qs = Case.objects.filter(park_id=user.park_id, status__in=OPEN_STATUSES)
    mine = Q(grid_id__in=my_grid_ids(user)) | Q(
        department_id__in=my_department_ids(user), status=Status.REFERRED
    )
    if _sees_whole_park(user) or user.is_superuser:
        mine = Q()
    return qs.filter(mine).select_related("grid", "department").order_by("due_on", "pk")


def photo_get(*, user, photo_id: int) -> Photo:
    photo = Photo.objects.select_related("case").filter(pk=photo_id).first()
    if photo is None or not case_queryset(user).filter(pk=photo.case_id).exists():
        raise NotFound
    return photo


def may_see_original(*, user, photo: Photo) -> bool:
    return access.can(user, access.READ, photo)


def timeline(*, case: Case) -> list:
    return list(case.events.select_related("by"))


def tracked(*, code: str) -> Case | None:
    """The case a tracking code follows (the public tracking page shows only its state)."""
    report = Report.objects.select_related("case", "case__grid").filter(
        tracking_code=str(code or "").strip().upper()[:12]
    )
    found = report.first()
    return found.case if found else None


# --- places --------------------------------------------------------------------------------


def current_grids(*, user, park) -> QuerySet:
    return access.scoped(user, Grid).filter(park=park, valid_to__isnull=True).order_by("code")


def grid_get(*, user, grid_id: int) -> Grid:
    return access.get_for(user, Grid, grid_id)


def locate(*, user, park, lon: float, lat: float) -> Grid | None:
    grid_id = geo.locator.locate(park.pk, lon, lat)
    return access.scoped(user, Grid).filter(pk=grid_id).first() if grid_id else None


def departments(*, user, park) -> QuerySet:
    return access.scoped(user, Department).filter(park=park).order_by("code")


def _metres(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance (haversine, Earth radius 6,371,008.8 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def likely_duplicates(*, user, park, category: str, lon: float, lat: float, now=None) -> list:
    """Open cases of the same category within 50 m reported in the last 7 days that the person
    may see: offered to join ("+1") instead of a second report."""
    now = now or timezone.now()
    dlat = DUPLICATE_METRES / 111_000
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    near = case_queryset(user).filter(
        park=park,
        category=category,
        status__in=OPEN_STATUSES,
        reported_at__gte=now - datetime.timedelta(days=DUPLICATE_DAYS),
        lon__range=(lon - dlon, lon + dlon),
        lat__range=(lat - dlat, lat + dlat),
    )
    found = [(round(_metres(lon, lat, c.lon, c.lat)), c) for c in near]
    return [
        {"case": c, "metres": m}
        for m, c in sorted(found, key=lambda x: x[0])
        if m <= DUPLICATE_METRES
    ]


# --- the map and the figures -----------------------------------------------------------------


def map_geojson(*, user, park) -> dict:
    """The park's outline (the shared map's base layer), its current grids and the open cases
    this person may see, as one FeatureCollection for templates/components/park_map.html."""
    from parkpilot.tenancy.selectors import park_map

    base = park_map(user=user, park=park) or {"type": "FeatureCollection", "features": []}
    features = [f for f in base["features"] if f["properties"]["kind"] == "park"]
    grids = list(current_grids(user=user, park=park))
    open_counts = Counter(
        case_queryset(user).filter(status__in=OPEN_STATUSES).values_list("grid_id", flat=True)
    )
    for g in grids:
        features.append(
            {
                "type": "Feature",
                "geometry": g.boundary,
                "properties": {
                    "kind": "grid",
                    "name": g.name,
                    "code": g.code,
                    "open": open_counts[g.pk],
                },
            }
        )
    for c in case_list(user=user, status="open")[:500]:
        event = catalogue.event(c.category)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "kind": "case",
                    "name": f"#{c.pk} {event.label if event else ''}",
                    "status": c.get_status_display(),
                },
            }
        )
    demo = bool(base.get("demo")) or any(g.is_demo for g in grids)
    return {"type": "FeatureCollection", "features": features, "demo": demo}


def grid_figures(*, user, park, since: datetime.date | None = None) -> list[dict]:
    """Per current grid: cases, open, on time (closed or resolved by the due date), reopened,
    and the mean rating, over the cases this person may see."""
    stats: dict[int, dict] = defaultdict(
        lambda: {"cases": 0, "open": 0, "finished": 0, "on_time": 0, "reopened": 0, "ratings": []}
    )
    qs = case_queryset(user).filter(park=park)
    if since:
        qs = qs.filter(reported_at__date__gte=since)
    rows = qs.values_list("grid_id", "status", "due_on", "resolved_at", "reopened", "rating")
    for grid_id, status, due_on, resolved_at, reopened, rating in rows:
        s = stats[grid_id]
        s["cases"] += 1
        s["open"] += status in OPEN_STATUSES and status != Status.RESOLVED
        if resolved_at:
            s["finished"] += 1
            s["on_time"] += timezone.localdate(resolved_at) <= due_on
        s["reopened"] += reopened > 0
        if rating:
            s["ratings"].append(rating)
    out = []
    for grid in current_grids(user=user, park=park):
        s = stats.get(grid.pk) or stats[grid.pk]
        out.append(
            {
                "grid": grid,
                "cases": s["cases"],
                "open": s["open"],
                "on_time_rate": s["on_time"] / s["finished"] if s["finished"] else None,
                "reopen_rate": s["reopened"] / s["cases"] if s["cases"] else None,
                "satisfaction": sum(s["ratings"]) / len(s["ratings"]) if s["ratings"] else None,
            }
        )
    return out


def open_cases_tile(user, park) -> TileData:
    """Cockpit tile: the park's open cases, how many are late, and the on-time rate (one
    query: the cockpit's query count is pinned)."""
    today = timezone.localdate()
    waiting = Q(status__in=OPEN_STATUSES) & ~Q(status=Status.RESOLVED)
    resolved = Q(resolved_at__isnull=False)
    figures = (
        case_queryset(user)
        .filter(park=park)
        .aggregate(
            open=Count("pk", filter=waiting),
            late=Count("pk", filter=waiting & Q(due_on__lt=today)),
            resolved=Count("pk", filter=resolved),
            on_time=Count("pk", filter=resolved & Q(resolved_at__date__lte=F("due_on"))),
        )
    )
    done = figures["resolved"]
    rate = f"{figures['on_time'] / done:.0%}" if done else "—"
    return TileData(
        value=figures["open"],
        unit=_("open cases"),
        caption=_("%(late)d late · on time %(rate)s") % {"late": figures["late"], "rate": rate},
        link=reverse("grid:map"),
        status="alert" if figures["late"] else "ok",
        extra={"late": figures["late"], "resolved": done, "on_time": figures["on_time"]},
    )


def my_items(user) -> list[MyItem]:
    """The person's open reports, for the front door's "my items"."""
    items = []
    for case in my_cases(user=user).filter(status__in=OPEN_STATUSES)[:20]:
        event = catalogue.event(case.category)
        items.append(
            MyItem(
                title=f"#{case.pk} {event.label if event else case.category}",
                status=case.get_status_display(),
                link=reverse("grid:case", args=[case.pk]),
                when=case.reported_at,
                source=_("Grid reports"),
            )
        )
    return items
