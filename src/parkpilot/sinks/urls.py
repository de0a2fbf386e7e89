from django.urls import path

from parkpilot.sinks import views

app_name = "sinks"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("mine/", views.holdings, name="holdings"),
]
