from django.urls import path

from parkpilot.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.ledger_export, name="ledger_export"),
    path("import/", views.ledger_import, name="ledger_import"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("approvals/", views.approvals, name="approvals"),
    path("alerts/<int:alert_id>/<str:action>/", views.alert_action, name="alert_action"),
    path("photos/<int:update_id>/", views.photo, name="photo"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("<int:project_id>/documents/", views.document_add, name="document_add"),
    path("<int:project_id>/", views.project_detail, name="project_detail"),
    path("<int:project_id>/stages/<int:stage>/", views.stage_update, name="stage_update"),
    path("<int:project_id>/contact/", views.contact_update, name="contact_update"),
    path("<int:project_id>/updates/", views.progress_create, name="progress_create"),
    path("<int:project_id>/investment/", views.investment_record, name="investment_record"),
]
