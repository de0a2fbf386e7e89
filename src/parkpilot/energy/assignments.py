"""Keeping each point's open assignment (energy/models_assignment.py) equal to its current owner
and zone, for the registry's writers (create, edit, import, demo). Those writers correct the
registry: the span in effect takes the new values. A move with a date is services.point_move."""

from collections.abc import Iterable

from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.models_assignment import ASSIGNMENT_ORIGIN, PointAssignment


def assignments_sync(point_ids: Iterable[int]) -> None:
    """Give points without an assignment their first one (from the origin), and make each open
    assignment repeat its point's owner and zone. Two queries plus the writes needed."""
    current = {
        pk: (owner_id, zone_id)
        for pk, owner_id, zone_id in MeteringPoint.objects.filter(pk__in=list(point_ids))
        .values_list("pk", "owner_id", "zone_id")
        .iterator(chunk_size=2000)
    }
    if not current:
        return
    stale = []
    opened = set()
    for row in PointAssignment.objects.filter(point_id__in=list(current), valid_to=None):
        opened.add(row.point_id)
        owner_id, zone_id = current[row.point_id]
        if (row.enterprise_id, row.zone_id) != (owner_id, zone_id):
            row.enterprise_id, row.zone_id = owner_id, zone_id
            stale.append(row)
    PointAssignment.objects.bulk_update(stale, ["enterprise", "zone"], batch_size=1000)
    PointAssignment.objects.bulk_create(
        [
            PointAssignment(
                point_id=pk, enterprise_id=owner_id, zone_id=zone_id, valid_from=ASSIGNMENT_ORIGIN
            )
            for pk, (owner_id, zone_id) in current.items()
            if pk not in opened
        ],
        batch_size=1000,
    )
