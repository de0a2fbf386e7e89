"""Writes of land and space: parcels and their pipeline, buildings, floors, units and leases.
Keyword-only, atomic, audited; bad input is refused naming the field."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.inputs import Fields
from parkpilot.space import outlines
from parkpilot.space.codes import parcel_code_problem
from parkpilot.space.errors import ErrorCode
from parkpilot.space.models import (
    PIPELINE,
    Building,
    Datum,
    Emissions,
    Floor,
    LandUse,
    Lease,
    Parcel,
    ParcelKind,
    ParcelStep,
    Status,
    Unit,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code
from parkpilot.tenancy.models import Enterprise, Park

AREA_MAX = Decimal("999999999.99")
OUTLINE_MAX = 1_000_000  # characters of pasted GeoJSON: a parcel's survey, not a county's


def _area(fields: Fields, field: str, value) -> Decimal | None:
    """Square metres above 0, to the hundredth."""
    return fields.decimal(field, value, low=Decimal("0.01"), high=AREA_MAX, places=2)


def _far(fields: Fields, value) -> Decimal | None:
    """A planned floor-area ratio above 0 and at most 20 (none when blank)."""
    return fields.decimal("planned_far", value, low=Decimal("0.01"), high=Decimal(20), places=2,
                          required=False)  # fmt: skip


def _parcel_fields(
    fields: Fields,
    *,
    park,
    name,
    kind,
    use,
    area_m2,
    planned_far,
    zone,
    enterprise,
    project,
    outline,
) -> dict:
    """The checks a parcel's fields share between create and update."""
    values = {
        "name": fields.text("name", name, max_length=200),
        "kind": fields.choice("kind", kind, ParcelKind),
        "use": fields.choice("use", use, LandUse),
        "area_m2": _area(fields, "area_m2", area_m2),
        "planned_far": _far(fields, planned_far),
        "zone": zone, "enterprise": enterprise, "project": project, "outline": outline,
    }  # fmt: skip
    if outline is not None and (problem := outline_problem(outline)) is not None:
        fields.refuse("outline", problem, Code.FORMAT)
    if zone is not None and zone.park_id != park.pk:
        fields.refuse("zone", _("Not a zone of this park."), Code.UNKNOWN)
    if enterprise is not None and enterprise.park_id != park.pk:
        fields.refuse("enterprise", _("Not an enterprise of this park."), Code.UNKNOWN)
    if project is not None and project.park_id != park.pk:
        fields.refuse("project", _("Not a project of this park."), Code.UNKNOWN)
    return values


@transaction.atomic
def parcel_create(
    *, actor, via: str, park: Park, code: str, name: str, kind: str, use: str, area_m2,
    planned_far=None, zone=None, enterprise: Enterprise | None = None, project=None,
    outline: dict | None = None, demo: bool = False,
) -> Parcel:  # fmt: skip
    access.require(actor, access.CREATE, Parcel)
    fields = Fields()
    code = fields.text("code", code, max_length=19).upper()
    if code and (problem := parcel_code_problem(code)) is not None:
        fields.refuse("code", problem, ErrorCode.PARCEL_CODE)
    elif code and Parcel.objects.filter(park=park, code=code).exists():
        fields.refuse("code", _("This parcel code is already registered."), Code.TAKEN)
    values = _parcel_fields(
        fields, park=park, name=name, kind=kind, use=use, area_m2=area_m2,
        planned_far=planned_far, zone=zone, enterprise=enterprise, project=project,
        outline=outline,
    )  # fmt: skip
    fields.check()
    parcel = Parcel.objects.create(park=park, code=code, demo=demo, **values)
    after = {"code": code, "kind": values["kind"], "area_m2": str(values["area_m2"])}
    audit_record(actor=actor, via=via, action="space.parcel_create", obj=parcel, before=None,
                 after=after, park_id=park.pk)  # fmt: skip
    return parcel


@transaction.atomic
def parcel_update(
    *, actor, via: str, parcel: Parcel, name: str, kind: str, use: str, area_m2,
    planned_far=None, zone=None, enterprise: Enterprise | None = None, project=None,
) -> Parcel:  # fmt: skip
    """A parcel's description; its code is its identity and its status is its steps'."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    access.require(actor, access.CHANGE, parcel)
    fields = Fields()
    values = _parcel_fields(
        fields, park=parcel.park, name=name, kind=kind, use=use, area_m2=area_m2,
        planned_far=planned_far, zone=zone, enterprise=enterprise, project=project,
        outline=parcel.outline,
    )  # fmt: skip
    fields.check()
    del values["outline"]
    names = list(values)
    before = _described(parcel, names)
    for name_, value in values.items():
        setattr(parcel, name_, value)
    parcel.save(update_fields=names)
    audit_record(actor=actor, via=via, action="space.parcel_update", obj=parcel, before=before,
                 after=_described(parcel, names), park_id=parcel.park_id)  # fmt: skip
    return parcel


def _described(obj, names) -> dict:
    """The audit row's view of fields: ids for relations, text for numbers."""
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = value.pk if hasattr(value, "pk") else (None if value is None else str(value))
    return out


def outline_problem(outline) -> str | None:
    """Why a GeoJSON outline is not a valid polygon (shapely reads it), or None."""
    from shapely.geometry import shape

    try:
        geometry = shape(outline)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return _("Not a GeoJSON geometry.")
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
        return _("A valid GeoJSON Polygon or MultiPolygon.")
    return None


@transaction.atomic
def parcel_outline_set(*, actor, via: str, parcel: Parcel, outline, datum: str) -> Parcel:
    """The parcel's outline from pasted GeoJSON (space/outlines.py: GCJ-02 converted), checked
    by shapely as a valid polygon; the old one stays in the audit row."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    access.require(actor, access.CHANGE, parcel)
    fields = Fields()
    datum = fields.choice("datum", datum, Datum)
    text = (
        fields.text("outline", outline, max_length=OUTLINE_MAX)
        if isinstance(outline, str)
        else outline
    )
    geometry = None
    if not fields.errors:
        try:
            geometry = outlines.parse(text, datum)
        except outlines.OutlineRefused as refused:
            fields.refuse("outline", str(refused), Code.FORMAT)
    if geometry is not None and (problem := outline_problem(geometry)) is not None:
        fields.refuse("outline", problem, Code.FORMAT)
    fields.check()
    before = {"outline": parcel.outline}
    parcel.outline = geometry
    parcel.save(update_fields=["outline"])
    audit_record(actor=actor, via=via, action="space.parcel_outline_set", obj=parcel,
                 before=before, after={"outline": geometry, "datum": datum},
                 park_id=parcel.park_id)  # fmt: skip
    return parcel


@transaction.atomic
def parcel_step(
    *, actor, via: str, parcel: Parcel, status: str, on, document: str = ""
) -> ParcelStep:
    """The parcel's next step of the pipeline (批而未供 → 供地 → 开工 → 竣工 → 投产), dated no
    earlier than the last and not in the future; any other step is refused."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    access.require(actor, access.CHANGE, parcel)
    fields = Fields()
    on = fields.date("on", on, high=timezone.localdate())
    document = fields.text("document", document, max_length=300, required=False)
    status = fields.choice("status", status, Status)
    if status in PIPELINE:
        if parcel.status == PIPELINE[-1]:
            message = _("The parcel is in production: the pipeline has no further step.")
        else:
            following = PIPELINE.index(parcel.status) + 1 if parcel.status else 0
            expected = PIPELINE[following]
            message = _("The next step of this parcel is “%(next)s”.") % {
                "next": Status(expected).label
            }
        if parcel.status == PIPELINE[-1] or status != expected:
            fields.refuse("status", message, Code.INVALID_TRANSITION)
    last = parcel.steps.order_by("-on", "-id").first()
    if on is not None and last is not None and on < last.on:
        message = _("Not before the last step's date, %(day)s.") % {"day": last.on.isoformat()}
        fields.refuse("on", message, Code.OUT_OF_RANGE)
    fields.check()
    step = ParcelStep.objects.create(parcel=parcel, status=status, on=on, document=document)
    before = {"status": parcel.status}
    parcel.status = status
    parcel.save(update_fields=["status"])
    after = {"status": status, "on": on.isoformat()}
    audit_record(actor=actor, via=via, action="space.parcel_step", obj=parcel, before=before,
                 after=after, park_id=parcel.park_id)  # fmt: skip
    return step


@transaction.atomic
def building_create(
    *, actor, via: str, parcel: Parcel, name: str, floors: list, footprint=None, demo=False
) -> Building:
    """A building on a parcel with its floors' areas (`floors`: [(number, area_m2)])."""
    access.require(actor, access.CREATE, Building)
    fields = Fields()
    name = fields.text("name", name, max_length=200)
    areas = []
    for i, (number, area) in enumerate(floors):
        number = fields.whole(f"floors[{i}].number", number, low=-10, high=200)
        areas.append((number, _area(fields, f"floors[{i}].area_m2", area)))
    numbers = [n for n, _a in areas]
    if len(set(numbers)) != len(numbers):
        fields.refuse("floors", _("A floor number appears twice."), Code.DUPLICATE)
    if not floors:
        fields.refuse("floors", _("A building has at least one floor."), Code.REQUIRED)
    if footprint is not None and (problem := outline_problem(footprint)) is not None:
        fields.refuse("footprint", problem, Code.FORMAT)
    fields.check()
    building = Building.objects.create(
        park_id=parcel.park_id, parcel=parcel, name=name, footprint=footprint, demo=demo
    )
    Floor.objects.bulk_create(Floor(building=building, number=n, area_m2=a) for n, a in areas)
    audit_record(actor=actor, via=via, action="space.building_create", obj=building, before=None,
                 after={"floors": len(areas)}, park_id=parcel.park_id)  # fmt: skip
    return building


def building_create_storeys(
    *, actor, via: str, parcel: Parcel, name: str, lowest, highest, floor_area_m2
) -> Building:
    """A building of equal floors `lowest`..`highest` (no floor 0), as the entry form asks."""
    fields = Fields()
    low = fields.whole("lowest", lowest, low=-10, high=200)
    high = fields.whole("highest", highest, low=-10, high=200)
    if low is not None and high is not None and high < low:
        fields.refuse("highest", _("Not below the lowest floor."), Code.OUT_OF_RANGE)
    area = _area(fields, "floor_area_m2", floor_area_m2)
    fields.check()
    floors = [(n, area) for n in range(low, high + 1) if n != 0]
    return building_create(actor=actor, via=via, parcel=parcel, name=name, floors=floors)


@transaction.atomic
def floor_add(*, actor, via: str, building: Building, number, area_m2) -> Floor:
    building = Building.objects.select_for_update().get(pk=building.pk)
    access.require(actor, access.CHANGE, building)
    fields = Fields()
    number = fields.whole("number", number, low=-10, high=200)
    area = _area(fields, "area_m2", area_m2)
    if number is not None and building.floors.filter(number=number).exists():
        fields.refuse("number", _("The building already has this floor."), Code.TAKEN)
    fields.check()
    floor = Floor.objects.create(building=building, number=number, area_m2=area)
    after = {"number": number, "area_m2": str(area)}
    audit_record(actor=actor, via=via, action="space.floor_add", obj=floor, before=None,
                 after=after, park_id=building.park_id)  # fmt: skip
    return floor


@transaction.atomic
def unit_create(*, actor, via: str, floor: Floor, code: str, area_m2) -> Unit:
    floor = Floor.objects.select_for_update().select_related("building").get(pk=floor.pk)
    access.require(actor, access.CREATE, Unit)
    fields = Fields()
    code = fields.text("code", code, max_length=40)
    if code and floor.units.filter(code=code).exists():
        fields.refuse("code", _("This floor already has a unit of that name."), Code.TAKEN)
    area = _area(fields, "area_m2", area_m2)
    if area is not None:
        let = sum((u.area_m2 for u in floor.units.all()), Decimal(0))
        if let + area > floor.area_m2:
            message = _("The floor's units would exceed its area of %(area)s m².") % {
                "area": floor.area_m2
            }
            fields.refuse("area_m2", message, Code.OUT_OF_RANGE)
    fields.check()
    unit = Unit.objects.create(floor=floor, code=code, area_m2=area)
    audit_record(actor=actor, via=via, action="space.unit_create", obj=unit, before=None,
                 after={"area_m2": str(area)}, park_id=floor.building.park_id)  # fmt: skip
    return unit


@transaction.atomic
def lease_create(
    *, actor, via: str, unit: Unit, enterprise: Enterprise, start, end=None, demo: bool = False
) -> Lease:
    """A lease of a unit; refused when it overlaps another lease of the same unit."""
    unit = Unit.objects.select_for_update().select_related("floor__building").get(pk=unit.pk)
    access.require(actor, access.CREATE, Lease, enterprise_id=enterprise.pk)
    fields = Fields()
    start = fields.date("start", start)
    end = fields.date("end", end, required=False)
    if start and end and end < start:
        fields.refuse("end", _("Not before the start."), Code.OUT_OF_RANGE)
    if enterprise.park_id != unit.floor.building.park_id:
        fields.refuse("enterprise", _("Not an enterprise of this park."), Code.UNKNOWN)
    if not fields.errors and _overlaps(unit, start, end):
        message = _("The unit is already let for part of these dates.")
        fields.refuse("start", message, ErrorCode.LEASE_OVERLAP)
    fields.check()
    lease = Lease.objects.create(unit=unit, enterprise=enterprise, start=start, end=end, demo=demo)
    after = {"enterprise": enterprise.pk, "start": start.isoformat(),
             "end": end.isoformat() if end else None}  # fmt: skip
    audit_record(actor=actor, via=via, action="space.lease_create", obj=lease, before=None,
                 after=after, park_id=unit.floor.building.park_id)  # fmt: skip
    return lease


@transaction.atomic
def lease_end(*, actor, via: str, lease: Lease, end) -> Lease:
    """End a lease on `end` (its last day): not before its start, nor after an end it already
    has (a lease is shortened, never lengthened over a unit that may be let again)."""
    unit = Unit.objects.select_for_update().get(pk=lease.unit_id)  # the lock lease_create takes
    lease = Lease.objects.select_related("unit__floor__building").get(pk=lease.pk)
    access.require(actor, access.CHANGE, lease)
    fields = Fields()
    end = fields.date("end", end)
    if end is not None and end < lease.start:
        message = _("Not before the lease's start, %(day)s.") % {"day": lease.start.isoformat()}
        fields.refuse("end", message, Code.OUT_OF_RANGE)
    elif end is not None and lease.end is not None and end > lease.end:
        message = _("Not after the lease's end, %(day)s.") % {"day": lease.end.isoformat()}
        fields.refuse("end", message, Code.OUT_OF_RANGE)
    fields.check()
    before = {"end": lease.end.isoformat() if lease.end else None}
    lease.end = end
    lease.save(update_fields=["end"])
    audit_record(actor=actor, via=via, action="space.lease_end", obj=lease, before=before,
                 after={"end": end.isoformat()}, park_id=unit.floor.building.park_id)  # fmt: skip
    return lease


def _overlaps(unit: Unit, start: date, end: date | None) -> bool:
    others = unit.leases.all()
    others = others.exclude(end__lt=start)  # those ending before ours starts do not overlap
    if end is not None:
        others = others.exclude(start__gt=end)
    return others.exists()


POLLUTANTS = ("cod_t", "nh3n_t", "so2_t", "nox_t")
TONNES_MAX = Decimal("999999999.999")


@transaction.atomic
def emissions_set(
    *, actor, via: str, park: Park, enterprise: Enterprise, year, cod_t, nh3n_t, so2_t, nox_t,
    source: str = "", demo: bool = False,
) -> Emissions:  # fmt: skip
    """An enterprise's tonnes of the major pollutants in a year, from the 环境统计: entered
    once, corrected by entering again (the audit row keeps the old figures)."""
    access.require(actor, access.CREATE, Emissions, enterprise_id=enterprise.pk)
    fields = Fields()
    year = fields.whole("year", year, low=2000, high=timezone.localdate().year)
    tonnes = {
        name: fields.decimal(name, value, low=0, high=TONNES_MAX, places=3)
        for name, value in zip(POLLUTANTS, (cod_t, nh3n_t, so2_t, nox_t), strict=True)
    }
    source = fields.text("source", source, max_length=200, required=False)
    if enterprise.park_id != park.pk:
        fields.refuse("enterprise", _("Not an enterprise of this park."), Code.UNKNOWN)
    fields.check()
    row = (
        Emissions.objects.select_for_update()
        .filter(park=park, enterprise=enterprise, year=year)
        .first()
    )
    before = None if row is None else {n: str(getattr(row, n)) for n in POLLUTANTS}
    if row is None:
        row = Emissions(park=park, enterprise=enterprise, year=year, demo=demo)
    for name, value in tonnes.items():
        setattr(row, name, value)
    row.source = source
    row.save()
    audit_record(actor=actor, via=via, action="space.emissions_set", obj=row, before=before,
                 after={n: str(v) for n, v in tonnes.items()}, park_id=park.pk)  # fmt: skip
    return row
