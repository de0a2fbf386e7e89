"""Writes for the projects ledger. Keyword-only, atomic, audited in the same transaction."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.alerts import services as alert_services
from parkpilot.alerts.models import Alert
from parkpilot.alerts.models import State as AlertState
from parkpilot.inputs import Fields
from parkpilot.projects.errors import ErrorCode
from parkpilot.projects.models import (
    APPROVAL_STAGES,
    AlertKind,
    AlertRule,
    MonthlyInvestment,
    ProgressUpdate,
    Project,
    ProjectDocument,
    ProjectStage,
    Stage,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User, Zone
from parkpilot.tenancy.roles import PARK_OPERATORS
from parkpilot.tenancy.selectors import role_holders
from parkpilot.uploads import check_file

PROJECT_FIELDS = [
    "name",
    "investor",
    "zone",
    "enterprise",
    "industry",
    "land_parcel",
    "contact",
    "investment_100m_cny",
    "land_ha",
    "floor_area_10k_m2",
    "capacity",
    "tags",
]
STAGE_FIELDS = ["planned_on", "actual_on", "approving_body", "submitted_on", "approved_on", "note"]
DECIMAL_FIELDS = ("investment_100m_cny", "land_ha", "floor_area_10k_m2")
# The stage dates Project kept before stages existed; they mirror the stages' actual dates.
MIRRORED = {Stage.SIGNED: "signed_on", Stage.STARTED: "started_on", Stage.IN_USE: "in_use_on"}
DEFAULT_RULE = AlertRule(no_update_days=30, escalate_after_days=7)


# --- projects -----------------------------------------------------------------------------


# The ledger's figures: zero or more, two decimals (as the columns keep them), under 10^8.
FIGURE_MAX = Decimal("99999999.99")
CENT = Decimal("0.01")


def _figure(fields: Fields, field: str, value) -> Decimal | None:
    number = fields.decimal(field, value, low=0, high=FIGURE_MAX, places=2, required=False)
    return None if number is None else number.quantize(CENT)  # 12.5 is kept as 12.50


def _chosen(fields: Fields, field: str, value) -> int | None:
    """An optional id chosen from a list (blank: none)."""
    return fields.whole(field, value, low=1, required=False)


def _clean_project(
    *, park: Park, data: dict[str, Any], exclude_pk: int | None = None
) -> dict[str, Any]:
    """Validate project fields; every error is collected before raising, nothing is written."""
    fields = Fields()
    errors = fields.errors
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("zone_id", "enterprise_id", "contact_id"):
            value = _chosen(fields, key, value)
        if key == "name":
            clean["name"] = fields.text("name", value, max_length=200)
            if clean["name"] and (
                Project.objects.filter(park=park, name=clean["name"])
                .exclude(pk=exclude_pk)
                .exists()
            ):
                errors.append(FieldError("name", _("a project of this name exists"), Code.TAKEN))
        elif key in DECIMAL_FIELDS:
            clean[key] = _figure(fields, key, value)
        elif key == "zone_id":
            clean["zone"] = None
            if value is not None:
                clean["zone"] = Zone.objects.filter(park=park, pk=value).first()
                if clean["zone"] is None:
                    errors.append(
                        FieldError("zone_id", _("no such zone in this park"), Code.UNKNOWN)
                    )
        elif key == "enterprise_id":
            clean["enterprise"] = None
            if value is not None:
                clean["enterprise"] = Enterprise.objects.filter(park=park, pk=value).first()
                if clean["enterprise"] is None:
                    errors.append(
                        FieldError(
                            "enterprise_id",
                            _("no such enterprise in this park"),
                            Code.UNKNOWN,
                        )
                    )
        elif key == "contact_id":
            clean["contact"] = None
            if value is not None:
                clean["contact"] = role_holders(
                    PARK_OPERATORS, park=park, pk=value, is_active=True
                ).first()
                if clean["contact"] is None:
                    errors.append(
                        FieldError(
                            "contact_id",
                            _("the contact must be park staff"),
                            Code.NOT_PARK_STAFF,
                        )
                    )
        elif key == "tags":
            tags = [str(t).strip() for t in (value or []) if str(t).strip()]
            if any("|" in t or len(t) > 40 for t in tags):
                errors.append(
                    FieldError("tags", _("a tag has at most 40 characters and no “|”"), Code.FORMAT)
                )
            clean["tags"] = list(dict.fromkeys(tags))
        elif key in ("investor", "industry", "land_parcel", "capacity"):
            clean[key] = (value or "").strip()
        else:
            errors.append(FieldError(key, _("unknown field"), Code.UNKNOWN))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _stages_ensure(project: Project) -> None:
    ProjectStage.objects.bulk_create(
        [ProjectStage(project=project, stage=s) for s in Stage], ignore_conflicts=True
    )


@transaction.atomic
def project_create(*, actor: User, via: str, park: Park, data: dict[str, Any]) -> Project:
    access.require(actor, access.CREATE, Project)
    clean = _clean_project(park=park, data=data)
    if "name" not in clean:
        raise ValidationFailed.single("name", _("must not be empty"), Code.REQUIRED)
    project = Project.objects.create(park=park, **clean)
    _stages_ensure(project)
    audit_record(
        actor=actor,
        via=via,
        action="project.create",
        obj=project,
        before=None,
        after=snapshot(project, PROJECT_FIELDS),
    )
    return project


@transaction.atomic
def project_update(*, actor: User, via: str, project: Project, changes: dict[str, Any]) -> Project:
    access.require(actor, access.CHANGE, project, fields={k.removesuffix("_id") for k in changes})
    locked = Project.objects.select_for_update().get(pk=project.pk)
    before = snapshot(locked, PROJECT_FIELDS)
    clean = _clean_project(park=locked.park, data=changes, exclude_pk=locked.pk)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.demo_fields = [f for f in locked.demo_fields if f not in clean]
    locked.save()
    old, new = changed_only(before, snapshot(locked, PROJECT_FIELDS))
    if new:
        audit_record(
            actor=actor, via=via, action="project.update", obj=locked, before=old, after=new
        )
    return locked


# --- stages -------------------------------------------------------------------------------


def _clean_stage(changes: dict[str, Any], row: ProjectStage, today: datetime.date) -> dict:
    fields = Fields()
    errors = fields.errors
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("planned_on", "actual_on", "submitted_on", "approved_on"):
            clean[key] = fields.date(key, value, required=False)
        elif key in ("approving_body", "note"):
            clean[key] = (value or "").strip()
        else:
            errors.append(FieldError(key, _("unknown field"), Code.UNKNOWN))
    merged = {f: clean.get(f, getattr(row, f)) for f in STAGE_FIELDS}
    for key in ("actual_on", "submitted_on", "approved_on"):
        if key in clean and merged[key] and merged[key] > today:
            errors.append(
                FieldError(key, _("an actual date cannot be in the future"), Code.OUT_OF_RANGE)
            )
    if (
        merged["submitted_on"]
        and merged["approved_on"]
        and merged["approved_on"] < merged["submitted_on"]
    ):
        errors.append(
            FieldError(
                "approved_on",
                _("approved before it was submitted"),
                Code.OUT_OF_RANGE,
            )
        )
    if row.stage not in APPROVAL_STAGES and (
        clean.get("approving_body") or clean.get("submitted_on") or clean.get("approved_on")
    ):
        errors.append(
            FieldError(
                "approving_body",
                _("this stage is not an approval"),
                ErrorCode.NOT_AN_APPROVAL,
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return clean


@transaction.atomic
def project_stage_update(
    *,
    actor: User,
    via: str,
    project: Project,
    stage: int,
    changes: dict[str, Any],
    now: datetime.datetime | None = None,
) -> ProjectStage:
    access.require(actor, access.CHANGE, project, fields={"stages"})
    if stage not in Stage.values:
        raise ValidationFailed.single("stage", _("no such stage"), Code.UNKNOWN)
    now = now or timezone.now()
    # The project row is the lock: two stage edits recompute its current stage one at a time.
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _stages_ensure(locked)
    row = ProjectStage.objects.get(project=locked, stage=stage)
    clean = _clean_stage(changes, row, timezone.localdate(now))
    before = snapshot(row, STAGE_FIELDS)
    for name, value in clean.items():
        setattr(row, name, value)
    row.save()
    old, new = changed_only(before, snapshot(row, STAGE_FIELDS))
    if new:
        audit_record(
            actor=actor,
            via=via,
            action="project.stage.update",
            obj=row,
            before={"stage": stage, **old},
            after={"stage": stage, **new},
            park_id=locked.park_id,
        )
    _project_recompute(locked)
    if row.actual_on or row.planned_on is None or row.planned_on >= timezone.localdate(now):
        _alerts_clear(project=locked, keys=[f"stage:{stage}"], now=now)
    _delayed_refresh([locked.pk])
    return row


def _project_recompute(project: Project) -> None:
    """current_stage, the 拿地即开工 gap and the mirrored dates, from the stages' actual dates."""
    actual = dict(
        ProjectStage.objects.filter(project=project, actual_on__isnull=False).values_list(
            "stage", "actual_on"
        )
    )
    land, start = actual.get(Stage.LAND), actual.get(Stage.STARTED)
    wanted = {
        "current_stage": max(actual, default=0),
        "land_to_start_days": (start - land).days if land and start else None,
    }
    wanted |= {field: actual.get(stage) for stage, field in MIRRORED.items()}
    changed = [f for f, v in wanted.items() if getattr(project, f) != v]
    for field in changed:
        setattr(project, field, wanted[field])
    if changed:
        project.save(update_fields=changed)


# --- progress and investment ----------------------------------------------------------------


@transaction.atomic
def progress_update_create(
    *,
    actor: User,
    via: str,
    project: Project,
    text: str,
    stage: int | None = None,
    photo=None,
    now: datetime.datetime | None = None,
) -> ProgressUpdate:
    access.require(actor, access.CREATE, ProgressUpdate, enterprise_id=project.enterprise_id)
    now = now or timezone.now()
    fields = Fields()
    errors = fields.errors
    text = fields.text("text", text, max_length=5000)
    stage = fields.whole("stage", stage, required=False)
    if stage is not None and stage not in Stage.values:
        errors.append(FieldError("stage", _("no such stage"), Code.UNKNOWN))
    if photo is not None:
        _check_file(photo, "photo", PHOTO_TYPES, errors)
    if errors:
        raise ValidationFailed(errors)
    update = ProgressUpdate(project=project, author=actor, at=now, stage=stage, text=text)
    if photo is not None:
        update.photo = photo
    update.save()
    Project.objects.filter(pk=project.pk).update(last_update_at=now)
    audit_record(
        actor=actor,
        via=via,
        action="project.progress",
        obj=update,
        before=None,
        after={"project": project.pk, "stage": stage, "text": text[:200]},
        park_id=project.park_id,
    )
    _alerts_clear(project=project, keys=["no_update"], now=now)
    _delayed_refresh([project.pk])
    return update


DOCUMENT_TYPES = frozenset({"pdf", "ofd", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"})
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
PHOTO_TYPES = frozenset({"jpg", "jpeg", "png", "webp"})


def _check_file(file, field: str, allowed: frozenset[str], errors: list[FieldError]) -> None:
    errors += check_file(file, field=field, allowed=allowed, max_bytes=DOCUMENT_MAX_BYTES)


@transaction.atomic
def document_add(
    *,
    actor: User,
    via: str,
    project: Project,
    title: str,
    file,
    stage: int | None = None,
) -> ProjectDocument:
    """Attach a document to a project (and a stage). Park staff only; nothing is ever removed."""
    access.require(actor, access.CHANGE, project, fields={"documents"})
    fields = Fields()
    errors = fields.errors
    title = fields.text("title", title, max_length=200)
    stage = fields.whole("stage", stage, required=False)
    if stage is not None and stage not in Stage.values:
        errors.append(FieldError("stage", _("no such stage"), Code.UNKNOWN))
    if file is None:
        errors.append(FieldError("file", _("choose a file"), Code.REQUIRED))
    else:
        _check_file(file, "file", DOCUMENT_TYPES, errors)
    if errors:
        raise ValidationFailed(errors)
    doc = ProjectDocument.objects.create(
        project=project,
        stage=stage,
        title=title[:200],
        file=file,
        size=file.size or 0,
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        via=via,
        action="project.document",
        obj=doc,
        before=None,
        after={"project": project.pk, "stage": stage, "title": doc.title, "file": doc.file.name},
        park_id=project.park_id,
    )
    return doc


def _month(fields: Fields, value) -> datetime.date | None:
    """A month as YYYY-MM (or any day of it)."""
    if isinstance(value, str) and len(value.strip()) == 7:
        value = value.strip() + "-01"
    day = fields.date("month", value)
    return day.replace(day=1) if day else None


@transaction.atomic
def investment_record(
    *,
    actor: User,
    via: str,
    project: Project,
    month,
    planned_100m_cny=None,
    actual_100m_cny=None,
    now: datetime.datetime | None = None,
) -> MonthlyInvestment:
    """Record a month's plan (park only) and/or completion (park or the project's enterprise)."""
    access.require(actor, access.CREATE, MonthlyInvestment, enterprise_id=project.enterprise_id)
    if planned_100m_cny is not None and not access.can(actor, access.CREATE, MonthlyInvestment):
        raise Forbidden(_("the plan is set by the park"))
    fields = Fields()
    errors = fields.errors
    first = _month(fields, month)
    planned = _figure(fields, "planned_100m_cny", planned_100m_cny)
    actual = _figure(fields, "actual_100m_cny", actual_100m_cny)
    today = timezone.localdate(now or timezone.now())
    if first and actual is not None and first > today:
        errors.append(
            FieldError(
                "actual_100m_cny",
                _("no completed investment for a month still ahead"),
                Code.OUT_OF_RANGE,
            )
        )
    if errors:
        raise ValidationFailed(errors)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    row, created = MonthlyInvestment.objects.select_for_update().get_or_create(
        project=locked, month=first
    )
    before = None if created else snapshot(row, ["planned_100m_cny", "actual_100m_cny"])
    if planned is not None:
        row.planned_100m_cny = planned
    if actual is not None:
        row.actual_100m_cny = actual
    row.save()
    total = locked.investments.aggregate(t=Sum("actual_100m_cny"))["t"] or Decimal("0")
    Project.objects.filter(pk=locked.pk).update(completed_investment_100m_cny=total)
    audit_record(
        actor=actor,
        via=via,
        action="project.investment",
        obj=row,
        before=before,
        after=snapshot(row, ["month", "planned_100m_cny", "actual_100m_cny"]),
        park_id=locked.park_id,
    )
    return row


# --- alerts -------------------------------------------------------------------------------
# The ledger's delay alerts are parkpilot.alerts's, of the kinds ProjectsConfig declares. Here
# stay the rules: when a condition holds (the scan), when it clears, when an alert not closed in
# time goes up to park leadership and the supervisors (the park's AlertRule).


def alert_subject(project_id: int, key: str) -> str:
    """What a delay alert is about: one open alert per project and condition."""
    return f"project:{project_id}/{key}"


def alert_acknowledge(*, actor: User, via: str, alert: Alert, now=None) -> Alert:
    return alert_services.alert_acknowledge(actor=actor, via=via, alert=alert, now=now)


@transaction.atomic
def alert_close(*, actor: User, via: str, alert: Alert, reason: str, now=None) -> Alert:
    """Closed by hand with the reason (a project's delay approved, say): no longer delayed."""
    closed = alert_services.alert_close(actor=actor, via=via, alert=alert, reason=reason, now=now)
    _delayed_refresh([closed.figure.get("project_id")])
    return closed


def _open_alerts(system) -> list[Alert]:
    return list(
        access.scoped(system, Alert)
        .filter(kind__startswith="projects.")
        .exclude(state=AlertState.CLOSED)
    )


def _alert_key(alert: Alert) -> tuple[int, str]:
    return alert.figure["project_id"], alert.figure["key"]


def _alerts_clear(*, project: Project, keys: list[str], now: datetime.datetime) -> int:
    """Close the project's open alerts of these conditions: they no longer hold."""
    system = system_actor(project.park, "projects.alerts")
    subjects = [alert_subject(project.pk, key) for key in keys]
    alerts = list(
        access.scoped(system, Alert)
        .filter(kind__startswith="projects.", subject__in=subjects)
        .exclude(state=AlertState.CLOSED)
    )
    for alert in alerts:
        alert_services.alert_close(
            actor=system, via="system", alert=alert, reason=_("condition cleared"), now=now
        )
    return len(alerts)


def _delayed_refresh(project_ids: list[int] | None = None, park: Park | None = None) -> None:
    """A project is delayed while it has an alert that is not closed."""
    qs = Project.objects.all()
    if project_ids is not None:
        qs = qs.filter(pk__in=project_ids)
    if park is not None:
        qs = qs.filter(park=park)
    parks = {park.pk} if park is not None else set(qs.values_list("park_id", flat=True))
    delayed = {
        figure.get("project_id")
        for figure in Alert.objects.filter(park_id__in=parks, kind__startswith="projects.")
        .exclude(state=AlertState.CLOSED)
        .values_list("figure", flat=True)
    }
    qs.filter(pk__in=delayed).exclude(is_delayed=True).update(is_delayed=True)
    qs.exclude(pk__in=delayed).exclude(is_delayed=False).update(is_delayed=False)


def alert_rule_for(park: Park) -> AlertRule:
    return AlertRule.objects.filter(park=park).first() or DEFAULT_RULE


def _wanted_alerts(park: Park, now: datetime.datetime, rule: AlertRule) -> dict:
    """(project_id, key) -> (kind, stage, detail) for every condition that holds now."""
    today = timezone.localdate(now)
    active = Project.objects.filter(park=park).exclude(current_stage=Stage.AT_CAPACITY)
    wanted: dict[tuple[int, str], tuple[str, int | None, str]] = {}
    overdue = ProjectStage.objects.filter(
        project__in=active, planned_on__lt=today, actual_on__isnull=True
    ).values_list("project_id", "stage", "planned_on")
    for project_id, stage, planned_on in overdue:
        detail = _("%(stage)s: planned for %(planned)s, %(days)d days overdue") % {
            "stage": Stage(stage).label,
            "planned": f"{planned_on:%Y-%m-%d}",
            "days": (today - planned_on).days,
        }
        wanted[(project_id, f"stage:{stage}")] = (AlertKind.STAGE_OVERDUE, stage, detail)
    this_month = today.replace(day=1)
    behind = (
        MonthlyInvestment.objects.filter(project__in=active, month__lt=this_month)
        .values("project_id")
        .annotate(
            planned=Sum("planned_100m_cny"), actual=Coalesce(Sum("actual_100m_cny"), Decimal(0))
        )
        .filter(planned__gt=F("actual"))
    )
    for row in behind:
        planned, actual = Decimal(row["planned"]), Decimal(row["actual"])
        detail = _("planned %(planned)s, completed %(actual)s (100M CNY) to date") % {
            "planned": f"{planned:.2f}",
            "actual": f"{actual:.2f}",
        }
        wanted[(row["project_id"], "investment")] = (AlertKind.INVESTMENT_BEHIND, None, detail)
    stale_before = now - datetime.timedelta(days=rule.no_update_days)
    stale = (
        active.annotate(last=Coalesce("last_update_at", "created_at"))
        .filter(last__lt=stale_before)
        .values_list("pk", flat=True)
    )
    detail = _("no progress update for over %(days)d days") % {"days": rule.no_update_days}
    for project_id in stale:
        wanted[(project_id, "no_update")] = (AlertKind.NO_UPDATE, None, detail)
    return wanted


@transaction.atomic
def alerts_scan(*, park: Park, now: datetime.datetime, via: str = "system") -> dict[str, int]:
    """Raise alerts (to the project's contact person) for conditions that hold, close those that
    no longer do, and escalate the ones still not closed after the rule's period (acknowledging
    does not stop that clock). Idempotent for a given `now`."""
    system = system_actor(park, "projects.alerts")
    rule = alert_rule_for(park)
    wanted = _wanted_alerts(park, now, rule)
    current = {_alert_key(a): a for a in _open_alerts(system)}
    new = [key for key in wanted if key not in current]
    projects = Project.objects.select_related("contact").in_bulk({pid for pid, _key in new})
    for project_id, key in new:
        kind, stage, detail = wanted[(project_id, key)]
        project = projects[project_id]
        alert_services.alert_raise(
            actor=system, park=park, kind=f"projects.{kind}",
            subject=alert_subject(project_id, key), title=project.name, detail=detail,
            link=reverse("projects:project_detail", args=[project_id]),
            enterprise_id=project.enterprise_id,
            figure={"project_id": project_id, "key": key, "stage": stage},
            recipients=[project.contact] if project.contact else [], now=now,
        )  # fmt: skip
    cleared = [a for k, a in current.items() if k not in wanted]
    for alert in cleared:
        alert_services.alert_close(
            actor=system, via=via, alert=alert, reason=_("condition cleared"), now=now
        )
    due = now - datetime.timedelta(days=rule.escalate_after_days)
    to_escalate = [
        a
        for k, a in current.items()
        if k in wanted and a.escalated_at is None and a.raised_at <= due
    ]
    for alert in to_escalate:
        alert_services.alert_escalate(actor=system, via=via, alert=alert, now=now)
    _delayed_refresh(park=park)
    return {"raised": len(new), "cleared": len(cleared), "escalated": len(to_escalate)}
