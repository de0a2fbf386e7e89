"""Reads for the projects ledger; everything starts from access.scoped()/get_for()."""

import datetime
import statistics
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from parkpilot.alerts import selectors as alert_selectors
from parkpilot.alerts.models import Alert
from parkpilot.projects.models import (
    APPROVAL_STAGES,
    MonthlyInvestment,
    ProgressUpdate,
    Project,
    ProjectDocument,
    ProjectStage,
    Stage,
)
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.models import User


def project_list(
    *,
    user,
    stage: int | None = None,
    zone_id: int | None = None,
    tag: str = "",
    delayed: bool | None = None,
    q: str = "",
) -> QuerySet:
    qs = access.scoped(user, Project).select_related("zone", "contact", "enterprise")
    if stage is not None:
        qs = qs.filter(current_stage=stage)
    if zone_id is not None:
        qs = qs.filter(zone_id=zone_id)
    if tag:
        qs = qs.filter(tags_text__contains=f"|{tag}|")
    if delayed is not None:
        qs = qs.filter(is_delayed=delayed)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(investor__icontains=q))
    return qs.order_by("id")


def project_summary(*, user) -> dict:
    totals = access.scoped(user, Project).aggregate(
        count=Count("id"), investment=Sum("investment_100m_cny")
    )
    return {"count": totals["count"], "investment_100m_cny": totals["investment"] or 0}


def home_projects_card(user, park) -> dict:
    """ProjectsConfig.home_cards: how many projects of the ledger this user sees."""
    return {"summary": project_summary(user=user)}


def project_get(*, user, project_id: int) -> Project:
    qs = Project.objects.select_related("zone", "contact", "enterprise", "park")
    return access.get_for(user, qs, project_id)


def project_stages(*, user, project: Project) -> list[ProjectStage]:
    """All nine stages in order; a stage never recorded shows as an empty row."""
    rows = {s.stage: s for s in access.scoped(user, ProjectStage).filter(project=project)}
    return [rows.get(s) or ProjectStage(project=project, stage=s) for s in Stage]


def project_timeline(*, user, project: Project) -> dict:
    """The Gantt data: each stage runs from the previous stage's date to its own, planned and
    actual separately, as ISO dates for ECharts."""
    stages = project_stages(user=user, project=project)
    rows = []
    prev_planned = prev_actual = None
    for s in stages:
        rows.append(
            {
                "stage": s.stage,
                "label": str(Stage(s.stage).label),
                "planned": [_iso(prev_planned or s.planned_on), _iso(s.planned_on)],
                "actual": [_iso(prev_actual or s.actual_on), _iso(s.actual_on)],
            }
        )
        prev_planned = s.planned_on or prev_planned
        prev_actual = s.actual_on or prev_actual
    return {"rows": rows}


def portfolio_timeline(*, user, projects) -> dict:
    """The portfolio Gantt for a page of projects: one row per project, one bar per stage from
    the previous stage's actual date to its own (actual dates only; the ledger is what happened),
    plus the next planned stage's date as a marker."""
    page = list(projects)
    stages: dict[int, list[ProjectStage]] = {}
    for s in (
        access.scoped(user, ProjectStage)
        .filter(project__in=[p.pk for p in page])
        .order_by("project_id", "stage")
    ):
        stages.setdefault(s.project_id, []).append(s)
    rows = []
    for p in page:
        bars, prev, next_planned = [], None, None
        for s in stages.get(p.pk, []):
            if s.actual_on:
                bars.append([s.stage, _iso(prev or s.actual_on), _iso(s.actual_on)])
                prev = s.actual_on
            elif s.planned_on and next_planned is None and s.stage > p.current_stage:
                next_planned = [s.stage, _iso(s.planned_on)]
        rows.append({"name": p.name, "bars": bars, "next": next_planned, "delayed": p.is_delayed})
    return {"rows": rows, "stages": [str(s.label) for s in Stage]}


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def project_updates(*, user, project: Project, limit: int = 50) -> QuerySet:
    return (
        access.scoped(user, ProgressUpdate)
        .filter(project=project)
        .select_related("author")
        .order_by("-at", "-id")[:limit]
    )


def project_documents(*, user, project: Project) -> QuerySet:
    return (
        access.scoped(user, ProjectDocument)
        .filter(project=project)
        .select_related("uploaded_by")
        .order_by("stage", "id")
    )


def document_get(*, user, document_id: int) -> ProjectDocument:
    return access.get_for(user, ProjectDocument, document_id)


def project_investments(*, user, project: Project) -> QuerySet:
    return access.scoped(user, MonthlyInvestment).filter(project=project).order_by("month")


def investment_by_year(*, user, project: Project | None = None) -> list[dict]:
    qs = access.scoped(user, MonthlyInvestment)
    if project is not None:
        qs = qs.filter(project=project)
    rows = (
        qs.annotate(year=ExtractYear("month"))
        .values("year")
        .annotate(planned=Sum("planned_100m_cny"), actual=Sum("actual_100m_cny"))
        .order_by("year")
    )
    return [
        {"year": r["year"], "planned": r["planned"] or Decimal(0), "actual": r["actual"] or 0}
        for r in rows
    ]


def approvals(*, user, today: datetime.date) -> dict:
    """审批专区: how long each approval took, by stage and approving body, and the approvals
    submitted and still waiting (with the days they have waited)."""
    rows = (
        access.scoped(user, ProjectStage)
        .filter(stage__in=[int(s) for s in APPROVAL_STAGES], submitted_on__isnull=False)
        .select_related("project")
        .order_by("stage", "submitted_on", "id")
    )
    stats: dict[tuple[int, str], list[int]] = {}
    waiting = []
    for r in rows:
        if r.approved_on:
            stats.setdefault((r.stage, r.approving_body or "—"), []).append(r.approval_days)
        elif r.actual_on is None:  # a stage reached without its approval date is not waiting
            waiting.append({"row": r, "days": (today - r.submitted_on).days})
    table = [
        {
            "stage": str(Stage(stage).label),
            "body": body,
            "count": len(days),
            "mean_days": round(sum(days) / len(days), 1),
            "median_days": statistics.median(days),
            "max_days": max(days),
        }
        for (stage, body), days in sorted(stats.items())
    ]
    waiting.sort(key=lambda w: -w["days"])
    return {"table": table, "waiting": waiting}


def stage_funnel(*, user) -> list[dict]:
    """How many visible projects have reached each stage (current stage at or past it)."""
    counts = dict(
        access.scoped(user, Project)
        .values_list("current_stage")
        .annotate(n=Count("id"))
        .values_list("current_stage", "n")
    )
    funnel = []
    for stage in Stage:
        reached = sum(n for s, n in counts.items() if s >= stage)
        funnel.append(
            {
                "stage": int(stage),
                "label": str(stage.label),
                "at": counts.get(stage, 0),
                "reached": reached,
            }
        )
    return funnel


def land_to_start(*, user) -> dict:
    """拿地即开工, park-wide: the gap in days between land supply and construction start."""
    gaps = access.scoped(user, Project).filter(land_to_start_days__isnull=False)
    agg = gaps.aggregate(
        n=Count("id"),
        mean=Avg("land_to_start_days"),
        same_day=Count("id", filter=Q(land_to_start_days__lte=0)),
    )
    n = agg["n"]
    if not n:
        return {"projects": 0, "median_days": None, "mean_days": None, "same_day": 0}
    # The median from the database: the middle one or two values, not every row.
    ordered = gaps.order_by("land_to_start_days").values_list("land_to_start_days", flat=True)
    middle = list(ordered[(n - 1) // 2 : n // 2 + 1])
    median = middle[0] if n % 2 else sum(middle) / 2
    return {
        "projects": n,
        "median_days": median,
        "mean_days": round(float(agg["mean"]), 1),
        "same_day": agg["same_day"],
    }


def ledger_counts(*, user) -> dict:
    return access.scoped(user, Project).aggregate(
        total=Count("id"),
        delayed=Count("id", filter=Q(is_delayed=True)),
        planned=Sum("investment_100m_cny"),
        completed=Sum("completed_investment_100m_cny"),
    )


def tag_choices(*, user) -> list[str]:
    tags: set[str] = set()
    for text in (
        access.scoped(user, Project)
        .exclude(tags_text="")
        .values_list("tags_text", flat=True)
        .distinct()
    ):
        tags.update(t for t in text.split("|") if t)
    return sorted(tags)


def alert_list(
    *,
    user,
    status: str = "",
    project_id: int | None = None,
    escalated: bool | None = None,
    mine: bool = False,
) -> QuerySet:
    """The ledger's delay alerts (kept by parkpilot.alerts) the user may see. `status` is an
    alert state, or "active" for every state but closed."""
    qs = alert_selectors.alert_list(user=user, source="projects", state=status)
    if project_id is not None:
        qs = qs.filter(subject__startswith=f"project:{project_id}/")
    if escalated is not None:
        qs = qs.filter(escalated_at__isnull=not escalated)
    if mine:
        qs = qs.filter(alert_recipient_q(user))
    return qs


def alert_recipient_q(user: User) -> Q:
    """Who an alert goes to: the project's contact person first; once escalated also those the
    kind escalates to (park leadership and the supervisors, ProjectsConfig.alert_kinds)."""
    contact_of = list(
        access.scoped(user, Project).filter(contact=user).values_list("pk", flat=True)
    )
    return Q(figure__project_id__in=contact_of) | alert_selectors.escalated_to(user)


def with_projects(*, user, alerts) -> list[Alert]:
    """The alerts of a page, each with its project (and contact) as `alert.project` and its
    kind's label as `alert.kind_label`: one query for the page. An alert whose project the user
    may not read keeps `project` None."""
    rows = list(alerts)
    ids = {a.figure.get("project_id") for a in rows}
    projects = access.scoped(user, Project).select_related("contact").in_bulk(ids)
    for a in rows:
        a.project = projects.get(a.figure.get("project_id"))
        a.kind_label = alert_selectors.kind_label(a.kind)
    return rows


def alert_get(*, user, alert_id: int) -> Alert:
    """One of the ledger's alerts, or NotFound (another app's alert is not the ledger's)."""
    alert = alert_selectors.alert_get(user=user, alert_id=alert_id)
    if alert.source != "projects":
        raise NotFound
    return alert


def contact_choices(*, user) -> QuerySet:
    """Park staff who can be a project's contact person (park roles only see them)."""
    return tenancy_selectors.contact_choices(user=user)


def stages_prefetch(user) -> Prefetch:
    return Prefetch("stages", queryset=access.scoped(user, ProjectStage).order_by("stage"))
