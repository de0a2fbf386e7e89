"""The digital bus's pages: the timetable and one's rides on the residents' front door (phone),
the driver's check (phone), an enterprise's staff commuting and the network (desktop). Thin:
selectors read, services write."""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.bus import gtfs, realtime, rules, selectors, selectors_live, services
from parkpilot.residents import shell
from parkpilot.tenancy.access import SIGNED_IN, page
from parkpilot.tenancy.errors import ValidationFailed


def _day(value: str | None, request=None) -> datetime.date:
    """A day from a form (YYYY-MM-DD); today when absent, a message when it does not read."""
    if not value:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single("day", _("not a date (YYYY-MM-DD)")) from None


@page(SIGNED_IN)
def timetable(request):
    try:
        day = _day(request.GET.get("day"))
    except ValidationFailed as exc:
        shell.refused(request, exc)
        day = timezone.localdate()
    line_id = request.GET.get("line", "")
    line_id = int(line_id) if line_id.isdigit() else None
    now = timezone.localtime()
    # Today: only the buses that have not left yet.
    after_s = now.hour * 3600 + now.minute * 60 if day == now.date() else 0
    context = {
        "day": day,
        "line_id": line_id,
        "days": [now.date() + datetime.timedelta(days=n) for n in range(0, 7)],
        "lines": selectors.lines(user=request.user).filter(bookable=True),
        "rows": selectors.timetable(user=request.user, day=day, line_id=line_id, after_s=after_s),
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
        day = _day(request.POST.get("day"))
        booking = services.booking_create(actor=request.user, trip=trip, day=day)
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
    rides = [
        {
            "booking": b,
            "qr": mark_safe(selectors.boarding_qr_svg(booking=b))
            if b.status == "confirmed"
            else "",
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
    try:
        day = _day(request.GET.get("day"))
    except ValidationFailed as exc:
        shell.refused(request, exc)
        day = timezone.localdate()
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
        trip = selectors.trip_get(user=request.user, trip_id=request.POST.get("trip") or 0)
        rider = selectors.staff_member(user=request.user, rider_id=request.POST.get("rider"))
        day = _day(request.POST.get("day"))
        booking = services.booking_create(actor=request.user, trip=trip, day=day, rider=rider)
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
    """The demand-responsive plan of a zone's requests on one day (shown, not stored)."""
    try:
        day = _day(request.GET.get("day"))
    except ValidationFailed as exc:
        shell.refused(request, exc)
        day = timezone.localdate()
    zones = list(selectors.demand_zones(user=request.user))
    zone_id = request.GET.get("zone") or (zones[0].pk if zones else None)
    plan = None
    if zone_id is not None:  # another park's zone, or no zone at all: 404
        plan = selectors.demand_plan(user=request.user, zone_id=zone_id, day=day)
    context = {"day": day, "zones": zones, "plan": plan}
    return TemplateResponse(request, "bus/demand.html", context)


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
