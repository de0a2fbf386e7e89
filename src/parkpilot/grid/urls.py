from django.urls import path

from parkpilot.grid import open311, views

app_name = "grid"
V2 = "open311/<str:park_code>/v2/"
urlpatterns = [
    path("m/report/", views.report, name="report"),
    path("m/mine/", views.mine, name="mine"),
    path("m/work/", views.work, name="work"),
    path("m/cases/<int:case_id>/", views.case, name="case"),
    path("m/cases/<int:case_id>/step/", views.case_step, name="case_step"),
    path("m/photos/<int:photo_id>/", views.photo, name="photo"),
    path("map/", views.grid_map, name="map"),
    path("track/", views.track, name="track"),
    path(V2 + "discovery.<str:fmt>", open311.discovery, name="open311_discovery"),
    path(V2 + "services.<str:fmt>", open311.service_list, name="open311_services"),
    path(
        V2 + "services/<str:service_code>.<str:fmt>",
        open311.service_definition,
        name="open311_service",
    ),
    path(V2 + "requests.<str:fmt>", open311.requests, name="open311_requests"),
    path(
        V2 + "requests/<str:request_id>.<str:fmt>", open311.request_detail, name="open311_request"
    ),
    path(V2 + "tokens/<str:token_id>.<str:fmt>", open311.token, name="open311_token"),
]
