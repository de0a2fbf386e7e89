from django.urls import path

from parkpilot.services import views

app_name = "services"
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:request_id>/", views.request_detail, name="request_detail"),
    path("<int:request_id>/<str:action>/", views.request_action, name="request_action"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/cases/new/", views.case_open, name="case_open"),
    path("supervision/cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("supervision/cases/<int:case_id>/<str:action>/", views.case_action, name="case_action"),
]
