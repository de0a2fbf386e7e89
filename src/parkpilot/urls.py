from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from parkpilot.api import api

urlpatterns = [
    path("api/", api.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("parkpilot.tenancy.urls")),
    path("energy/", include("parkpilot.energy.urls")),
    path("carbon/", include("parkpilot.carbon.urls")),
    path("economy/", include("parkpilot.economy.urls")),
    path("projects/", include("parkpilot.projects.urls")),
    path("services/", include("parkpilot.services.urls")),
    path("cockpit/", include("parkpilot.cockpit.urls")),
    path("", include("parkpilot.portal.urls")),
]
