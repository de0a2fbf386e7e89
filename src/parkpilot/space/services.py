"""Writes of land and space: parcels and their pipeline, buildings, floors, units and leases.
Keyword-only, atomic, audited; bad input is refused naming the field."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.space.codes import parcel_code_problem
from parkpilot.space.errors import ErrorCode
from parkpilot.space.models import (
    PIPELINE,
    Building,
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
from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park


def _area(value, field: str, errors: list, *, maximum=Decimal("1e9")) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(FieldError(field, _("Must be a number of square metres."), Code.NOT_A_NUMBER))
        return None
    if not number.is_finite() or not 0 < number < maximum or number != round(number, 2):
        errors.append(
            FieldError(field, _("Must be above 0, to the hundredth at most."), Code.OUT_OF_RANGE)
        )
        return None
    return number


def _far(value, errors: list) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(FieldError("planned_far", _("Must be a number."), Code.NOT_A_NUMBER))
        return None
    if not number.is_finite() or not 0 < number <= 20 or number != round(number, 2):
        message = _("A floor-area ratio above 0 and at most 20, to the hundredth.")
        errors.append(FieldError("planned_far", message, Code.OUT_OF_RANGE))
        return None
    return number


def _choice(value, choices, field: str, errors: list) -> str:
    if value not in choices.values:
        errors.append(FieldError(field, _("Not one of the choices."), Code.INVALID))
    return value


def _date(value, field: str, errors: list) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        errors.append(FieldError(field, _("A date as YYYY-MM-DD."), Code.FORMAT))
        return None


@transaction.atomic
def parcel_create(
    *, actor, via: str, park: Park, code: str, name: str, kind: str, use: str, area_m2,
    planned_far=None, zone=None, enterprise: Enterprise | None = None, project=None,
    outline: dict | None = None, demo: bool = False,
) -> Parcel:  # fmt: skip
    access.require(actor, access.CREATE, Parcel)
    errors: list[FieldError] = []
    code = str(code or "").strip().upper()
    if (problem := parcel_code_problem(code)) is not None:
        errors.append(FieldError("code", problem, ErrorCode.PARCEL_CODE))
    elif Parcel.objects.filter(park=park, code=code).exists():
        errors.append(FieldError("code", _("This parcel code is already registered."), Code.TAKEN))
    if not str(name or "").strip():
        errors.append(FieldError("name", _("Name the parcel."), Code.REQUIRED))
    _choice(kind, ParcelKind, "kind", errors)
    _choice(use, LandUse, "use", errors)
    area = _area(area_m2, "area_m2", errors)
    far = _far(planned_far, errors)
    if outline is not None and (problem := outline_problem(outline)) is not None:
        errors.append(FieldError("outline", problem, Code.FORMAT))
    if enterprise is not None and enterprise.park_id != park.pk:
        errors.append(FieldError("enterprise", _("Not an enterprise of this park."), Code.UNKNOWN))
    if project is not None and project.park_id != park.pk:
        errors.append(FieldError("project", _("Not a project of this park."), Code.UNKNOWN))
    if errors:
        raise ValidationFailed(errors)
    parcel = Parcel.objects.create(
        park=park, zone=zone, code=code, name=name.strip(), kind=kind, use=use, area_m2=area,
        planned_far=far, enterprise=enterprise, project=project, outline=outline, demo=demo,
    )  # fmt: skip
    after = {"code": code, "kind": kind, "area_m2": str(area)}
    audit_record(actor=actor, via=via, action="space.parcel_create", obj=parcel, before=None,
                 after=after, park_id=park.pk)  # fmt: skip
    return parcel


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
def parcel_step(
    *, actor, via: str, parcel: Parcel, status: str, on, document: str = ""
) -> ParcelStep:
    """The parcel's next step of the pipeline (批而未供 → 供地 → 开工 → 竣工 → 投产), dated no
    earlier than the last and not in the future; any other step is refused."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    access.require(actor, access.CHANGE, parcel)
    errors: list[FieldError] = []
    on = _date(on, "on", errors)
    if status not in PIPELINE:
        errors.append(FieldError("status", _("Not a step of the land pipeline."), Code.INVALID))
    else:
        if parcel.status == PIPELINE[-1]:
            message = _("The parcel is in production: the pipeline has no further step.")
        else:
            following = PIPELINE.index(parcel.status) + 1 if parcel.status else 0
            expected = PIPELINE[following]
            message = _("The next step of this parcel is “%(next)s”.") % {
                "next": Status(expected).label
            }
        if parcel.status == PIPELINE[-1] or status != expected:
            errors.append(FieldError("status", message, Code.INVALID_TRANSITION))
    last = parcel.steps.order_by("-on", "-id").first()
    if on is not None and last is not None and on < last.on:
        message = _("Not before the last step's date, %(day)s.") % {"day": last.on.isoformat()}
        errors.append(FieldError("on", message, Code.OUT_OF_RANGE))
    if on is not None and on > timezone.localdate():
        errors.append(FieldError("on", _("Not in the future."), Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
    step = ParcelStep.objects.create(parcel=parcel, status=status, on=on, document=document.strip())
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
    errors: list[FieldError] = []
    if not str(name or "").strip():
        errors.append(FieldError("name", _("Name the building."), Code.REQUIRED))
    areas = []
    for i, (number, area) in enumerate(floors):
        areas.append((number, _area(area, f"floors[{i}].area_m2", errors)))
    numbers = [n for n, _a in areas]
    if len(set(numbers)) != len(numbers):
        errors.append(FieldError("floors", _("A floor number appears twice."), Code.DUPLICATE))
    if not floors:
        errors.append(FieldError("floors", _("A building has at least one floor."), Code.REQUIRED))
    if footprint is not None and (problem := outline_problem(footprint)) is not None:
        errors.append(FieldError("footprint", problem, Code.FORMAT))
    if errors:
        raise ValidationFailed(errors)
    building = Building.objects.create(
        park_id=parcel.park_id, parcel=parcel, name=name.strip(), footprint=footprint, demo=demo
    )
    Floor.objects.bulk_create(Floor(building=building, number=n, area_m2=a) for n, a in areas)
    audit_record(actor=actor, via=via, action="space.building_create", obj=building, before=None,
                 after={"floors": len(areas)}, park_id=parcel.park_id)  # fmt: skip
    return building


@transaction.atomic
def unit_create(*, actor, via: str, floor: Floor, code: str, area_m2) -> Unit:
    access.require(actor, access.CREATE, Unit)
    errors: list[FieldError] = []
    code = str(code or "").strip()
    if not code:
        errors.append(FieldError("code", _("Name the unit."), Code.REQUIRED))
    elif floor.units.filter(code=code).exists():
        errors.append(
            FieldError("code", _("This floor already has a unit of that name."), Code.TAKEN)
        )
    area = _area(area_m2, "area_m2", errors)
    if area is not None:
        let = sum((u.area_m2 for u in floor.units.all()), Decimal(0))
        if let + area > floor.area_m2:
            message = _("The floor's units would exceed its area of %(area)s m².") % {
                "area": floor.area_m2
            }
            errors.append(FieldError("area_m2", message, Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
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
    errors: list[FieldError] = []
    start = _date(start, "start", errors)
    end = _date(end, "end", errors) if end not in (None, "") else None
    if start and end and end < start:
        errors.append(FieldError("end", _("Not before the start."), Code.OUT_OF_RANGE))
    if enterprise.park_id != unit.floor.building.park_id:
        errors.append(FieldError("enterprise", _("Not an enterprise of this park."), Code.UNKNOWN))
    if not errors and _overlaps(unit, start, end):
        message = _("The unit is already let for part of these dates.")
        errors.append(FieldError("start", message, ErrorCode.LEASE_OVERLAP))
    if errors:
        raise ValidationFailed(errors)
    lease = Lease.objects.create(unit=unit, enterprise=enterprise, start=start, end=end, demo=demo)
    after = {"enterprise": enterprise.pk, "start": start.isoformat(),
             "end": end.isoformat() if end else None}  # fmt: skip
    audit_record(actor=actor, via=via, action="space.lease_create", obj=lease, before=None,
                 after=after, park_id=unit.floor.building.park_id)  # fmt: skip
    return lease


def _overlaps(unit: Unit, start: date, end: date | None) -> bool:
    others = unit.leases.all()
    others = others.exclude(end__lt=start)  # those ending before ours starts do not overlap
    if end is not None:
        others = others.exclude(start__gt=end)
    return others.exists()
