from django.urls import path

from parkpilot.energy import import_views, views

app_name = "energy"
urlpatterns = [
    path("", views.points, name="points"),
    path("points/<int:point_id>/", views.point_detail, name="point_detail"),
    path("points/<int:point_id>/move/", views.point_move, name="point_move"),
    path("quality/", views.quality, name="quality"),
    path(
        "dead-letters/<int:letter_id>/reprocess/",
        views.dead_letter_reprocess,
        name="dead_letter_reprocess",
    ),
    path(
        "dead-letters/<int:letter_id>/dismiss/",
        views.dead_letter_dismiss,
        name="dead_letter_dismiss",
    ),
    path("conflicts/<int:conflict_id>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("suspects/<int:decision_id>/override/", views.suspect_override, name="suspect_override"),
    path(
        "suspects/<int:decision_id>/replacement/",
        views.replacement_confirm,
        name="replacement_confirm",
    ),
    path("quarantine/<int:point_id>/retry/", views.quarantine_retry, name="quarantine_retry"),
    path("import/", import_views.upload, name="import"),
    path("import/<int:job_id>/", import_views.job_status, name="import_status"),
]
