from django.urls import path

from parkpilot.tenancy import views

app_name = "tenancy"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:enterprise_id>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:enterprise_id>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("audit/", views.audit_log, name="audit_log"),
    path("accounts/tokens/", views.token_list, name="tokens"),
    path("accounts/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/people/", views.people, name="people"),
    path("accounts/people/<int:person_id>/", views.person, name="person"),
    path("accounts/locks/", views.login_locks, name="login_locks"),
    path("accounts/locks/<int:user_id>/unlock/", views.login_unlock, name="login_unlock"),
]
