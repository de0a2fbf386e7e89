from django.urls import path

from parkpilot.sinks import views

app_name = "sinks"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("trades/xlsx/", views.trades_xlsx, name="trades_xlsx"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/xlsx/", views.project_xlsx, name="project_xlsx"),
    path("mine/", views.holdings, name="holdings"),
    path("mine/xlsx/", views.holdings_xlsx, name="holdings_xlsx"),
    path("sales/", views.sales, name="sales"),
    path("sales/<int:project_id>/", views.sale, name="sale"),
    path("sales/<int:project_id>/xlsx/", views.sale_xlsx, name="sale_xlsx"),
]
