"""Sign-ins through the real login form (issue: ready for the open internet).

Figures:
- login_throttle_lockout_after: wrong passwords posted for one user name from one address
  before the right password is refused (goal ≤ 10);
- login_p95_ms: one successful sign-in through the login form with the production password
  hasher (Argon2id) and throttling on (goal ≤ 300).
Baseline, same process: the login page's GET (the form without any password check) and one
password verification alone, so the ratios show what the hasher and the rest of a sign-in cost.

PARKPILOT_BENCH_QUICK=1 runs fewer sign-ins."""

import os

from benchmarks.harness import on_a_test_database, summary, timings_ms, write_result

RUNS = 10 if os.environ.get("PARKPILOT_BENCH_QUICK") else 60
PASSWORD = "a-long-enough-bench-password"


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, lambda connection: _measure(connection.vendor))


def _measure(vendor: str) -> dict:
    from django.contrib.auth.hashers import check_password
    from django.test import Client

    from parkpilot.tenancy.models import Park, User
    from parkpilot.tenancy.roles import Role

    park = Park.objects.create(code="bench", name="bench", region_code="330112")
    user = User.objects.create_user(
        username="resident", password=PASSWORD, role=Role.RESIDENT, park=park
    )

    # One client, as one server process: a new test Client loads the middleware again (WhiteNoise
    # then rescans every static file), which a running server does once.
    client = Client()

    def sign_in(password=PASSWORD, address="10.9.9.9"):
        client.cookies.clear()  # a new visitor: no session
        return client.post(
            "/accounts/login/",
            {"username": "resident", "password": password},
            REMOTE_ADDR=address,
        )

    lockout_after = _wrong_passwords_before_lockout(sign_in)
    addresses = iter(f"10.8.{i // 250}.{i % 250}" for i in range(10_000))
    login = timings_ms(lambda: _expect(sign_in(address=next(addresses)), 302), runs=RUNS)
    page = timings_ms(lambda: _expect(_fresh(client).get("/accounts/login/"), 200), runs=RUNS)
    verify = timings_ms(lambda: check_password(PASSWORD, user.password), runs=RUNS)
    login_s, page_s, verify_s = summary(login), summary(page), summary(verify)
    metrics = {
        "login_throttle_lockout_after": lockout_after,
        "login_p95_ms": login_s["p95_ms"],
        "login_p50_ms": login_s["p50_ms"],
        "login_to_verify_ratio_p50": round(login_s["p50_ms"] / verify_s["p50_ms"], 3),
    }
    baseline = {"login_page_get": page_s, "password_verify": verify_s}
    path = write_result(f"login_{vendor}", metrics=metrics, baseline=baseline)
    print(path.name, metrics)
    return metrics


def _fresh(client):
    client.cookies.clear()
    return client


def _expect(response, status: int):
    if response.status_code != status:
        raise AssertionError(f"expected {status}, got {response.status_code}")
    return response


def _wrong_passwords_before_lockout(sign_in) -> int:
    """The smallest n such that n wrong passwords from one address lock out the right one (each
    n from a fresh address, since a success resets the count)."""
    for n in range(1, 101):
        address = f"10.7.{n // 250}.{n % 250}"
        for _ in range(n):
            sign_in(password="wrong", address=address)
        if sign_in(address=address).status_code == 429:
            return n
    return 100
