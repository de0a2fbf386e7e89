"""The site's URLs: sign-in, the API and admin here; each app's pages come from its AppConfig
(`urls`, `url_prefix`: parkpilot.plugins), in INSTALLED_APPS order."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from parkpilot import plugins
from parkpilot.api import api
from parkpilot.tenancy.logins import SignInView

urlpatterns = [
    path("api/", api.urls),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The one-time link an administrator passes on to an invited or forgetful person.
    path(
        "accounts/password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    *plugins.url_patterns(),
]
