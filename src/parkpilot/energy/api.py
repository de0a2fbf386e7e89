"""/api/v1/energy: registry, readings intake, rollups, data quality."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpilot.energy import fileimport, schemas, schemas_quality, selectors, services
from parkpilot.energy import point_import as point_import_service
from parkpilot.energy.errors import MAX_READINGS_PER_REQUEST
from parkpilot.openapi import file_response
from parkpilot.pagination import LimitOffsetPagination
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed

router = Router(tags=["energy"])


@router.get("/points", response=list[schemas.PointOut])
@paginate(LimitOffsetPagination)
def point_list(
    request: HttpRequest,
    kind: str = "",
    owner_id: int | None = None,
    gateway_id: int | None = None,
    status: str = "",
    q: str = "",
):
    """Paginated (`limit`, `offset`; `count` is the total matching). `status`: active,
    inactive, or empty for both."""
    return selectors.point_list(
        user=request.auth,
        kind=kind,
        owner_id=owner_id,
        gateway_id=gateway_id,
        status=status,
        q=q,
    )


@router.post("/points", response={201: schemas.PointOut})
def point_create(request: HttpRequest, payload: schemas.PointIn):
    park = tenancy_selectors.park_of(request.auth)
    if park is None:
        raise NotFound
    point = services.point_create(
        actor=request.auth, via=via_of(request), park=park, data=_model_names(payload.dict())
    )
    return 201, point


@router.get(
    "/points/export.csv", openapi_extra=file_response("text/csv", "every visible metering point")
)
def point_export(request: HttpRequest):
    rows = selectors.point_export_rows(user=request.auth)
    body = services.rows_to_csv(rows, services.IMPORT_COLUMNS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="metering-points.csv"'
    return response


@router.post("/points/import", response={202: schemas.JobOut})
def point_import(request: HttpRequest, file: File[UploadedFile]):
    """Queue a registry import (CSV/XLSX, at most 20 MB and 50,000 rows); poll
    `GET /imports/{id}`. Every row is checked first: any bad row imports nothing."""
    park = tenancy_selectors.park_of(request.auth)
    if park is None:
        raise NotFound
    job = point_import_service.points_import_start(
        actor=request.auth, via=via_of(request), upload=file, park=park
    )
    return 202, job


@router.post("/imports", response={202: schemas.JobOut})
def readings_import(request: HttpRequest, file: File[UploadedFile]):
    """Queue a readings file import (CSV/XLSX: point, ts, value[, unit]); poll
    `GET /imports/{id}`."""
    return 202, fileimport.readings_import_start(actor=request.auth, via=via_of(request),
                                                 upload=file)  # fmt: skip


@router.get("/imports", response=list[schemas.JobOut])
@paginate(LimitOffsetPagination)
def import_list(request: HttpRequest, kind: str = "", status: str = ""):
    return selectors.intake_job_list(user=request.auth, kind=kind, status=status)


@router.get("/imports/{job_id}", response=schemas.JobOut)
def import_detail(request: HttpRequest, job_id: int):
    return selectors.intake_job_get(user=request.auth, job_id=job_id)


@router.get("/points/{point_id}", response=schemas.PointOut)
def point_detail(request: HttpRequest, point_id: int):
    return selectors.point_get(user=request.auth, point_id=point_id)


@router.patch("/points/{point_id}", response=schemas.PointOut)
def point_update(request: HttpRequest, point_id: int, payload: schemas.PointPatch):
    point = selectors.point_get(user=request.auth, point_id=point_id)
    return services.point_update(
        actor=request.auth,
        via=via_of(request),
        point=point,
        changes=_model_names(payload.dict(exclude_unset=True)),
    )


def _model_names(data: dict) -> dict:
    if "register_type" in data:
        data["register"] = data.pop("register_type")
    return data


@router.get("/points/{point_id}/assignments", response=list[schemas.AssignmentOut])
def point_assignments(request: HttpRequest, point_id: int):
    point = selectors.point_get(user=request.auth, point_id=point_id)
    return list(selectors.point_assignments(user=request.auth, point=point))


@router.post("/points/{point_id}/move", response={201: schemas.MoveOut})
def point_move(request: HttpRequest, point_id: int, payload: schemas.MoveIn):
    """Move a meter to another enterprise or zone from a date on (park staff)."""
    point = selectors.point_get(user=request.auth, point_id=point_id)
    moved = services.point_move(
        actor=request.auth,
        via=via_of(request),
        point=point,
        enterprise_id=payload.enterprise_id,
        zone_id=payload.zone_id,
        effective_at=payload.effective_at,
        reason=payload.reason,
    )
    return 201, moved


@router.get("/points/{point_id}/rollups", response=list[schemas.RollupOut])
def point_rollups(
    request: HttpRequest, point_id: int, start: datetime, end: datetime, level: str = "1h"
):
    return selectors.point_series(
        user=request.auth, point_id=point_id, level=level, start=start, end=end
    )


@router.post(
    "/readings",
    response=schemas.IngestOut,
    openapi_extra=schemas.READINGS_BODY,
    summary="Submit readings (a gateway token writes its own points)",
)
def readings_submit(request: HttpRequest):
    # The body is parsed by the intake core itself (orjson, per-reading refusals), not by a
    # schema that would refuse the whole batch for one bad reading.
    try:
        body = request.body
    except RequestDataTooBig:
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        raise ValidationFailed.single(
            "payload",
            gettext("The body is over %(mb)s MB (at most %(most)d readings per request).")
            % {"mb": f"{limit_mb:g}", "most": MAX_READINGS_PER_REQUEST},
            Code.TOO_LARGE,
        ) from None
    return services.readings_ingest(actor=request.auth, payload=body).as_dict()


@router.get("/rollups", response=list[schemas.RollupOut])
def rollups(
    request: HttpRequest,
    scope: str,
    scope_id: int,
    start: datetime,
    end: datetime,
    level: str = "1h",
    kind: str = "",
):
    return selectors.rollup_series(
        user=request.auth,
        scope=scope,
        scope_id=scope_id,
        level=level,
        start=start,
        end=end,
        kind=kind,
    )


@router.get("/quality", response=schemas.QualityOut)
def quality(request: HttpRequest):
    park = tenancy_selectors.park_of(request.auth)
    if park is None:
        raise NotFound
    return selectors.quality_summary(user=request.auth, park_id=park.pk)


@router.get("/dead-letters", response=list[schemas.DeadLetterOut])
@paginate(LimitOffsetPagination)
def dead_letters(request: HttpRequest, status: str = "open", point_code: str = ""):
    return selectors.dead_letter_list(user=request.auth, status=status, point_code=point_code)


@router.post("/dead-letters/{letter_id}/reprocess", response=schemas.DeadLetterOut)
def dead_letter_reprocess(request: HttpRequest, letter_id: int):
    letter = selectors.dead_letter_get(user=request.auth, letter_id=letter_id)
    return services.dead_letter_reprocess(actor=request.auth, via=via_of(request), letter=letter)


@router.post("/dead-letters/{letter_id}/dismiss", response=schemas.DeadLetterOut)
def dead_letter_dismiss(request: HttpRequest, letter_id: int, payload: schemas.DismissIn):
    letter = selectors.dead_letter_get(user=request.auth, letter_id=letter_id)
    return services.dead_letter_dismiss(
        actor=request.auth, via=via_of(request), letter=letter, note=payload.note
    )


@router.get("/conflicts", response=list[schemas.ConflictOut])
@paginate(LimitOffsetPagination)
def conflicts(request: HttpRequest, resolved: bool = False):
    return selectors.conflict_list(user=request.auth, resolved=resolved)


@router.post("/conflicts/{conflict_id}/resolve", response=schemas.ConflictOut)
def conflict_resolve(request: HttpRequest, conflict_id: int, payload: schemas.ResolveIn):
    conflict = selectors.conflict_get(user=request.auth, conflict_id=conflict_id)
    return services.conflict_resolve(
        actor=request.auth, via=via_of(request), conflict=conflict, keep=payload.keep
    )


# --- counter cleaning: suspect decisions, staff overrides, quarantined points --------------


@router.get("/suspects", response=list[schemas_quality.SuspectOut])
@paginate(LimitOffsetPagination)
def suspects(request: HttpRequest, point_code: str = "", decision: str = "", status: str = ""):
    return selectors.suspect_list(
        user=request.auth, point_code=point_code, decision=decision, status=status
    )


@router.post("/suspects/{decision_id}/override", response=schemas_quality.SuspectOut)
def suspect_override(request: HttpRequest, decision_id: int, payload: schemas_quality.OverrideIn):
    decision = selectors.suspect_get(user=request.auth, decision_id=decision_id)
    return services.suspect_override(
        actor=request.auth, via=via_of(request), decision=decision, action=payload.action
    )


@router.post("/points/{point_id}/replacement", response={201: schemas_quality.ReplacementOut})
def point_replacement(request: HttpRequest, point_id: int, payload: schemas_quality.ReplacementIn):
    point = selectors.point_get(user=request.auth, point_id=point_id)
    anchor = services.meter_replacement_confirm(
        actor=request.auth,
        via=via_of(request),
        point=point,
        ts=payload.ts,
        start_value=payload.start_value,
        note=payload.note,
    )
    return 201, anchor


@router.get("/quarantine", response=list[schemas_quality.QuarantineOut])
def quarantine(request: HttpRequest):
    return list(selectors.quarantine_list(user=request.auth))


@router.post("/quarantine/{point_id}/retry", response=schemas_quality.QuarantineOut)
def quarantine_retry(request: HttpRequest, point_id: int):
    row = selectors.quarantine_get(user=request.auth, point_id=point_id)
    return services.quarantine_retry(actor=request.auth, via=via_of(request), quarantined=row)


# --- the delivery protocol's committed watermark (docs/energy-mqtt.md) -------------------------


class WatermarkOut(Schema):
    gateway: str
    seq: int = Field(description="every message of this gateway numbered up to seq is stored")
    pending: int = Field(description="messages stored above a gap that is still open")
    updated_at: datetime | None
    topic: str = Field(description="the retained MQTT topic carrying the same watermark")


@router.get("/gateways/{username}/watermark", response=WatermarkOut)
def gateway_watermark(request: HttpRequest, username: str):
    """A gateway resumes from here after losing its state; staff watch gateways fall behind.
    Readable by the gateway itself and its park's staff; anyone else gets 404."""
    from parkpilot.energy.models_watermark import GatewayWatermark
    from parkpilot.energy.mqtt.watermark import watermark_topic
    from parkpilot.tenancy.models import User
    from parkpilot.tenancy.roles import Role

    user = request.auth
    gateway = (
        User.objects.filter(username=username, role=Role.GATEWAY, park__isnull=False)
        .select_related("park")
        .first()
    )
    if gateway is None or not (
        user.pk == gateway.pk or access.whole_park(user, GatewayWatermark, gateway.park_id)
    ):
        raise NotFound
    mark = GatewayWatermark.objects.filter(gateway=gateway).first()
    return WatermarkOut(
        gateway=gateway.username,
        seq=mark.seq if mark else 0,
        pending=len(mark.above) if mark else 0,
        updated_at=mark.updated_at if mark else None,
        topic=watermark_topic(gateway.park.code, gateway.username),
    )
