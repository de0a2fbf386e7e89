"""Booking a seat: capacity, waiting list and promotion, cut-off, boarding codes, no-shows,
and who may book and see what. Times are fixed (isolation.DAY, trips at 08:00 Shanghai)."""

import datetime

import pytest

from helpers import isolation_module
from parkpilot.bus import selectors, services
from parkpilot.bus.models import Booking, Departure
from parkpilot.notifications.models import Notification
from parkpilot.tenancy.errors import ValidationFailed

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db
DAY, BEFORE = bus.DAY, bus.BEFORE
# 08:00 in Shanghai (UTC+8) is 00:00 UTC on the same day.
DEPARTS = datetime.datetime(2027, 3, 3, 0, 0, tzinfo=datetime.UTC)


def _book(trip, rider, now=BEFORE, actor=None):
    return services.booking_create(actor=actor or rider, trip=trip, day=DAY, rider=rider, now=now)


def _code(call) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors[0].code


def test_three_seats_then_the_waiting_list_in_order(trip, riders):
    made = [_book(trip, r) for r in riders[:5]]
    assert [b.status for b in made] == ["confirmed"] * 3 + ["waitlisted"] * 2
    departure = Departure.objects.get(trip=trip, day=DAY)
    assert (departure.seats, departure.booked) == (3, 3)
    assert departure.departs_at == DEPARTS


def test_a_cancelled_seat_goes_to_the_first_waiting_and_tells_them(trip, riders):
    made = [_book(trip, r) for r in riders[:5]]
    services.booking_cancel(actor=riders[1], booking=made[1], now=BEFORE)
    statuses = dict(Booking.objects.values_list("rider__username", "status"))
    assert statuses == {
        "rider0": "confirmed", "rider1": "cancelled", "rider2": "confirmed",
        "rider3": "confirmed", "rider4": "waitlisted",
    }  # fmt: skip
    assert Departure.objects.get(trip=trip).booked == 3
    told = Notification.objects.get(recipient=riders[3])
    assert "快线1号" in told.title
    # Leaving the waiting list frees no seat and promotes no one.
    services.booking_cancel(actor=riders[4], booking=made[4], now=BEFORE)
    assert Departure.objects.get(trip=trip).booked == 3


def test_a_seat_cannot_be_given_back_inside_the_cut_off(trip, riders):
    booking = _book(trip, riders[0])
    late = DEPARTS - services.CANCEL_CUTOFF + datetime.timedelta(seconds=1)
    code = _code(lambda: services.booking_cancel(actor=riders[0], booking=booking, now=late))
    assert code == "cancel_closed"
    on_time = DEPARTS - services.CANCEL_CUTOFF
    assert (
        services.booking_cancel(actor=riders[0], booking=booking, now=on_time).status == "cancelled"
    )


def test_no_booking_after_departure_nor_twice_nor_on_a_day_off(trip, riders):
    assert _code(lambda: _book(trip, riders[0], now=DEPARTS)) == "departed"
    _book(trip, riders[0])
    assert _code(lambda: _book(trip, riders[0])) == "already_booked"
    assert Departure.objects.get(trip=trip).booked == 1  # the second try took no seat
    outside = lambda: services.booking_create(  # noqa: E731
        actor=riders[1], trip=trip, day=datetime.date(2028, 1, 5), now=BEFORE
    )
    assert _code(outside) == "not_running"


def test_working_days_follow_the_chinese_calendar(trip):
    service = trip.service
    service.rule = "working"
    service.start_date = datetime.date(2026, 1, 1)
    # 2026-10-01 (Thursday, National Day) is off; Saturday 2026-10-10 is a make-up working day
    # (State Council notice for 2026, as chinese-calendar 1.11 transcribes it).
    assert not selectors.runs_on(service, datetime.date(2026, 10, 1))
    assert selectors.runs_on(service, datetime.date(2026, 10, 10))
    assert selectors.runs_on(service, datetime.date(2026, 10, 12))  # an ordinary Monday
    assert not selectors.runs_on(service, datetime.date(2026, 10, 11))  # an ordinary Sunday


def test_the_driver_boards_a_code_once_and_only_on_their_bus(park, personas, riders):
    from parkpilot.tenancy.models import Role, User

    driver = User.objects.create_user(
        username="driver", password="pw-driver", role=Role.RESIDENT, park=park,
        granted_roles=["bus_driver"],
    )  # fmt: skip
    other = User.objects.create_user(
        username="driver2", password="pw-driver2", role=Role.RESIDENT, park=park,
        granted_roles=["bus_driver"],
    )  # fmt: skip
    trip = bus.network(park, seats=1, driver_user=driver)
    seat, waiting = _book(trip, riders[0]), _book(trip, riders[1])
    assert _code(lambda: services.booking_board(actor=other, code=seat.code)) == "code_unknown"
    assert services.booking_board(actor=driver, code=seat.code.lower()).status == "boarded"
    assert services.booking_board(actor=driver, code=seat.code).status == "boarded"  # again: same
    assert _code(lambda: services.booking_board(actor=driver, code=waiting.code)) == "not_boarding"
    assert _code(lambda: services.booking_board(actor=riders[2], code=seat.code)) == "code_unknown"


def test_no_shows_are_counted_after_departure(trip, riders):
    came, stayed = _book(trip, riders[0]), _book(trip, riders[1])
    Booking.objects.filter(pk=came.pk).update(status="boarded")
    assert services.no_shows_mark(park=trip.park, now=DEPARTS + services.NO_SHOW_AFTER) == 0
    marked = services.no_shows_mark(park=trip.park, now=DEPARTS + datetime.timedelta(minutes=16))
    assert marked == 1
    assert selectors.no_show_count(user=riders[1]) == 1
    assert selectors.no_show_count(user=riders[0]) == 0
    del stayed


def test_an_enterprise_books_for_its_staff_and_sees_only_theirs(trip, personas, riders, ent_b):
    admin = personas["ent_a_admin"]
    mine = _book(trip, riders[0], actor=admin)
    assert (mine.rider, mine.booked_by, mine.enterprise_id) == (
        riders[0],
        admin,
        riders[0].enterprise_id,
    )
    theirs = _book(trip, personas["ent_b_user"])
    code = _code(lambda: _book(trip, personas["ent_b_user"], actor=admin))
    assert code == "not_staff"
    seen = set(selectors.bookings_visible(user=admin).values_list("pk", flat=True))
    assert seen == {mine.pk}
    assert theirs.pk not in seen
    # An employee is no reader of colleagues' rides: only their own, through my_bookings.
    assert not selectors.bookings_visible(user=personas["ent_a_user"]).exists()
    assert [b.pk for b in selectors.my_bookings(user=riders[0])] == [mine.pk]
    assert selectors.my_bookings(user=riders[1]) == []
    staff = set(selectors.staff_of(user=admin).values_list("username", flat=True))
    assert "b-user" not in staff and {"a-user", "rider0"} <= staff


def test_a_rider_sees_only_their_own(trip, personas, riders):
    own = _book(trip, personas["resident"])
    _book(trip, riders[0])
    assert [b.pk for b in selectors.my_bookings(user=personas["resident"])] == [own.pk]
    assert not selectors.bookings_visible(user=personas["resident"]).exists()
