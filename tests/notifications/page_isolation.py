"""Notifications are personal: even the recipient's own park admin gets 404 on one."""

from helpers import PageCase
from parkpilot.notifications.services import notify


def _notification(personas, ent_a):
    note = notify(park=ent_a.park, recipients=[personas["ent_a_user"]], kind="t", title="私信")[0]
    return {"notification_id": note.pk}, note


PAGE_CASES = {
    "notifications:read": PageCase(
        _notification, outsiders=("ent_b_user", "park_admin", "other_park_admin")
    ),
}
