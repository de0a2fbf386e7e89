"""The ledger's nightly reconcile: thin, it calls the service per park."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parkpilot.ledger import services
from parkpilot.tenancy.models import Park


@db_periodic_task(crontab(hour="2", minute="40"))
def reconcile_all() -> None:
    for park in Park.objects.all():
        services.reconcile(park=park)
