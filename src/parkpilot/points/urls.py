from django.urls import path

from parkpilot.points import views

app_name = "points"
urlpatterns = [
    path("m/card/", views.card, name="card"),
    path("m/catalogue/", views.catalogue, name="catalogue"),
    path("m/goods/<int:good_id>/reserve/", views.reserve, name="reserve"),
    path("m/mine/", views.mine, name="mine"),
    path("m/redemptions/<int:redemption_id>/cancel/", views.cancel, name="cancel"),
    path("counter/", views.counter, name="counter"),
    path("counter/redemptions/<int:redemption_id>/hand-over/", views.hand_over, name="hand_over"),
]
