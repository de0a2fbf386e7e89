from django.urls import path

from parkpilot.economy import views

app_name = "economy"
urlpatterns = [
    path("", views.indicators, name="indicators"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/new/", views.monthly_new, name="monthly_new"),
    path("import/", views.workbook_import, name="import"),
    path("template.xlsx", views.template_download, name="template"),
]
