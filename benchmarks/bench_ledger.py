"""The ledger list and the supervision view with 5,000 projects and 50,000 service requests
(issue: projects ledger and enterprise services).

Figures: ledger_list_p95_ms (GET /projects/, the HTML ledger: counts, stage funnel, investment
by year, the 拿地即开工 gap and the first page of 50 rows), supervision_view_p95_ms (GET
/services/supervision/ as the supervisor: every overdue request, the first page of 50, and the
open cases), each with its query count. Baseline, same process, same data: the raw SQL that
reads the rows each page shows (cursor.execute + fetchall), i.e. what the database alone costs."""

import datetime
import random

from benchmarks.harness import on_a_test_database, summary, timings_ms, write_result

RUNS = 200
PROJECTS = 5_000
REQUESTS = 50_000


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, _measure)


def _generate(park, rng: random.Random) -> None:
    from django.utils import timezone

    from parkpilot.projects.models import Project, ProjectStage, Stage
    from parkpilot.services.models import Category, ServiceRequest, Status, Urgency
    from parkpilot.tenancy.models import Enterprise, User, Zone

    zones = list(Zone.objects.filter(park=park))
    enterprises = list(Enterprise.objects.filter(park=park))
    staff = User.objects.get(username="staff")
    raiser = User.objects.get(username="hangcha-user")
    tags = ["152", "省重点", "市重点", "五个千亿", ""]
    projects = []
    for i in range(PROJECTS):
        stage = rng.randint(0, 9)
        tag = rng.choice(tags)
        projects.append(
            Project(
                park=park,
                name=f"基准项目{i:05d}",
                zone=rng.choice(zones),
                enterprise=rng.choice(enterprises),
                investment_100m_cny=rng.randint(1, 500) / 10,
                completed_investment_100m_cny=rng.randint(0, 100) / 10,
                tags=[tag] if tag else [],
                tags_text=f"|{tag}|" if tag else "",
                current_stage=stage,
                land_to_start_days=rng.randint(0, 200) if stage >= Stage.STARTED else None,
                is_delayed=rng.random() < 0.1,
                contact=staff,
            )
        )
    Project.objects.bulk_create(projects, batch_size=1000)
    ids = Project.objects.filter(park=park).values_list("pk", "current_stage")
    start = datetime.date(2020, 1, 1)
    stages = [
        ProjectStage(
            project_id=pk,
            stage=s,
            planned_on=start + datetime.timedelta(days=60 * s),
            actual_on=start + datetime.timedelta(days=60 * s + 7) if s <= current else None,
        )
        for pk, current in ids
        for s in Stage
    ]
    ProjectStage.objects.bulk_create(stages, batch_size=2000, ignore_conflicts=True)
    today = timezone.localdate()
    statuses = Status.values
    requests = []
    for i in range(REQUESTS):
        age = rng.randint(0, 400)
        # Old requests are mostly closed; the open ones are the recent ones plus a tail.
        status = Status.CLOSED if age > 60 and rng.random() < 0.9 else rng.choice(statuses)
        raised = today - datetime.timedelta(days=age)
        requests.append(
            ServiceRequest(
                park=park,
                enterprise=rng.choice(enterprises),
                title=f"基准诉求{i:06d}",
                category=rng.choice(Category.values),
                urgency=rng.choice(Urgency.values),
                description="benchmark",
                raised_by=raiser,
                status=status,
                contact=None if status == Status.SUBMITTED else staff,
                rating=5 if status == Status.CLOSED else None,
                response_due_on=raised + datetime.timedelta(days=2),
                plan_due_on=raised + datetime.timedelta(days=7),
                resolve_due_on=raised + datetime.timedelta(days=28),
            )
        )
        requests[-1].next_due_on = requests[-1].due_for_status()  # bulk_create skips save()
    ServiceRequest.objects.bulk_create(requests, batch_size=2000)


def _measure(connection) -> dict:
    from django.db import reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import Park, User

    demo_load()
    park = Park.objects.get()
    _generate(park, random.Random(7))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    staff = Client()
    staff.force_login(User.objects.get(username="staff"))
    supervisor = Client()
    supervisor.force_login(User.objects.get(username="supervisor"))
    today = timezone.localdate()

    def ledger():
        assert staff.get("/projects/").status_code == 200

    def supervision():
        assert supervisor.get("/services/supervision/").status_code == 200

    def raw_ledger():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.*, z.name FROM projects_project p "
                "LEFT JOIN tenancy_zone z ON z.id = p.zone_id "
                "WHERE p.park_id = %s ORDER BY p.id LIMIT 50",
                [park.pk],
            )
            cursor.fetchall()

    def raw_supervision():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.*, e.name FROM services_servicerequest r "
                "JOIN tenancy_enterprise e ON e.id = r.enterprise_id "
                "WHERE r.park_id = %s AND r.next_due_on < %s"
                " ORDER BY r.next_due_on, r.id LIMIT 50",
                [park.pk, today],
            )
            cursor.fetchall()

    ledger()
    supervision()
    with CaptureQueriesContext(connection) as captured:
        ledger()
    ledger_queries = len(captured)
    with CaptureQueriesContext(connection) as captured:
        supervision()
    supervision_queries = len(captured)
    reset_queries()
    base_ledger = summary(timings_ms(raw_ledger, runs=RUNS))
    base_sup = summary(timings_ms(raw_supervision, runs=RUNS))
    ledger_t = summary(timings_ms(ledger, runs=RUNS))
    sup_t = summary(timings_ms(supervision, runs=RUNS))
    metrics = {
        "ledger_list_p50_ms": ledger_t["p50_ms"],
        "ledger_list_p95_ms": ledger_t["p95_ms"],
        "ledger_list_queries": ledger_queries,
        "ledger_list_p95_ratio_to_raw_sql": round(ledger_t["p95_ms"] / base_ledger["p95_ms"], 1),
        "supervision_view_p50_ms": sup_t["p50_ms"],
        "supervision_view_p95_ms": sup_t["p95_ms"],
        "supervision_view_queries": supervision_queries,
        "supervision_view_p95_ratio_to_raw_sql": round(sup_t["p95_ms"] / base_sup["p95_ms"], 1),
    }
    name = f"ledger_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline={
            "raw_sql_ledger_page": base_ledger,
            "raw_sql_overdue_page": base_sup,
            "database": connection.vendor,
            "projects": PROJECTS,
            "service_requests": REQUESTS,
        },
        notes="in-process Django test client; HTML pages with all their panels; staff for the "
        "ledger, supervisor for the supervision view",
    )
    print(f"{name}: {metrics} -> {path}")
    return metrics
