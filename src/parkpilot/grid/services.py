"""Writes of grid governance: grids and their redraws, reports, dispatch and the handling of a
case. Keyword-only, atomic, audited; each step tells the people concerned (notifications).

Deadlines are working days on the one working calendar (parkpilot.workcalendar, with 调休):
a case is due `EventType.sla_days` working days after the day it was reported (0: that working
day), a referral `Department.sla_days` after the day it was referred."""

import datetime
import re
import secrets
from collections import defaultdict

from django.db import models as db_models
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.geometry import shape
from shapely.strtree import STRtree

from parkpilot import events, workcalendar
from parkpilot.grid import catalogue, geo, photos
from parkpilot.grid.errors import ErrorCode
from parkpilot.grid.models import (
    GRID_SUPERVISOR,
    OPEN_STATUSES,
    Case,
    Department,
    DepartmentMember,
    Duty,
    Event,
    Grid,
    GridMember,
    PhotoKind,
    Redraw,
    Report,
    Shift,
    Status,
)
from parkpilot.notifications.services import notify
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed

CODE_RE = re.compile(r"^\d{15}$")
DESCRIPTION_MAX = 2000
MAX_PHOTOS = 6
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
DAY_STARTS, NIGHT_STARTS = datetime.time(8), datetime.time(20)

# --- grids ---------------------------------------------------------------------------------


def _require_park(actor, park) -> None:
    """The actor works in this park (the system actor in its own): nobody writes another's."""
    if not (getattr(actor, "is_superuser", False) or getattr(actor, "park_id", None) == park.pk):
        raise Forbidden


def grid_code(*, district: str, street: str, community: str, sequence: int | str) -> str:
    """The 15-digit unit-grid code of GB/T 30428.1 / CJ/T 349: district (6, the county-level
    division code), street (3), community (3), sequence within the community (3)."""
    parts = (str(district), str(street).zfill(3), str(community).zfill(3), str(sequence).zfill(3))
    code = "".join(parts)
    if not CODE_RE.match(code) or len(parts[0]) != 6:
        raise ValidationFailed.single(
            "code",
            _("a grid code is 15 digits: district 6, street 3, community 3, sequence 3"),
            ErrorCode.BAD_GRID_CODE,
        )
    return code


def _check_code(code: str, field: str) -> list[FieldError]:
    if CODE_RE.match(str(code or "")):
        return []
    reason = _("a grid code is 15 digits: district 6, street 3, community 3, sequence 3")
    return [FieldError(field, reason, ErrorCode.BAD_GRID_CODE)]


def _overlaps(geometries: list, others: list, field: str) -> list[FieldError]:
    """Errors for new geometries that overlap each other or the grids that stay."""
    errors = []
    everything = geometries + others
    tree = STRtree(everything)
    for i, geometry in enumerate(geometries):
        for j in tree.query(geometry, predicate="intersects").tolist():
            if j == i or (j < len(geometries) and j < i):
                continue
            if geometry.intersection(everything[j]).area > geo.OVERLAP_TOLERANCE_DEG2:
                errors.append(
                    FieldError(
                        f"{field}[{i}].boundary", _("overlaps another grid"), ErrorCode.OVERLAP
                    )
                )
                break
    return errors


def grid_create(*, actor, park, code: str, name: str, boundary: dict, is_demo=False, now=None):
    """A new grid where the park has none yet (a redraw changes existing ones)."""
    access.require(actor, access.CREATE, Grid)
    return grids_redraw(
        actor=actor,
        park=park,
        retire=[],
        new=[{"code": code, "name": name, "boundary": boundary}],
        kind=Redraw.Kind.REDRAW,
        reason=_("new grid"),
        is_demo=is_demo,
        now=now,
    ).created.get()


def grids_redraw(
    *,
    actor,
    park,
    retire: list[int],
    new: list[dict],
    kind: str = Redraw.Kind.REDRAW,
    reason: str = "",
    is_demo: bool = False,
    now: datetime.datetime | None = None,
) -> Redraw:
    """Retire the grids `retire` and draw `new` ones ({code, name, boundary, workers?}) in one
    step (网格动态化): a split retires one and draws its parts, a merge the reverse. Every open
    case of a retired grid moves to exactly one new grid: the first (in `new` order) that holds
    its location, else the nearest. New grids may not overlap each other or the grids that stay.
    Workers and supervisors not given for a new grid carry over from the retired grid it
    overlaps most."""
    access.require(actor, access.CHANGE, Grid)
    _require_park(actor, park)
    now = now or timezone.now()
    with transaction.atomic():
        retired = list(
            Grid.objects.select_for_update()
            .filter(park=park, pk__in=retire, valid_to__isnull=True)
            .order_by("pk")
        )
        errors = []
        if len(retired) != len(set(retire)):
            errors.append(FieldError("retire", _("not a current grid of this park"), Code.UNKNOWN))
        geometries = []
        codes = set()
        for i, item in enumerate(new):
            errors += _check_code(item.get("code"), f"new[{i}].code")
            if item.get("code") in codes:
                errors.append(FieldError(f"new[{i}].code", _("used twice"), Code.DUPLICATE))
            codes.add(item.get("code"))
            if not str(item.get("name") or "").strip():
                errors.append(FieldError(f"new[{i}].name", _("must not be empty"), Code.REQUIRED))
            geometry, bad = geo.polygon_errors(item.get("boundary"), field=f"new[{i}].boundary")
            errors += bad
            geometries.append(geometry)
        if not new:
            errors.append(FieldError("new", _("draw at least one grid"), Code.REQUIRED))
        if errors:
            raise ValidationFailed(errors)
        staying = Grid.objects.filter(park=park, valid_to__isnull=True).exclude(
            pk__in=[g.pk for g in retired]
        )
        taken = set(staying.filter(code__in=codes).values_list("code", flat=True))
        errors += [
            FieldError(f"new[{i}].code", _("another current grid has this code"), Code.TAKEN)
            for i, item in enumerate(new)
            if item["code"] in taken
        ]
        others = [shape(b) for b in staying.values_list("boundary", flat=True)]
        errors += _overlaps(geometries, others, "new")
        if errors:
            raise ValidationFailed(errors)
        Grid.objects.filter(pk__in=[g.pk for g in retired]).update(valid_to=now)
        redraw = Redraw.objects.create(
            park=park,
            kind=kind,
            effective_at=now,
            retired=[g.pk for g in retired],
            reason=reason[:200],
            by=actor if getattr(actor, "pk", None) else None,
        )
        created = Grid.objects.bulk_create(
            Grid(
                park=park,
                code=item["code"],
                name=item["name"].strip()[:100],
                boundary=item["boundary"],
                valid_from=now,
                redraw=redraw,
                is_demo=is_demo,
            )
            for item in new
        )
        if not all(g.pk for g in created):  # backends that return no ids from bulk_create
            created = list(Grid.objects.filter(redraw=redraw).order_by("pk"))
        _carry_members(retired, created, geometries, new, now)
        redraw.cases_moved = _move_cases(retired, created, geometries, now)
        redraw.save(update_fields=["cases_moved"])
        audit_record(
            actor=actor,
            via="web",
            action=f"grid.{kind}",
            obj=redraw,
            before={"grids": [g.code for g in retired]},
            after={"grids": sorted(codes), "cases_moved": redraw.cases_moved},
        )
        transaction.on_commit(lambda: geo.locator.invalidate(park.pk))
    return redraw


def _carry_members(retired, created, geometries, new, now) -> None:
    today = timezone.localdate(now)
    open_members = list(
        GridMember.objects.filter(grid__in=retired, valid_to__isnull=True).order_by("pk")
    )
    by_grid = defaultdict(list)
    for member in open_members:
        by_grid[member.grid_id].append(member)
    retired_shapes = [shape(g.boundary) for g in retired]
    tree = STRtree(retired_shapes) if retired_shapes else None
    rows = []
    for grid, geometry, item in zip(created, geometries, new, strict=True):
        if item.get("workers"):
            rows += [
                GridMember(grid=grid, user_id=uid, valid_from=today) for uid in item["workers"]
            ]
            continue
        near = tree.query(geometry, predicate="intersects").tolist() if tree else []
        overlap = [(geometry.intersection(retired_shapes[i]).area, retired[i].pk) for i in near]
        best = max(overlap, default=(0, None))
        if best[0] > 0:
            rows += [
                GridMember(
                    grid=grid, user_id=m.user_id, duty=m.duty, shift=m.shift, valid_from=today
                )
                for m in by_grid[best[1]]
            ]
    GridMember.objects.filter(pk__in=[m.pk for m in open_members]).update(valid_to=today)
    GridMember.objects.bulk_create(rows)


def _move_cases(retired, created, geometries, now) -> int:
    """Every open case of the retired grids to exactly one new grid (geo.assign)."""
    cases = list(
        Case.objects.filter(grid__in=retired, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", "lon", "lat", "status")
    )
    if not cases:
        return 0
    chosen = geo.assign([(lon, lat) for _pk, lon, lat, _s in cases], geometries)
    groups: dict[tuple[int, bool], list[int]] = defaultdict(list)
    for (pk, _lon, _lat, status), index in zip(cases, chosen, strict=True):
        groups[(index, status == Status.DISPATCHED)].append(pk)
    for (index, waiting), pks in groups.items():
        grid = created[index]
        changes = {"grid": grid}
        if waiting:  # not yet accepted: the new grid's worker on duty takes it
            changes["worker"] = worker_on_duty(grid=grid, at=now)
        for start in range(0, len(pks), 500):
            Case.objects.filter(pk__in=pks[start : start + 500]).update(**changes)
    return len(cases)


def member_add(*, actor, grid: Grid, user, duty=Duty.WORKER, shift=Shift.ALL, valid_from=None):
    access.require(actor, access.CHANGE, grid)
    errors = []
    if user.park_id != grid.park_id:
        errors.append(FieldError("user", _("not a person of this park"), Code.UNKNOWN))
    if duty not in Duty.values:
        errors.append(FieldError("duty", _("not a duty"), Code.INVALID))
    if shift not in Shift.values:
        errors.append(FieldError("shift", _("not a shift"), Code.INVALID))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        member = GridMember.objects.create(
            grid=grid,
            user=user,
            duty=duty,
            shift=shift,
            valid_from=valid_from or timezone.localdate(),
        )
        audit_record(
            actor=actor,
            via="web",
            action="grid.member_add",
            obj=member,
            before=None,
            after={"grid": grid.code, "user": user.username, "duty": duty, "shift": shift},
            park_id=grid.park_id,
        )
    return member


def department_member_add(*, actor, department: Department, user) -> DepartmentMember:
    access.require(actor, access.CHANGE, department)
    with transaction.atomic():
        row, _created = DepartmentMember.objects.get_or_create(department=department, user=user)
        audit_record(
            actor=actor,
            via="web",
            action="grid.department_member_add",
            obj=row,
            before=None,
            after={"user": user.username},
            park_id=department.park_id,
        )
    return row


def departments_ensure(*, park) -> dict[str, Department]:
    """The park's departments of the catalogue (城管, 交警, 环保, 街道), made on first use."""
    found = {d.code: d for d in Department.objects.filter(park=park)}
    for code, label, days in catalogue.DEPARTMENTS:
        if code not in found:
            found[code] = Department.objects.create(
                park=park, code=code, name=str(label), sla_days=days
            )
    return found


def _shift_of(at: datetime.datetime) -> str:
    local = timezone.localtime(at).time()
    return Shift.DAY if DAY_STARTS <= local < NIGHT_STARTS else Shift.NIGHT


WORKERS_FIRST = db_models.Case(db_models.When(duty=Duty.WORKER, then=0), default=1)


def worker_on_duty(*, grid: Grid, at: datetime.datetime):
    """The grid's worker for the shift at `at` (day 08:00-20:00, night otherwise, by the roster),
    else its supervisor, else nobody (the grid's supervisors and park staff see it unassigned)."""
    day = timezone.localdate(at)
    members = (
        GridMember.objects.filter(grid=grid, valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .filter(shift__in=[_shift_of(at), Shift.ALL])
        .select_related("user")
        # The worker first, then a supervisor: by meaning, not by the codes' spelling
        # ("supervisor" sorts before "worker", which sent new cases to the supervisor).
        .order_by(WORKERS_FIRST, "pk")
    )
    member = next((m for m in members if m.user.is_active), None)
    return member.user if member else None


# --- reports -------------------------------------------------------------------------------


def _tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def read_point(lon, lat, datum: str) -> tuple[float, float]:
    errors = []
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationFailed.single(
            "location", _("pick the place on the map or use the phone's position"), Code.REQUIRED
        ) from None
    if not (-180 <= lon <= 180):
        errors.append(FieldError("lon", _("not a longitude"), Code.OUT_OF_RANGE))
    if not (-90 <= lat <= 90):
        errors.append(FieldError("lat", _("not a latitude"), Code.OUT_OF_RANGE))
    if datum not in ("wgs84", "gcj02"):
        errors.append(FieldError("datum", _("wgs84 or gcj02"), Code.INVALID))
    if errors:
        raise ValidationFailed(errors)
    return geo.gcj02_to_wgs84(lon, lat) if datum == "gcj02" else (lon, lat)


def _deadline(start: datetime.date, days: int) -> tuple[datetime.date, bool]:
    due, known = workcalendar.add_working_days(start, days)
    return due, not known


def report_submit(
    *,
    actor,
    park,
    category: str,
    description: str,
    lon,
    lat,
    datum: str = "wgs84",
    uploads=(),
    anonymous: bool = False,
    public: bool = True,
    via: str = "web",
    now: datetime.datetime | None = None,
) -> Report:
    """A new case from a report: located in its grid, due by its category's SLA, dispatched to
    the grid's worker on duty. Returns the report (its tracking code follows the case)."""
    _require_park(actor, park)
    now = now or timezone.now()
    errors = []
    event = catalogue.event(category)
    if event is None:
        errors.append(FieldError("category", _("not in the catalogue"), ErrorCode.UNKNOWN_CATEGORY))
    text = str(description or "").strip()
    if not text:
        errors.append(FieldError("description", _("say what is wrong"), Code.REQUIRED))
    elif len(text) > DESCRIPTION_MAX:
        errors.append(FieldError("description", _("at most 2,000 characters"), Code.TOO_LONG))
    uploads = list(uploads)
    if len(uploads) > MAX_PHOTOS:
        errors.append(FieldError("photos", _("at most 6 photos"), Code.TOO_MANY))
    else:
        errors += [e for f in uploads for e in photos.check(f, field="photos")]
    try:
        lon, lat = read_point(lon, lat, datum)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    grid_id = geo.locator.locate(park.pk, lon, lat)
    if grid_id is None:
        raise ValidationFailed.single(
            "location", _("this place lies in no grid of the park"), ErrorCode.OUTSIDE_GRIDS
        )
    # Everything read or written to files comes before the write lock (SQLite has one for the
    # whole database): the grid, who is on duty, whom to tell, the originals on disk. Inside are
    # only the inserts, so 50 reporters at once queue for milliseconds, not seconds.
    grid = Grid.objects.get(pk=grid_id)
    due_on, estimated = _deadline(timezone.localdate(now), event.sla_days)
    worker = worker_on_duty(grid=grid, at=now)
    staff = _staff_to_tell(grid, worker)
    received = [photos.receive(upload) for upload in uploads]
    try:
        with transaction.atomic():
            case = Case.objects.create(
                park=park,
                grid=grid,
                category=category,
                description=text,
                lon=lon,
                lat=lat,
                public=public,
                worker=worker,
                reported_at=now,
                due_on=due_on,
                calendar_estimated=estimated,
            )
            person = None if anonymous or not getattr(actor, "pk", None) else actor
            report = Report.objects.create(
                case=case, reporter=person, tracking_code=_tracking_code(), text=text, via=via
            )
            photos.add(case=case, kind=PhotoKind.REPORT, received=received)
            _event(
                case,
                "dispatched",
                None,
                now,
                worker.get_full_name() or worker.username if worker else "",
            )
            audit_record(
                actor=actor,
                via=via,
                action="grid.report",
                obj=case,
                before=None,
                after={"category": category, "grid": grid.code, "anonymous": person is None},
            )
            title = stored(
                gettext_noop("New case #%(id)s: %(what)s"), id=case.pk, what=str(event.label)
            )
            notify(park=park, recipients=staff, kind="grid.case", title=title, link=_link(case))
    except BaseException:
        photos.discard(received)
        raise
    return report


def case_support(*, actor, case: Case, text: str = "", now=None) -> Report:
    """A "+1": the person joins an open case instead of reporting it again."""
    now = now or timezone.now()
    if not case.is_open:
        raise ValidationFailed.single("case", _("this case is closed"), Code.INVALID_TRANSITION)
    if Report.objects.filter(case=case, reporter=actor).exists():
        raise ValidationFailed.single(
            "case", _("you already reported this case"), ErrorCode.ALREADY_SUPPORTED
        )
    with transaction.atomic():
        report = Report.objects.create(
            case=case,
            reporter=actor,
            tracking_code=_tracking_code(),
            first=False,
            text=str(text or "").strip()[:DESCRIPTION_MAX],
        )
        Case.objects.filter(pk=case.pk).update(supporters=F("supporters") + 1)
        _event(case, "supported", actor, now)
    return report


# --- handling ------------------------------------------------------------------------------


def _event(case, step: str, by, at, note: str = "") -> Event:
    person = by if getattr(by, "pk", None) else None
    return Event.objects.create(case=case, step=step, by=person, at=at, note=note[:500])


def _reporters(case: Case) -> list:
    return [r.reporter for r in case.reports.select_related("reporter") if r.reporter_id]


def _link(case: Case) -> str:
    return f"/grid/m/cases/{case.pk}/"


def _tell_reporters(case: Case, title: str, body: str = "") -> None:
    notify(
        park=case.park,
        recipients=_reporters(case),
        kind="grid.case",
        title=title,
        body=body,
        link=_link(case),
    )


def _staff_to_tell(grid: Grid, worker) -> list:
    """The grid's worker on duty and its supervisors."""
    from parkpilot.tenancy.selectors import role_holders

    people = [worker] if worker else []
    people += list(
        role_holders(frozenset({GRID_SUPERVISOR}), park_id=grid.park_id, is_active=True).filter(
            pk__in=GridMember.objects.filter(grid=grid).values("user")
        )
    )
    return people


def _tell_staff(case: Case, worker, title: str) -> None:
    people = _staff_to_tell(case.grid, worker)
    notify(park=case.park, recipients=people, kind="grid.case", title=title, link=_link(case))


def works_on(case: Case, actor) -> bool:
    """Whether the actor works this case's grid (or manages every grid)."""
    roles = access.roles_of(actor)
    if actor.is_superuser or roles & (access.policy_of(Case).park_writers | {"system"}):
        return True
    return (
        GridMember.objects.filter(grid_id=case.grid_id, user_id=actor.pk)
        .exclude(valid_to__lt=timezone.localdate())
        .exists()
    )


def _locked(case: Case, allowed: tuple, step: str) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in allowed:
        raise ValidationFailed.single(
            "status",
            _("a case that is %(status)s cannot be %(step)s")
            % {"status": locked.get_status_display(), "step": step},
            Code.INVALID_TRANSITION,
        )
    return locked


def _require_handler(actor, case: Case) -> None:
    access.require(actor, "handle", case)
    if not works_on(case, actor):
        raise ValidationFailed.single("case", _("a case of another grid"), ErrorCode.NOT_YOURS)


@transaction.atomic
def case_accept(*, actor, case: Case, now=None) -> Case:
    """The grid's worker takes the case: it is valid, the reporters hear so, and the app event
    "grid.report_accepted" lets another app (points) reward them without importing grid."""
    _require_handler(actor, case)
    now = now or timezone.now()
    locked = _locked(case, (Status.DISPATCHED,), _("accepted"))
    locked.status, locked.accepted_at = Status.ACCEPTED, now
    if getattr(actor, "pk", None):
        locked.worker = actor
    locked.save(update_fields=["status", "accepted_at", "worker"])
    _event(locked, "accepted", actor, now)
    audit_record(
        actor=actor,
        via="web",
        action="grid.case_accept",
        obj=locked,
        before={"status": Status.DISPATCHED},
        after={"status": locked.status},
    )
    _tell_reporters(locked, stored(gettext_noop("Your report #%(id)s was accepted"), id=locked.pk))
    events.emit(
        "grid.report_accepted",
        case_id=locked.pk,
        park_id=locked.park_id,
        reporter_ids=[r.pk for r in _reporters(locked)],
        category=locked.category,
    )
    return locked


@transaction.atomic
def case_reject(*, actor, case: Case, reason: str, now=None) -> Case:
    """Not a case for the grid (no such problem at the place, not the park's business)."""
    _require_handler(actor, case)
    if not str(reason or "").strip():
        raise ValidationFailed.single("reason", _("say why it is not accepted"), Code.REQUIRED)
    now = now or timezone.now()
    locked = _locked(case, (Status.DISPATCHED,), _("rejected"))
    locked.status, locked.closed_at, locked.resolution = Status.REJECTED, now, reason.strip()
    locked.save(update_fields=["status", "closed_at", "resolution"])
    _event(locked, "rejected", actor, now, reason)
    audit_record(
        actor=actor,
        via="web",
        action="grid.case_reject",
        obj=locked,
        before={"status": Status.DISPATCHED},
        after={"status": locked.status},
    )
    _tell_reporters(
        locked, stored(gettext_noop("Your report #%(id)s was not accepted"), id=locked.pk), reason
    )
    return locked


@transaction.atomic
def case_refer(*, actor, case: Case, department: Department, note: str = "", now=None) -> Case:
    """Hand the case to a department (城管, 交警, 环保, 街道), which takes it with its own SLA."""
    _require_handler(actor, case)
    if department.park_id != case.park_id:
        raise ValidationFailed.single(
            "department", _("not a department of this park"), Code.UNKNOWN
        )
    now = now or timezone.now()
    locked = _locked(case, (Status.DISPATCHED, Status.ACCEPTED), _("referred"))
    before = locked.status
    due, estimated = _deadline(timezone.localdate(now), department.sla_days)
    locked.status, locked.department, locked.referred_at = Status.REFERRED, department, now
    locked.department_due_on = due
    locked.calendar_estimated |= estimated
    locked.save(
        update_fields=[
            "status",
            "department",
            "referred_at",
            "department_due_on",
            "calendar_estimated",
        ]
    )
    _event(locked, "referred", actor, now, f"{department.name} {note}".strip())
    audit_record(
        actor=actor,
        via="web",
        action="grid.case_refer",
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "department": department.code},
    )
    people = [m.user for m in department.members.select_related("user")]
    notify(
        park=locked.park,
        recipients=people,
        kind="grid.case",
        title=stored(
            gettext_noop("Case #%(id)s referred to %(dept)s"), id=locked.pk, dept=department.name
        ),
        link=_link(locked),
    )
    _tell_reporters(
        locked,
        stored(
            gettext_noop("Your report #%(id)s went to %(dept)s"), id=locked.pk, dept=department.name
        ),
    )
    return locked


def is_department_member(actor, case: Case) -> bool:
    if actor.is_superuser or access.roles_of(actor) & access.policy_of(Case).park_writers:
        return True
    return DepartmentMember.objects.filter(
        department_id=case.department_id, user_id=actor.pk
    ).exists()


def case_resolve(*, actor, case: Case, resolution: str, before=(), after=(), now=None) -> Case:
    """Handled on site (photos before and after) by the grid's worker, or by the department it
    was referred to; the reporters are asked to confirm. As in `report_submit`, the photos are
    stored before the transaction (the case locked, then the writes); if it fails (the case moved on
    meanwhile, or any write fails) the stored originals are deleted and nothing is kept."""
    if case.status == Status.REFERRED:
        access.require(actor, "take", case)
        if not is_department_member(actor, case):
            raise ValidationFailed.single(
                "case", _("referred to another department"), ErrorCode.NOT_YOURS
            )
        allowed = (Status.REFERRED,)
    else:
        _require_handler(actor, case)
        allowed = (Status.ACCEPTED,)
    errors = []
    if not str(resolution or "").strip():
        errors.append(FieldError("resolution", _("say what was done"), Code.REQUIRED))
    before, after = list(before), list(after)
    if not after and not case.photos.filter(kind=PhotoKind.AFTER).exists():
        errors.append(FieldError("after", _("add a photo after handling"), Code.REQUIRED))
    for field, files in (("before", before), ("after", after)):
        errors += [e for f in files for e in photos.check(f, field=field)]
    if errors:
        raise ValidationFailed(errors)
    now = now or timezone.now()
    before = [photos.receive(f) for f in before]
    after = [photos.receive(f) for f in after]
    try:
        with transaction.atomic():
            locked = _locked(case, allowed, _("resolved"))
            previous = locked.status
            photos.add(case=locked, kind=PhotoKind.BEFORE, received=before)
            photos.add(case=locked, kind=PhotoKind.AFTER, received=after)
            locked.status, locked.resolved_at = Status.RESOLVED, now
            locked.resolution = resolution.strip()[:2000]
            locked.save(update_fields=["status", "resolved_at", "resolution"])
            _event(locked, "resolved", actor, now, locked.resolution)
            audit_record(
                actor=actor,
                via="web",
                action="grid.case_resolve",
                obj=locked,
                before={"status": previous},
                after={"status": locked.status},
            )
            _tell_reporters(
                locked,
                stored(
                    gettext_noop("Your report #%(id)s was handled: please confirm"), id=locked.pk
                ),
                locked.resolution,
            )
    except BaseException:
        photos.discard(before + after)
        raise
    return locked


def _require_reporter(actor, case: Case) -> None:
    if not Report.objects.filter(case=case, reporter_id=getattr(actor, "pk", None)).exists():
        raise ValidationFailed.single(
            "case", _("only its reporters confirm a case"), ErrorCode.NOT_YOURS
        )


@transaction.atomic
def case_confirm(*, actor, case: Case, rating: int | None = None, now=None) -> Case:
    """A reporter confirms it is solved (and may rate it, 1 to 5): the case closes."""
    _require_reporter(actor, case)
    if rating is not None and not (1 <= int(rating) <= 5):
        raise ValidationFailed.single("rating", _("from 1 to 5"), Code.OUT_OF_RANGE)
    now = now or timezone.now()
    locked = _locked(case, (Status.RESOLVED,), _("confirmed"))
    locked.status, locked.closed_at = Status.CLOSED, now
    locked.rating = int(rating) if rating is not None else None
    locked.save(update_fields=["status", "closed_at", "rating"])
    _event(locked, "confirmed", actor, now, str(rating or ""))
    audit_record(
        actor=actor,
        via="web",
        action="grid.case_confirm",
        obj=locked,
        before={"status": Status.RESOLVED},
        after={"status": locked.status, "rating": locked.rating},
    )
    return locked


@transaction.atomic
def case_reopen(*, actor, case: Case, reason: str, now=None) -> Case:
    """A reporter says it is not solved: back to the worker (or the department), due again by
    the category's SLA from today."""
    _require_reporter(actor, case)
    if not str(reason or "").strip():
        raise ValidationFailed.single("reason", _("say what is still wrong"), Code.REQUIRED)
    now = now or timezone.now()
    locked = _locked(case, (Status.RESOLVED,), _("reopened"))
    locked.status = Status.REFERRED if locked.department_id else Status.ACCEPTED
    locked.reopened += 1
    locked.due_on, estimated = _deadline(
        timezone.localdate(now), catalogue.event(locked.category).sla_days
    )
    locked.calendar_estimated |= estimated
    locked.save(update_fields=["status", "reopened", "due_on", "calendar_estimated"])
    _event(locked, "reopened", actor, now, reason)
    audit_record(
        actor=actor,
        via="web",
        action="grid.case_reopen",
        obj=locked,
        before={"status": Status.RESOLVED},
        after={"status": locked.status},
    )
    _tell_staff(locked, locked.worker, stored(gettext_noop("Case #%(id)s reopened"), id=locked.pk))
    return locked


# --- the clock -----------------------------------------------------------------------------


def overdue_escalate(*, park, now: datetime.datetime | None = None) -> list:
    """Raise an alert (alerts framework, kind "grid.case_overdue") for every open case past its
    deadline: the grid's due date, or the department's once referred. Raising is idempotent
    (one open alert per case); the framework escalates what nobody acknowledges in time."""
    from parkpilot.alerts.services import alert_raise
    from parkpilot.tenancy.actors import system_actor
    from parkpilot.tenancy.selectors import role_holders

    now = now or timezone.now()
    today = timezone.localdate(now)
    system = system_actor(park, "grid.overdue")
    late = Case.objects.filter(park=park, status__in=OPEN_STATUSES).exclude(status=Status.RESOLVED)
    raised = []
    supervisors = list(role_holders(frozenset({GRID_SUPERVISOR}), park_id=park.pk, is_active=True))
    for case in late.select_related("department", "worker"):
        due = case.department_due_on if case.status == Status.REFERRED else case.due_on
        if due is None or due >= today:
            continue
        late_days = workcalendar.working_days_late(due, today)
        if late_days == 0:
            continue  # past the date only by non-working days
        kind = "grid.department_overdue" if case.status == Status.REFERRED else "grid.case_overdue"
        recipients = [*supervisors, *([case.worker] if case.worker else [])]
        if case.department_id:
            recipients += [m.user for m in case.department.members.select_related("user")]
        alert, created = alert_raise(
            actor=system,
            park=park,
            kind=kind,
            subject=f"grid.case:{case.pk}",
            title=stored(
                gettext_noop("Case #%(id)s is %(n)d working days late"), id=case.pk, n=late_days
            ),
            link=_link(case),
            recipients=recipients,
            now=now,
        )
        if created:
            raised.append(alert)
    return raised


def resolved_autoclose(*, park, now=None, after_days: int = 3) -> int:
    """Resolved cases no reporter confirmed or reopened within `after_days` working days close."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    closed = 0
    for case in Case.objects.filter(park=park, status=Status.RESOLVED):
        limit, _known = workcalendar.add_working_days(
            timezone.localdate(case.resolved_at), after_days
        )
        if today > limit:
            Case.objects.filter(pk=case.pk, status=Status.RESOLVED).update(
                status=Status.CLOSED, closed_at=now
            )
            _event(case, "closed", None, now, _("closed without an answer"))
            closed += 1
    return closed
