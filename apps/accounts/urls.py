from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from apps.accounts import oidc

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", oidc.PortalLogoutView.as_view(), name="logout"),  # also ends a provider session
    path("oidc/authenticate/", oidc.LoginStart.as_view(), name="oidc_start"),
    path("oidc/callback/", oidc.LoginCallback.as_view(), name="oidc_callback"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_done",
    ),
]
