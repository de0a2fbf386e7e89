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
    path("manage/", views.manage, name="manage"),
    path("manage/rules/new/", views.rule_new, name="rule_new"),
    path("manage/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("manage/goods/new/", views.good_new, name="good_new"),
    path("manage/goods/<int:good_id>/", views.good_edit, name="good_edit"),
    path("manage/goods/<int:good_id>/stock/", views.good_stock, name="good_stock"),
    path("manage/awards/upload/", views.awards_upload, name="awards_upload"),
    path("manage/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("manage/activities/new/", views.activity_new, name="activity_new"),
    path("manage/activities/<int:activity_id>/qr/", views.activity_qr, name="activity_qr"),
    path("m/check-in/<str:code>/", views.check_in, name="check_in"),
]
