"""The digital bus's pages: the timetable and one's rides on the residents' front door (phone),
the driver's check (phone), an enterprise's staff commuting and the network (desktop). Thin:
selectors read, services write."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.bus import (
    drt,
    gtfs,
    realtime,
    rules,
    selectors,
    selectors_live,
    services,
    services_demand,
    services_metro,
)
from parkpilot.bus.models import DemandDay, MetroDelay
from parkpilot.inputs import Fields, posted_id, query_whole
from parkpilot.residents import shell
from parkpilot.stored_text import shown
from parkpilot.tenancy import access
from parkpilot.tenancy.access import SIGNED_IN, page
from parkpilot.tenancy.errors import ValidationFailed


def _query_day(request) -> datetime.date:
    """The day a page shows (?day=YYYY-MM-DD); today when absent, a message and today when it
    does not read (a hand-edited address still shows the page)."""
    fields = Fields()
    day = fields.date("day", request.GET.get("day"), required=False)
    if fields.errors:
        shell.refused(request, ValidationFailed(fields.errors))
    return day or timezone.localdate()


@page(SIGNED_IN)
def timetable(request):
    day = _query_day(request)
    line_id = query_whole(request, "line", None, low=1)
    now = timezone.localtime()
    # Today: only the buses that have not left yet.
    after_s = now.hour * 3600 + now.minute * 60 if day == now.date() else 0
    context = {
        "day": day,
        "line_id": line_id,
        "days": [now.date() + datetime.timedelta(days=n) for n in range(0, 7)],
        "lines": selectors.lines(user=request.user).filter(bookable=True),
        "rows": selectors.timetable(user=request.user, day=day, line_id=line_id, after_s=after_s),
        "broken": selectors.broken_connections(user=request.user, day=day),
        "counts": selectors.network_counts(user=request.user),
        "stops": selectors.stops(user=request.user),
    }
    return shell.render(request, "bus/timetable.html", context)


@page(SIGNED_IN)
def stop(request, stop_id: int):
    """When the next buses reach a stop (their GPS against the timetable), on the phone."""
    context = {
        "stop": selectors_live.stop_get(user=request.user, stop_id=stop_id),
        "arrivals": selectors_live.stop_arrivals(user=request.user, stop_id=stop_id),
        "now": timezone.localtime(),
    }
    return shell.render(request, "bus/stop.html", context)


@require_POST
@page(SIGNED_IN)
def book(request, trip_id: int):
    trip = selectors.trip_get(user=request.user, trip_id=trip_id)
    try:
        booking = services.booking_create(
            actor=request.user, trip=trip, day=request.POST.get("day")
        )
        if booking.status == "confirmed":
            messages.success(request, _("Seat booked: show the boarding code to the driver."))
        else:
            messages.info(request, _("The bus is full: you are on the waiting list."))
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect("bus:mine")


@page(SIGNED_IN)
def mine(request):
    bookings = selectors.my_bookings(user=request.user)
    broken = selectors.broken_departures(bookings=bookings)
    rides = [
        {
            "booking": b,
            "qr": mark_safe(selectors.boarding_qr_svg(booking=b))
            if b.status == "confirmed"
            else "",
            "broken": (b.departure.trip_id, b.departure.day) in broken,
        }
        for b in bookings
    ]
    context = {"rides": rides, "no_shows": selectors.no_show_count(user=request.user)}
    return shell.render(request, "bus/mine.html", context, tab="items")


@require_POST
@page(SIGNED_IN)
def cancel(request, booking_id: int):
    booking = selectors.my_booking(user=request.user, booking_id=booking_id)
    try:
        services.booking_cancel(actor=request.user, booking=booking)
        messages.success(request, _("Cancelled."))
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect((request.POST.get("next") == "staff" and "bus:staff") or "bus:mine")


@page(rules.DRIVING, hidden=True)
def driver(request):
    today = timezone.localdate()
    departures = selectors.driver_departures(user=request.user, day=today)
    codes = {
        b.code: b.get_status_display() for row in departures for b in row["manifest"]
    }  # offline: the page can still say whether a code is on its buses
    context = {"today": today, "departures": departures, "codes": codes}
    return shell.render(request, "bus/driver.html", context)


@require_POST
@page(rules.DRIVING, hidden=True)
def board(request):
    try:
        booking = services.booking_board(actor=request.user, code=request.POST.get("code", ""))
        messages.success(
            request,
            _("Boarded: %(rider)s, %(line)s at %(time)s")
            % {
                "rider": booking.rider,
                "line": booking.departure.trip.line.short_name,
                "time": timezone.localtime(booking.departure.departs_at).strftime("%H:%M"),
            },
        )
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect("bus:driver")


@page(rules.STAFF_USE)
def staff(request):
    since = timezone.localdate() - datetime.timedelta(days=30)
    day = _query_day(request)
    context = {
        "since": since,
        "day": day,
        "use": selectors.staff_use(user=request.user, since=since),
        "bookings": selectors.bookings_visible(user=request.user).order_by("-booked_at")[:50],
        "staff_members": selectors.staff_of(user=request.user),
        "rows": selectors.timetable(user=request.user, day=day),
    }
    return TemplateResponse(request, "bus/staff.html", context)


@require_POST
@page(rules.STAFF_USE)
def staff_book(request):
    try:
        trip = selectors.trip_get(user=request.user, trip_id=posted_id(request, "trip"))
        rider = selectors.staff_member(user=request.user, rider_id=posted_id(request, "rider"))
        booking = services.booking_create(
            actor=request.user, trip=trip, day=request.POST.get("day"), rider=rider
        )
        messages.success(
            request,
            _("Booked for %(rider)s: %(status)s")
            % {"rider": rider, "status": booking.get_status_display()},
        )
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect("bus:staff")


@page(rules.NETWORK)
def network(request):
    context = {
        "counts": selectors.network_counts(user=request.user),
        "summary": selectors.line_summary(user=request.user),
        "geojson": selectors.network_geojson(user=request.user),
    }
    return TemplateResponse(request, "bus/network.html", context)


@page(rules.NETWORK)
def demand(request):
    """A zone's day of demand-responsive requests: planned and shown, or, once accepted, the
    runs made from it."""
    zones = list(selectors.demand_zones(user=request.user))
    zone_id = query_whole(request, "zone", zones[0].pk if zones else None, low=1)
    if "day" in request.GET or zone_id is None:
        day = _query_day(request)
    else:  # the first day from today with requests to plan, so a fresh page shows a plan
        day = selectors.demand_next_day(user=request.user, zone_id=zone_id)
    plan = None
    if zone_id is not None:  # another park's zone: 404
        plan = selectors.demand_plan(user=request.user, zone_id=zone_id, day=day)
    context = {
        "day": day, "zones": zones, "plan": plan,
        "may_accept": access.can(request.user, access.CREATE, DemandDay),
    }  # fmt: skip
    return TemplateResponse(request, "bus/demand.html", context)


@require_POST
@page(rules.NETWORK)
def demand_accept(request):
    day = request.POST.get("day", "")
    try:
        zone = selectors.demand_zone_get(user=request.user, zone_id=posted_id(request, "zone"))
    except ValidationFailed as exc:
        shell.refused(request, exc)
        return redirect("bus:demand")
    try:
        accepted = services_demand.demand_day_accept(actor=request.user, zone=zone, day=day)
        messages.success(
            request,
            _("Plan accepted: %(runs)d runs; the riders are told.")
            % {"runs": accepted.trips.count()},
        )
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect(f"{reverse('bus:demand')}?zone={zone.pk}&day={day}")


@page(rules.NETWORK)
def metro(request):
    """The metro last mile: per train arriving that day, the buses its riders can catch, their
    seats and the wait; trains without a bus highlighted; a delay entered here."""
    day = _query_day(request)
    context = {
        "day": day, "plan": selectors.metro_plan(user=request.user, day=day),
        "may_enter": access.can(request.user, access.CREATE, MetroDelay),
    }  # fmt: skip
    return TemplateResponse(request, "bus/metro.html", context)


@require_POST
@page(rules.NETWORK)
def metro_delay(request):
    day = request.POST.get("day", "")
    try:
        arrival = selectors.metro_arrival_get(
            user=request.user, arrival_id=posted_id(request, "arrival")
        )
        delay = services_metro.metro_delay_record(
            actor=request.user, arrival=arrival, day=day, minutes=request.POST.get("minutes")
        )
        messages.success(
            request,
            _("Delay entered: %(flagged)d trips flagged, %(cleared)d cleared.")
            % {"flagged": len(delay.flagged), "cleared": len(delay.cleared)},
        )
    except ValidationFailed as exc:
        labels = {"arrival": _("Train"), "day": _("Day"), "minutes": _("Minutes late")}
        for error in exc.errors:
            field = labels.get(error.field, error.field)
            messages.error(
                request, _("%(field)s: %(reason)s") % {"field": field, "reason": error.reason}
            )
    return redirect(f"{reverse('bus:metro')}?{urlencode({'day': day})}")


# --- demand-responsive rides on the residents' front door ------------------------------------

REQUEST_FIELDS = (
    "day", "time_s", "seats", "pickup_stop", "pickup_lat", "pickup_lon", "dropoff_stop",
    "dropoff_lat", "dropoff_lon",
)  # fmt: skip


@page(SIGNED_IN)
def demand_mine(request, posted=None):
    """Ask for a demand-responsive ride, and one's requests with their state."""
    zones = list(selectors.demand_zones(user=request.user))
    zone = zones[0] if zones else None
    requests = [
        {"request": r, "pickup": shown(selectors.demand_place(r, "pickup")),
         "dropoff": shown(selectors.demand_place(r, "dropoff")),
         "reason": drt.Reason(r.reason).label if r.reason else "",
         "time": selectors.hhmm(r.time_s),
         "picked": selectors.hhmm(r.planned_pickup_s) if r.planned_pickup_s is not None else ""}
        for r in selectors.my_demand_requests(user=request.user)
    ]  # fmt: skip
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    context = {
        "zones": zones, "zone": zone, "requests": requests,
        "stops": selectors.stops(user=request.user),
        "form": posted or {"day": tomorrow.isoformat(), "time_s": "09:30", "seats": "1"},
        "geojson": selectors.demand_map_geojson(user=request.user, zone=zone) if zone else None,
        "window_min": drt.Parameters.window_s // 60,
        "service_from": selectors.hhmm(zone.window_start_s) if zone else "",
        "service_until": selectors.hhmm(zone.window_end_s) if zone else "",
    }  # fmt: skip
    return shell.render(request, "bus/demand_mine.html", context, tab="items")


@require_POST
@page(SIGNED_IN)
def demand_request(request):
    values = {name: request.POST.get(name, "") for name in REQUEST_FIELDS}
    try:
        zone = selectors.demand_zone_get(user=request.user, zone_id=posted_id(request, "zone"))
        services_demand.demand_request_create(actor=request.user, zone=zone, **values)
    except ValidationFailed as exc:
        shell.refused(request, exc)
        return demand_mine.__wrapped__(request, posted=values)  # keep what was typed
    messages.success(request, _("Request sent: you will be told when the day's plan is made."))
    return redirect("bus:demand_mine")


@require_POST
@page(SIGNED_IN)
def demand_cancel(request, request_id: int):
    found = selectors.my_demand_request(user=request.user, request_id=request_id)
    try:
        services_demand.demand_request_cancel(actor=request.user, request=found)
        messages.success(request, _("Request cancelled."))
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect("bus:demand_mine")


@page(rules.NETWORK)
def live_buses(request):
    """The running buses' latest fixes for the network map, which fetches this again and
    again."""
    return JsonResponse(selectors_live.live_buses_geojson(user=request.user))


@page(rules.NETWORK)
def gtfs_export(request):
    response = HttpResponse(gtfs.feed_export(user=request.user), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="gtfs.zip"'
    return response


@page(rules.NETWORK)
def trip_updates(request):
    """GTFS-Realtime TripUpdates (protobuf): the running trips' expected arrivals."""
    return HttpResponse(
        realtime.trip_updates(user=request.user), content_type="application/x-protobuf"
    )


@page(rules.NETWORK)
def vehicle_positions(request):
    """GTFS-Realtime VehiclePositions (protobuf) of the park's buses."""
    return HttpResponse(
        realtime.vehicle_positions(user=request.user), content_type="application/x-protobuf"
    )
