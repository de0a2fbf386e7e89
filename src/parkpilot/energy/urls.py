from django.urls import path

from parkpilot.energy import import_views

app_name = "energy"
urlpatterns = [
    path("import/", import_views.upload, name="import"),
    path("import/<int:job_id>/", import_views.job_status, name="import_status"),
]
