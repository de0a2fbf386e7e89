from django.urls import path

from parkpilot.residents import views

app_name = "residents"
urlpatterns = [
    path("", views.home, name="home"),
    path("items/", views.items, name="items"),
    path("notifications/", views.notification_list, name="notifications"),
    path("me/", views.me, name="me"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
