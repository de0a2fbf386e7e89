from django.urls import path

from parkpilot.carbon import views, views_green

app_name = "carbon"
urlpatterns = [
    path("", views.park_page, name="park"),
    path("mine/", views.mine_page, name="mine"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/<int:report_id>.pdf", views.report_pdf, name="report_pdf"),
    path("reports/<int:report_id>.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path(
        "reports/<int:report_id>/v<int:version>.pdf",
        views.report_version_pdf,
        name="report_version_pdf",
    ),
    path(
        "reports/<int:report_id>/v<int:version>.xlsx",
        views.report_version_xlsx,
        name="report_version_xlsx",
    ),
    path("factors/", views.factors_page, name="factors"),
    path("green-power/", views_green.green_page, name="green"),
    path("settings/", views.settings_page, name="settings"),
    path("stream", views.stream, name="stream"),
]
