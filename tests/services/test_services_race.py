"""Two people act on the same request at the same moment, in two real database connections:
exactly one wins, the other is refused as a conflict, and the row holds the winner's change.
PostgreSQL only (SQLite serialises writers at BEGIN IMMEDIATE, so there is no race to show)."""

import datetime
import threading

import pytest
from django.db import connection, connections

from parkpilot.services import services
from parkpilot.services.models import ServiceEvent, ServiceRequest, Status
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking")
def test_confirm_and_reopen_at_once(personas, ent_a):
    req = services.request_create(
        actor=personas["ent_a_user"],
        via="test",
        park=ent_a.park,
        data={"title": "用电增容", "category": "energy", "description": "x"},
    )
    services.request_assign(
        actor=personas["park_admin"], via="test", request=req, contact_id=personas["park_staff"].pk
    )
    services.request_plan(
        actor=personas["park_staff"],
        via="test",
        request=req,
        plan="p",
        promised_on=datetime.date(2099, 1, 1),
    )
    services.request_resolve(actor=personas["park_staff"], via="test", request=req, resolution="r")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name, step):
        try:
            stale = ServiceRequest.objects.get(pk=req.pk)  # both read "resolved"
            barrier.wait()
            step(stale)
            outcomes[name] = "ok"
        except ValidationFailed as exc:
            outcomes[name] = exc.errors[0].code
        finally:
            connections.close_all()

    confirm = threading.Thread(
        target=act,
        args=(
            "confirm",
            lambda r: services.request_confirm(
                actor=personas["ent_a_user"], via="test", request=r, rating=5
            ),
        ),
    )
    reopen = threading.Thread(
        target=act,
        args=(
            "reopen",
            lambda r: services.request_reopen(
                actor=personas["ent_a_admin"], via="test", request=r, reason="没解决"
            ),
        ),
    )
    confirm.start()
    reopen.start()
    confirm.join()
    reopen.join()
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    row = ServiceRequest.objects.get(pk=req.pk)
    winner = next(k for k, v in outcomes.items() if v == "ok")
    assert row.status == (Status.CLOSED if winner == "confirm" else Status.PLANNED)
    # The loser wrote nothing: exactly one event after "resolved".
    kinds = list(ServiceEvent.objects.filter(request=req).values_list("kind", flat=True))
    assert kinds[-2] == "resolved" and kinds[-1] in ("confirmed", "reopened")
