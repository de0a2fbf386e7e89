"""Writes for the projects ledger. Keyword-only, atomic, audited in the same transaction."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from parkpilot.projects.errors import ErrorCode
from parkpilot.projects.models import (
    APPROVAL_STAGES,
    AlertKind,
    AlertLevel,
    AlertRule,
    AlertStatus,
    MonthlyInvestment,
    ProgressUpdate,
    Project,
    ProjectAlert,
    ProjectDocument,
    ProjectStage,
    Stage,
)
from parkpilot.tenancy import access
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
CLEARED = "条件已消除 / condition cleared"
DEFAULT_RULE = AlertRule(no_update_days=30, escalate_after_days=7)


# --- projects -----------------------------------------------------------------------------


def _decimal(value, field: str, errors: list[FieldError]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.append(FieldError(field, "不是数字 / not a number", Code.NOT_A_NUMBER))
        return None
    if not number.is_finite() or number < 0:
        errors.append(FieldError(field, "须为非负数 / must be zero or more", Code.OUT_OF_RANGE))
        return None
    if number >= Decimal("1e8"):
        errors.append(FieldError(field, "数值过大 / too large", Code.OUT_OF_RANGE))
        return None
    return number.quantize(Decimal("0.01"))


def _clean_project(
    *, park: Park, data: dict[str, Any], exclude_pk: int | None = None
) -> dict[str, Any]:
    """Validate project fields; every error is collected before raising, nothing is written."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key == "name":
            clean["name"] = (value or "").strip()
            if not clean["name"]:
                errors.append(
                    FieldError("name", "名称不能为空 / name must not be empty", Code.REQUIRED)
                )
            elif (
                Project.objects.filter(park=park, name=clean["name"])
                .exclude(pk=exclude_pk)
                .exists()
            ):
                errors.append(
                    FieldError("name", "项目名称已存在 / name already in use", Code.TAKEN)
                )
        elif key in DECIMAL_FIELDS:
            clean[key] = _decimal(value, key, errors)
        elif key == "zone_id":
            clean["zone"] = None
            if value is not None:
                clean["zone"] = Zone.objects.filter(park=park, pk=value).first()
                if clean["zone"] is None:
                    errors.append(
                        FieldError(
                            "zone_id", "园区内没有该片区 / no such zone in this park", Code.UNKNOWN
                        )
                    )
        elif key == "enterprise_id":
            clean["enterprise"] = None
            if value is not None:
                clean["enterprise"] = Enterprise.objects.filter(park=park, pk=value).first()
                if clean["enterprise"] is None:
                    errors.append(
                        FieldError(
                            "enterprise_id",
                            "园区内没有该企业 / no such enterprise in this park",
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
                            "联系人须为本园区工作人员 / the contact must be park staff",
                            Code.NOT_PARK_STAFF,
                        )
                    )
        elif key == "tags":
            tags = [str(t).strip() for t in (value or []) if str(t).strip()]
            if any("|" in t or len(t) > 40 for t in tags):
                errors.append(
                    FieldError("tags", "标签不能含“|”且不超过40字 / bad tag", Code.FORMAT)
                )
            clean["tags"] = list(dict.fromkeys(tags))
        elif key in ("investor", "industry", "land_parcel", "capacity"):
            clean[key] = (value or "").strip()
        else:
            errors.append(FieldError(key, "未知字段 / unknown field", Code.UNKNOWN))
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
        raise ValidationFailed.single(
            "name", "名称不能为空 / name must not be empty", Code.REQUIRED
        )
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


def _date(value, field: str, errors: list[FieldError]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.append(
            FieldError(field, "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", Code.FORMAT)
        )
        return None


def _clean_stage(changes: dict[str, Any], row: ProjectStage, today: datetime.date) -> dict:
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("planned_on", "actual_on", "submitted_on", "approved_on"):
            clean[key] = _date(value, key, errors)
        elif key in ("approving_body", "note"):
            clean[key] = (value or "").strip()
        else:
            errors.append(FieldError(key, "未知字段 / unknown field", Code.UNKNOWN))
    merged = {f: clean.get(f, getattr(row, f)) for f in STAGE_FIELDS}
    for key in ("actual_on", "submitted_on", "approved_on"):
        if key in clean and merged[key] and merged[key] > today:
            errors.append(
                FieldError(key, "实际日期不能晚于今天 / cannot be in the future", Code.OUT_OF_RANGE)
            )
    if (
        merged["submitted_on"]
        and merged["approved_on"]
        and merged["approved_on"] < merged["submitted_on"]
    ):
        errors.append(
            FieldError(
                "approved_on",
                "批复日期早于申报日期 / approved before it was submitted",
                Code.OUT_OF_RANGE,
            )
        )
    if row.stage not in APPROVAL_STAGES and (
        clean.get("approving_body") or clean.get("submitted_on") or clean.get("approved_on")
    ):
        errors.append(
            FieldError(
                "approving_body",
                "该阶段不是审批事项 / this stage is not an approval",
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
        raise ValidationFailed.single("stage", "没有该阶段 / no such stage", Code.UNKNOWN)
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
    text = (text or "").strip()
    errors = []
    if not text:
        errors.append(
            FieldError("text", "进度内容不能为空 / text must not be empty", Code.REQUIRED)
        )
    if stage is not None and stage not in Stage.values:
        errors.append(FieldError("stage", "没有该阶段 / no such stage", Code.UNKNOWN))
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
    errors: list[FieldError] = []
    title = (title or "").strip()
    if not title:
        errors.append(FieldError("title", "标题不能为空 / title must not be empty", Code.REQUIRED))
    if stage is not None and stage not in Stage.values:
        errors.append(FieldError("stage", "没有该阶段 / no such stage", Code.UNKNOWN))
    if file is None:
        errors.append(FieldError("file", "请选择文件 / a file is required", Code.REQUIRED))
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


def _month(value, errors: list[FieldError]) -> datetime.date | None:
    if isinstance(value, str) and len(value) == 7:
        value = value + "-01"
    day = _date(value, "month", errors)
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
        raise Forbidden("计划投资由园区填写 / the plan is set by the park")
    errors: list[FieldError] = []
    first = _month(month, errors)
    planned = _decimal(planned_100m_cny, "planned_100m_cny", errors)
    actual = _decimal(actual_100m_cny, "actual_100m_cny", errors)
    today = timezone.localdate(now or timezone.now())
    if first and actual is not None and first > today:
        errors.append(
            FieldError(
                "actual_100m_cny", "不能填报未来月份的完成额 / month is ahead", Code.OUT_OF_RANGE
            )
        )
    if first is None and not errors:
        errors.append(FieldError("month", "月份必填 / month is required", Code.REQUIRED))
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


@transaction.atomic
def alert_acknowledge(
    *, actor: User, via: str, alert: ProjectAlert, now: datetime.datetime | None = None
) -> ProjectAlert:
    access.require(actor, access.CHANGE, alert, fields={"status"})
    locked = ProjectAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != AlertStatus.OPEN:
        raise ValidationFailed.single(
            "status",
            "只有未处理的提醒可以确认 / only an open alert can be acknowledged",
            Code.INVALID_TRANSITION,
        )
    locked.status = AlertStatus.ACKNOWLEDGED
    locked.acknowledged_at = now or timezone.now()
    locked.acknowledged_by = actor
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    audit_record(
        actor=actor,
        via=via,
        action="project.alert.acknowledge",
        obj=locked,
        before={"status": AlertStatus.OPEN},
        after={"status": locked.status},
        park_id=alert.project.park_id,
    )
    return locked


@transaction.atomic
def alert_close(
    *,
    actor: User,
    via: str,
    alert: ProjectAlert,
    reason: str,
    now: datetime.datetime | None = None,
) -> ProjectAlert:
    access.require(actor, access.CHANGE, alert, fields={"status"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.single(
            "reason", "关闭须写明原因 / a reason is required", Code.REQUIRED
        )
    locked = ProjectAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == AlertStatus.CLOSED:
        raise ValidationFailed.single(
            "status", "提醒已关闭 / the alert is already closed", Code.INVALID_TRANSITION
        )
    before = {"status": locked.status}
    locked.status = AlertStatus.CLOSED
    locked.closed_at = now or timezone.now()
    locked.closed_by = actor
    locked.close_reason = reason[:300]
    locked.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    audit_record(
        actor=actor,
        via=via,
        action="project.alert.close",
        obj=locked,
        before=before,
        after={"status": locked.status, "reason": locked.close_reason},
        park_id=alert.project.park_id,
    )
    _delayed_refresh([locked.project_id])
    return locked


def _alerts_clear(*, project: Project, keys: list[str], now: datetime.datetime) -> int:
    alerts = list(
        ProjectAlert.objects.filter(project=project, key__in=keys).exclude(
            status=AlertStatus.CLOSED
        )
    )
    for alert in alerts:
        _close_by_system(alert, now, project.park_id)
    return len(alerts)


def _close_by_system(alert: ProjectAlert, now: datetime.datetime, park_id: int) -> None:
    before = alert.status
    ProjectAlert.objects.filter(pk=alert.pk).update(
        status=AlertStatus.CLOSED, closed_at=now, close_reason=CLEARED
    )
    audit_record(
        actor=None,
        via="system",
        action="project.alert.clear",
        obj=alert,
        before={"status": before},
        after={"status": AlertStatus.CLOSED, "reason": CLEARED},
        park_id=park_id,
    )


def _delayed_refresh(project_ids: list[int] | None = None, park: Park | None = None) -> None:
    """A project is delayed while it has an alert that is not closed."""
    qs = Project.objects.all()
    if project_ids is not None:
        qs = qs.filter(pk__in=project_ids)
    if park is not None:
        qs = qs.filter(park=park)
    open_alerts = ProjectAlert.objects.filter(project=OuterRef("pk")).exclude(
        status=AlertStatus.CLOSED
    )
    qs.update(is_delayed=Exists(open_alerts))


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
        label = Stage(stage).label
        detail = (
            f"{label}: 计划 {planned_on:%Y-%m-%d}，逾期 {(today - planned_on).days} 天 / overdue"
        )
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
        detail = f"累计计划 {planned:.2f} 亿元，完成 {actual:.2f} 亿元 / behind plan"
        wanted[(row["project_id"], "investment")] = (AlertKind.INVESTMENT_BEHIND, None, detail)
    stale_before = now - datetime.timedelta(days=rule.no_update_days)
    stale = (
        active.annotate(last=Coalesce("last_update_at", "created_at"))
        .filter(last__lt=stale_before)
        .values_list("pk", flat=True)
    )
    detail = f"超过 {rule.no_update_days} 天未填报进度 / no update for {rule.no_update_days} days"
    for project_id in stale:
        wanted[(project_id, "no_update")] = (AlertKind.NO_UPDATE, None, detail)
    return wanted


@transaction.atomic
def alerts_scan(*, park: Park, now: datetime.datetime, via: str = "system") -> dict[str, int]:
    """Raise alerts for conditions that hold, clear those that no longer do, and escalate the
    ones still not closed after the rule's period. Idempotent for a given `now`."""
    rule = alert_rule_for(park)
    wanted = _wanted_alerts(park, now, rule)
    current = {
        (a.project_id, a.key): a
        for a in ProjectAlert.objects.filter(project__park=park)
        .exclude(status=AlertStatus.CLOSED)
        .select_related("project")
    }
    new = [
        ProjectAlert(
            project_id=project_id,
            kind=kind,
            stage=stage,
            key=key,
            detail=detail[:300],
            raised_at=now,
        )
        for (project_id, key), (kind, stage, detail) in wanted.items()
        if (project_id, key) not in current
    ]
    # The audit row names the project: fetch the projects once, not once per alert.
    projects = Project.objects.in_bulk({a.project_id for a in new})
    for alert in ProjectAlert.objects.bulk_create(new):
        alert.project = projects[alert.project_id]
        audit_record(
            actor=None,
            via=via,
            action="project.alert.raise",
            obj=alert,
            before=None,
            after={"kind": alert.kind, "key": alert.key, "detail": alert.detail},
            park_id=park.pk,
        )
    cleared = [a for k, a in current.items() if k not in wanted]
    for alert in cleared:
        _close_by_system(alert, now, park.pk)
    due = now - datetime.timedelta(days=rule.escalate_after_days)
    to_escalate = [
        a
        for k, a in current.items()
        if k in wanted and a.level == AlertLevel.CONTACT and a.raised_at <= due
    ]
    ProjectAlert.objects.filter(pk__in=[a.pk for a in to_escalate]).update(
        level=AlertLevel.LEADERSHIP, escalated_at=now
    )
    for alert in to_escalate:
        audit_record(
            actor=None,
            via=via,
            action="project.alert.escalate",
            obj=alert,
            before={"level": AlertLevel.CONTACT},
            after={"level": AlertLevel.LEADERSHIP},
            park_id=park.pk,
        )
    _delayed_refresh(park=park)
    return {"raised": len(new), "cleared": len(cleared), "escalated": len(to_escalate)}
