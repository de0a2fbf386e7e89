from django.urls import path

from parkpilot.bus import views

app_name = "bus"
urlpatterns = [
    path("m/", views.timetable, name="timetable"),
    path("m/trips/<int:trip_id>/book/", views.book, name="book"),
    path("m/rides/", views.mine, name="mine"),
    path("m/stops/<int:stop_id>/", views.stop, name="stop"),
    path("m/rides/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("m/demand/", views.demand_mine, name="demand_mine"),
    path("m/demand/request/", views.demand_request, name="demand_request"),
    path("m/demand/<int:request_id>/cancel/", views.demand_cancel, name="demand_cancel"),
    path("driver/", views.driver, name="driver"),
    path("driver/board/", views.board, name="board"),
    path("staff/", views.staff, name="staff"),
    path("staff/book/", views.staff_book, name="staff_book"),
    path("network/", views.network, name="network"),
    path("network/demand/", views.demand, name="demand"),
    path("network/demand/accept/", views.demand_accept, name="demand_accept"),
    path("network/metro/", views.metro, name="metro"),
    path("network/metro/delay/", views.metro_delay, name="metro_delay"),
    path("network/live.geojson", views.live_buses, name="live_buses"),
    path("network/gtfs.zip", views.gtfs_export, name="gtfs_export"),
    path("network/vehicle-positions.pb", views.vehicle_positions, name="vehicle_positions"),
    path("network/trip-updates.pb", views.trip_updates, name="trip_updates"),
]
