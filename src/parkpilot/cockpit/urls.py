from django.urls import path

from parkpilot.cockpit import views

app_name = "cockpit"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("screen", views.screen, name="screen"),
    path("screen/stream", views.screen_stream, name="stream"),
    path("export.xlsx", views.export_xlsx, name="export_all"),
    path("export/<str:key>.xlsx", views.export_xlsx, name="export"),
    path("drill/", views.drill, name="drill"),
    path("drill/<str:level>/<int:pk>/", views.drill, name="drill_level"),
    path("snapshot.pdf", views.snapshot_pdf, name="snapshot"),
]
