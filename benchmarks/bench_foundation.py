"""Home page and /api/v1/enterprises latency on the demo park (issue: platform foundation).

Figures: home_p95_ms, enterprises_api_p95_ms. Baseline, same process, same data: the raw SQL
that reads the enterprises the API returns (cursor.execute + fetchall), i.e. what the database
alone costs, so the ratios show what Django, scoping, serialisation and templates add."""

from benchmarks.harness import setup_django, summary, timings_ms, write_result

RUNS = 300


def run(database_url: str | None = None) -> dict:
    setup_django(database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import User
    from parkpilot.tenancy.services import api_token_create

    setup_test_environment()  # lets the test client use "testserver" as host
    # A throwaway database (test_<name>), so the bench never touches real data.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(
            connection, Client, CaptureQueriesContext, demo_load, User, api_token_create
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _measure(connection, Client, CaptureQueriesContext, demo_load, User, api_token_create):
    demo_load()
    staff = User.objects.get(username="staff")
    page = Client()
    page.force_login(staff)
    token = api_token_create(actor=None, via="bench", user=staff, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.*, z.name FROM tenancy_enterprise e "
                "LEFT JOIN tenancy_zone z ON z.id = e.zone_id "
                "WHERE e.park_id = %s ORDER BY e.id LIMIT 100",
                [staff.park_id],
            )
            cursor.fetchall()

    def home():
        assert page.get("/").status_code == 200

    def enterprises_api():
        assert api.get("/api/v1/enterprises?limit=100").status_code == 200

    # Counted now: each later request resets the connection's query log.
    with CaptureQueriesContext(connection) as captured:
        home()
    home_queries = len(captured)
    with CaptureQueriesContext(connection) as captured:
        enterprises_api()
    api_queries = len(captured)
    baseline = summary(timings_ms(raw_sql, runs=RUNS))
    home_t = summary(timings_ms(home, runs=RUNS))
    api_t = summary(timings_ms(enterprises_api, runs=RUNS))
    metrics = {
        "home_p50_ms": home_t["p50_ms"],
        "home_p95_ms": home_t["p95_ms"],
        "enterprises_api_p50_ms": api_t["p50_ms"],
        "enterprises_api_p95_ms": api_t["p95_ms"],
        "home_p95_ratio_to_raw_sql": round(home_t["p95_ms"] / baseline["p95_ms"], 1),
        "enterprises_api_p95_ratio_to_raw_sql": round(api_t["p95_ms"] / baseline["p95_ms"], 1),
        "home_queries": home_queries,
        "enterprises_api_queries": api_queries,
    }
    name = f"foundation_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline={"raw_sql_enterprises": baseline, "database": connection.vendor},
        notes="in-process Django test client, demo park (26 enterprises), park staff user",
    )
    print(f"{name}: {metrics} -> {path}")
    return metrics
