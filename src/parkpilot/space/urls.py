from django.urls import path

from parkpilot.space import views, views_ladder

app_name = "space"
urlpatterns = [
    path("", views.parcels, name="parcels"),
    path("parcels/new/", views.parcel_new, name="parcel_new"),
    path("parcels/<int:parcel_id>/", views.parcel_detail, name="parcel"),
    path("buildings/<int:building_id>/", views.occupancy, name="occupancy"),
    path("buildings/<int:building_id>/units/", views.building_units, name="building_units"),
    path("mujun/emissions/", views.emissions, name="emissions"),
    path("mujun/", views.mujun, name="mujun"),
    path("mujun/xlsx/", views.mujun_xlsx, name="mujun_xlsx"),
    path("incubation/", views_ladder.ladder, name="ladder"),
    path("incubation/spaces/<int:space_id>/", views_ladder.ladder_space, name="ladder_space"),
    path("incubation/mine/", views_ladder.my_ladder, name="my_ladder"),
]
