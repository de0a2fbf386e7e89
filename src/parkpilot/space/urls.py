from django.urls import path

from parkpilot.space import views

app_name = "space"
urlpatterns = [
    path("", views.parcels, name="parcels"),
    path("buildings/<int:building_id>/", views.occupancy, name="occupancy"),
    path("mujun/", views.mujun, name="mujun"),
    path("mujun/xlsx/", views.mujun_xlsx, name="mujun_xlsx"),
]
