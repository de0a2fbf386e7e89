"""What the bus takes from outside: its vehicles' GPS fixes, sent by a gateway of the park (the
on-board units' uplink) through the one MQTT door (energy's worker; BusConfig.mqtt_topics) at
parkpilot/<park>/bus-positions/<gateway>.

A message is one fix or a list of them:
    {"vehicle": "QS-01", "lat": 30.2351, "lon": 119.8123, "ts": "2026-12-03T08:15:00+08:00",
     "datum": "gcj02"}
`datum` is wgs84 (the default) or gcj02 (a Chinese map SDK's fix, converted). A message with any
bad fix is refused whole (a dead letter naming the field), so a gateway never has half of a
message stored."""

from datetime import timedelta
from typing import Annotated, Literal

import orjson
import pydantic
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpilot.bus import selectors_live, services
from parkpilot.bus.models import Vehicle
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Park

MAX_FIXES = 1_000  # a gateway's message: a few minutes of a fleet, not a day's log
CLOCK_SKEW = timedelta(minutes=5)  # a fix later than now by more than this is refused


class Fix(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    vehicle: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=20)]
    lat: Annotated[float, pydantic.Field(ge=-90, le=90)]
    lon: Annotated[float, pydantic.Field(ge=-180, le=180)]
    ts: pydantic.AwareDatetime
    datum: Literal["wgs84", "gcj02"] = "wgs84"


_ONE = pydantic.TypeAdapter(Fix)
_MANY = pydantic.TypeAdapter(Annotated[list[Fix], pydantic.Field(min_length=1)])


# What a refused message's dead letter says, by the field at fault.
REASONS = {
    "vehicle": _("The vehicle's fleet number is missing or longer than 20 characters."),
    "lat": _("The latitude must be a number from -90 to 90."),
    "lon": _("The longitude must be a number from -180 to 180."),
    "ts": _("The time must be ISO 8601 with its UTC offset."),
    "datum": _("The datum must be wgs84 or gcj02."),
    "payload": _("The message must be a fix or a list of fixes, as JSON."),
}


def on_positions_message(*, park_id: int, gateway_id: int, payload: bytes, now=None) -> int:
    """Store every fix of the message, or refuse it whole; returns how many were stored."""
    fixes = _parse(payload)
    codes = {fix.vehicle for fix in fixes}
    vehicles = {v.code: v for v in Vehicle.objects.filter(park_id=park_id, code__in=codes)}
    _check(fixes, vehicles, now or timezone.now())
    actor = system_actor(Park.objects.get(pk=park_id), "bus.positions")
    for fix in fixes:
        vehicle = vehicles[fix.vehicle]
        run = selectors_live.running_trip(vehicle, fix.ts)  # the trip its timetable says
        services.position_record(
            actor=actor,
            vehicle=vehicle,
            lat=fix.lat,
            lon=fix.lon,
            at=fix.ts,
            datum=fix.datum,
            trip=run[0] if run else None,
        )
    return len(fixes)


def _parse(payload: bytes) -> list[Fix]:
    try:
        data = orjson.loads(payload)
        if isinstance(data, list):
            fixes = _MANY.validate_python(data)
        else:
            fixes = [_ONE.validate_python(data)]
    except orjson.JSONDecodeError:
        raise ValidationFailed.single("payload", REASONS["payload"]) from None
    except pydantic.ValidationError as exc:
        names = [str(part) for part in exc.errors()[0]["loc"]]
        field = next((name for name in reversed(names) if name in Fix.model_fields), "payload")
        raise ValidationFailed.single(field, REASONS[field]) from None
    if len(fixes) > MAX_FIXES:
        raise ValidationFailed.single("payload", _("A message holds at most 1,000 fixes."))
    return fixes


def _check(fixes: list[Fix], vehicles: dict[str, Vehicle], now) -> None:
    latest = now + CLOCK_SKEW
    for fix in fixes:
        if fix.vehicle not in vehicles:
            raise ValidationFailed.single("vehicle", _("No vehicle of this park has that number."))
        if fix.ts > latest:
            raise ValidationFailed.single("ts", _("The fix is dated in the future."))
